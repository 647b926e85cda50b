"""Reward rule sets: TOML files shipped in tipline/rewards/rules/, overridable from <instance>/rules/.

A file in the instance folder with the same `name` and `version` as a shipped one replaces it;
any other file adds a rule set. A set may `inherit` another by name (its highest version) and
override some of its values. Every reward records the name and version of the set that made it.

Errors: `load_rule_sets` raises RuleSetError (a ValueError) whose message names the file and the
field, e.g. ".../rules/henan-2025.toml: levels.1.share: must be > 0 and <= 1, got '0'";
create_app lets it stop start-up. `RuleSets.for_date` and `RuleSets.get` raise LookupError.
"""
from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterable, Iterator, Mapping

SHIPPED_DIR = Path(__file__).resolve().parent / "rules"
NATIONAL = "national"  # the family every province falls back to
LEVELS = (1, 2, 3)

# The schema: unknown keys are errors, because a misspelt key would otherwise silently leave the
# inherited (national) value in force.
_TOP = {"name", "version", "effective_from", "inherits", "cap", "joint_approval_threshold",
        "insider_uplift_max", "claim_window_workdays", "notice_workdays", "late_claim_workdays",
        "large_fines", "levels", "exclusions"}
_OWN = ("name", "version", "effective_from", "inherits")  # never inherited
_TABLES = {"large_fines": {"natural_person", "organisation"},
           "levels": {str(n) for n in LEVELS}}
_LEVEL_KEYS = {"share", "floor", "no_fine_floor"}
_EXCLUSION_KEYS = {"code", "zh", "en", "reason_required"}
_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
_VERSION = re.compile(r"^[0-9A-Za-z]+(\.[0-9A-Za-z]+)*$")
_CODE = re.compile(r"^[a-z][a-z0-9_]*$")


class RuleSetError(ValueError):
    """A rule set file is unreadable or holds a bad value; the message names the file and field."""

    def __init__(self, path: Path | str, field: str | None, reason: str):
        self.path, self.field, self.reason = Path(path), field, reason
        where = f"{path}: {field}" if field else str(path)
        super().__init__(f"reward rule set {where}: {reason}")


@dataclass(frozen=True)
class LevelRule:
    share: Decimal          # of the base (fines and confiscations)
    floor: Decimal          # the least reward when there is a base
    no_fine_floor: Decimal  # the least reward when there are no fines or confiscations


@dataclass(frozen=True)
class Exclusion:
    code: str
    zh: str
    en: str
    reason_required: bool = False  # the officer must say why (the catch-all "other circumstances")


@dataclass(frozen=True)
class RuleSet:
    name: str
    version: str
    effective_from: dt.date
    inherits: str | None
    levels: Mapping[int, LevelRule]
    cap: Decimal
    joint_approval_threshold: Decimal
    insider_uplift_max: Decimal
    large_fines_natural_person: Decimal
    large_fines_organisation: Decimal
    exclusions: tuple[Exclusion, ...]
    claim_window_workdays: int  # the reward clocks' lengths: the reward keeps the set it was computed with
    notice_workdays: int
    late_claim_workdays: int    # how long a late claim accepted by finance stays open
    source: Path

    def in_family(self, family: str) -> bool:
        """"henan" matches "henan" and "henan-2025"; an exact name matches itself."""
        return self.name == family or self.name.startswith(family + "-")


def _version_key(version: str) -> tuple[tuple[int, int, str], ...]:
    # "10" sorts after "9": numeric parts compare as numbers.
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in version.split("."))


class RuleSets:
    """All loaded rule sets, oldest first."""

    def __init__(self, sets: Iterable[RuleSet]):
        self._sets = tuple(sorted(sets, key=lambda r: (r.effective_from, r.name, _version_key(r.version))))

    def __iter__(self) -> Iterator[RuleSet]:
        return iter(self._sets)

    def __len__(self) -> int:
        return len(self._sets)

    def get(self, name: str, version: str | None = None) -> RuleSet:
        """The set with this name and version (the highest version when None); LookupError if none."""
        found = [r for r in self._sets if r.name == name and version in (None, r.version)]
        if not found:
            raise LookupError(f"no reward rule set {name}" + (f" version {version}" if version else ""))
        return max(found, key=lambda r: _version_key(r.version))

    def for_date(self, d: dt.date, family: str | None = None) -> RuleSet:
        """The set in force on `d`: the latest effective_from <= d (highest version on a tie).

        With a `family` ("henan" or an exact name) only that family counts, falling back to the
        national family when none of it is in force yet. LookupError for an unknown family or a
        date before every set.
        """
        if family is not None and not any(r.in_family(family) for r in self._sets):
            raise LookupError(f"no reward rule set named {family!r}")
        families = [family] if family in (None, NATIONAL) else [family, NATIONAL]
        for fam in families:
            live = [r for r in self._sets if r.effective_from <= d and (fam is None or r.in_family(fam))]
            if live:
                return max(live, key=lambda r: (r.effective_from, _version_key(r.version), r.name))
        raise LookupError(f"no reward rule set in force on {d.isoformat()}")


def load_rule_sets(instance_path: Path | str | None = None) -> RuleSets:
    """Read the shipped sets and <instance_path>/rules/*.toml, resolve inheritance, validate.

    Raises RuleSetError naming the file and field for: invalid TOML, unknown or missing keys, a
    bad value, two files with the same name and version in one folder, an unknown or circular
    `inherits`.
    """
    raw: dict[tuple[str, str], tuple[Path, dict[str, Any]]] = {}
    folders = [SHIPPED_DIR] + ([Path(instance_path) / "rules"] if instance_path is not None else [])
    for folder in folders:
        seen: dict[tuple[str, str], Path] = {}
        for path in sorted(folder.glob("*.toml")) if folder.is_dir() else ():
            data = _read(path)
            key = (data["name"], data["version"])
            if key in seen:
                raise RuleSetError(path, "name", f"{key[0]} version {key[1]} is also defined in {seen[key]}")
            seen[key] = path
            raw[key] = (path, data)  # an instance file replaces the shipped one with the same key
    if not raw:  # e.g. a wheel built without the package data: refuse to start rather than quote nothing
        raise RuleSetError(SHIPPED_DIR, None, "no *.toml rule set found")
    resolved: dict[tuple[str, str], dict[str, Any]] = {}
    built: dict[tuple[str, str], RuleSet] = {}

    def resolve(key: tuple[str, str], chain: tuple[str, ...]) -> dict[str, Any]:
        if key in resolved:
            return resolved[key]
        path, data = raw[key]
        merged = dict(data)
        parent_name = data.get("inherits")
        if parent_name is not None:
            if parent_name in chain + (key[0],):
                raise RuleSetError(path, "inherits", "circular: " + " -> ".join(chain + (key[0], parent_name)))
            versions = [k for k in raw if k[0] == parent_name]
            if not versions:
                raise RuleSetError(path, "inherits", f"no rule set named {parent_name!r}")
            parent_key = max(versions, key=lambda k: _version_key(k[1]))
            parent = {k: v for k, v in resolve(parent_key, chain + (key[0],)).items() if k not in _OWN}
            merged = _merge(parent, data)
        built[key] = _build(path, merged)  # parents are built first, so their errors name their own file
        resolved[key] = merged
        return merged

    for key in raw:
        resolve(key, ())
    return RuleSets(built.values())


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise RuleSetError(path, None, f"cannot be read: {exc}") from None
    # Shapes and key names are checked per file, so that _build can trust every table.
    _known(path, "", data, _TOP)
    for table, keys in _TABLES.items():
        _known(path, table, data.get(table, {}), keys)
    for n, level in data.get("levels", {}).items():
        _known(path, f"levels.{n}", level, _LEVEL_KEYS)
    if not isinstance(data.get("exclusions", []), list):
        raise RuleSetError(path, "exclusions", "expected a list of [[exclusions]] tables")
    for i, item in enumerate(data.get("exclusions", [])):
        _known(path, f"exclusions[{i}]", item, _EXCLUSION_KEYS)
    for field, pattern in (("name", _NAME), ("version", _VERSION)):
        value = data.get(field)
        if not isinstance(value, str) or not pattern.fullmatch(value):
            example = "henan-2025" if field == "name" else "1"
            raise RuleSetError(path, field, f"expected text like {example!r}, got {value!r}")
    return data


def _known(path: Path, field: str, table: Any, allowed: set[str]) -> None:
    if not isinstance(table, dict):
        raise RuleSetError(path, field, "expected a table")
    for key in table:
        if key not in allowed:
            raise RuleSetError(path, f"{field}.{key}".lstrip("."),
                               f"unknown key (expected one of {', '.join(sorted(allowed))})")


def _build(path: Path, d: dict[str, Any]) -> RuleSet:
    def need(field: str, table: dict[str, Any] = d, prefix: str = "") -> Any:
        if field not in table:
            raise RuleSetError(path, prefix + field, "missing (and not inherited)")
        return table[field]

    def number(field: str, table: dict[str, Any] = d, prefix: str = "", *, money: bool = True,
               low: Decimal = Decimal(0), low_ok: bool = True, high: Decimal | None = None) -> Decimal:
        value = need(field, table, prefix)
        if not isinstance(value, str):
            raise RuleSetError(path, prefix + field, f'expected a quoted decimal such as "5000.00", got {value!r}')
        try:
            amount = Decimal(value.strip())
        except InvalidOperation:
            amount = Decimal("NaN")
        if not amount.is_finite():
            raise RuleSetError(path, prefix + field, f"not a number: {value!r}")
        exponent = amount.as_tuple().exponent  # an int: the amount is finite (NaN and Infinity have letters)
        if money and isinstance(exponent, int) and exponent < -2:
            raise RuleSetError(path, prefix + field, f"money has at most two decimals (fen), got {value!r}")
        if amount < low or (amount == low and not low_ok) or (high is not None and amount > high):
            bounds = f"{'>=' if low_ok else '>'} {low}" + (f" and <= {high}" if high is not None else "")
            raise RuleSetError(path, prefix + field, f"must be {bounds}, got {value!r}")
        return amount

    def workdays(field: str) -> int:
        value = need(field)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise RuleSetError(path, field, f"expected a whole number of working days >= 1, got {value!r}")
        return value

    effective = need("effective_from")
    if not isinstance(effective, dt.date) or isinstance(effective, dt.datetime):
        raise RuleSetError(path, "effective_from", f"expected a TOML date such as 2025-03-01, got {effective!r}")
    inherits = d.get("inherits")
    if inherits is not None and not isinstance(inherits, str):
        raise RuleSetError(path, "inherits", f"expected a rule set name, got {inherits!r}")
    levels = {}
    for n in LEVELS:
        t, p = need(str(n), need("levels"), "levels."), f"levels.{n}."
        levels[n] = LevelRule(share=number("share", t, p, money=False, low_ok=False, high=Decimal(1)),
                              floor=number("floor", t, p), no_fine_floor=number("no_fine_floor", t, p))
    large = need("large_fines")
    exclusions: list[Exclusion] = []
    for i, item in enumerate(need("exclusions")):
        field = f"exclusions[{i}]"
        values = {k: need(k, item, field + ".") for k in ("code", "zh", "en")}
        for k, v in values.items():
            if not isinstance(v, str) or not v.strip():
                raise RuleSetError(path, f"{field}.{k}", f"expected non-empty text, got {v!r}")
        if not _CODE.fullmatch(values["code"]) or any(e.code == values["code"] for e in exclusions):
            raise RuleSetError(path, f"{field}.code", f"expected a new snake_case code, got {values['code']!r}")
        required = item.get("reason_required", False)
        if not isinstance(required, bool):
            raise RuleSetError(path, f"{field}.reason_required", f"expected true or false, got {required!r}")
        exclusions.append(Exclusion(**values, reason_required=required))
    return RuleSet(
        name=d["name"], version=d["version"], effective_from=effective, inherits=inherits,
        levels=MappingProxyType(levels),
        cap=number("cap", low_ok=False),
        joint_approval_threshold=number("joint_approval_threshold", low_ok=False),
        insider_uplift_max=number("insider_uplift_max", money=False, low=Decimal(1)),
        large_fines_natural_person=number("natural_person", large, "large_fines.", low_ok=False),
        large_fines_organisation=number("organisation", large, "large_fines.", low_ok=False),
        exclusions=tuple(exclusions),
        claim_window_workdays=workdays("claim_window_workdays"),
        notice_workdays=workdays("notice_workdays"),
        late_claim_workdays=workdays("late_claim_workdays"),
        source=path,
    )
