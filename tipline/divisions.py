"""Henan Province administrative divisions (GB/T 2260 codes): loading and lookup.

Pure Python, no Flask. The data lives in ``tipline/data/divisions_henan.json``.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

PROVINCE_CODE = "410000"
JIYUAN_CODE = "419001"  # directly administered county-level city, treated as a city
EXPECTED_CITIES = 18  # 17 prefecture-level cities + Jiyuan
LEVELS = ("province", "city", "county")
_CODE_RE = re.compile(r"\d{6}")
_CITY_RE = re.compile(r"41\d\d00")


class DivisionError(ValueError):
    """The divisions data is malformed or inconsistent."""


@dataclass(frozen=True)
class Division:
    code: str
    name_zh: str
    name_en: str
    level: str  # "province" | "city" | "county"
    parent: str | None

    def name(self, locale: str) -> str:
        """English name when ``locale`` starts with "en", otherwise the Chinese name."""
        return self.name_en if (locale or "").lower().startswith("en") else self.name_zh


class Divisions:
    """A validated, read-only collection of divisions (build it with :func:`load_divisions`)."""

    def __init__(self, divisions: list[Division]):
        self._by_code = {d.code: d for d in divisions}
        self._children: dict[str, list[Division]] = {}
        for d in sorted(divisions, key=lambda d: d.code):
            if d.parent is not None:
                self._children.setdefault(d.parent, []).append(d)

    def get(self, code: str) -> Division | None:
        return self._by_code.get(code)

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    @property
    def province(self) -> Division:
        return self._by_code[PROVINCE_CODE]

    def all(self) -> list[Division]:
        """Every division, sorted by code."""
        return sorted(self._by_code.values(), key=lambda d: d.code)

    def cities(self) -> list[Division]:
        """The 18 city-level divisions (Jiyuan included), sorted by code."""
        return [d for d in self._children.get(PROVINCE_CODE, []) if d.level == "city"]

    def codes_within(self, code: str) -> list[str]:
        """``code`` and the codes of every division beneath it, sorted ([] for an unknown code)."""
        if code not in self:
            return []
        found, todo = [], [code]
        while todo:
            c = todo.pop()
            found.append(c)
            todo.extend(d.code for d in self._children.get(c, []))
        return sorted(found)

    def counties(self, city_code: str) -> list[Division]:
        """County-level divisions of ``city_code`` sorted by code ([] for unknown codes or Jiyuan)."""
        return [d for d in self._children.get(city_code, []) if d.level == "county"]

    def city_of(self, code: str) -> Division | None:
        """The city a county belongs to, the city itself, or None (province / unknown code)."""
        d = self.get(code)
        if d is None or d.level == "province":
            return None
        if d.level == "city":
            return d
        return self.get(d.parent) if d.parent is not None else None

    def is_within(self, code: str, ancestor_code: str) -> bool:
        """True if ``code`` is ``ancestor_code`` or lies beneath it; False for unknown codes."""
        d = self.get(code)
        if d is None or ancestor_code not in self:
            return False
        while d is not None:
            if d.code == ancestor_code:
                return True
            d = self.get(d.parent) if d.parent else None
        return False

    def choices(self, locale: str) -> list[tuple[str, list[tuple[str, str]]]]:
        """Options for a ``<select>`` with one ``<optgroup>`` per city.

        Returns ``[(city_label, [(city_code, "全市"/"whole city"), (county_code, label), ...]), ...]``.
        """
        whole = "whole city" if (locale or "").lower().startswith("en") else "全市"
        return [
            (city.name(locale),
             [(city.code, f"{city.name(locale)} ({whole})")]
             + [(c.code, c.name(locale)) for c in self.counties(city.code)])
            for city in self.cities()
        ]


@lru_cache(maxsize=1)
def packaged() -> Divisions:
    """The packaged Henan divisions, loaded once per process (the collection is read-only)."""
    return load_divisions()


def load_divisions(path: str | Path | None = None) -> Divisions:
    """Load and validate divisions from ``path`` (default: the packaged Henan file).

    Raises DivisionError (naming the offending row) when the file is not valid JSON or lacks a
    "divisions" list; a row has missing/empty fields, an unknown level or a code that is not
    6 digits; a code is duplicated; there is not exactly one province "410000"; a parent is
    missing or of the wrong level; a city code is not 41xx00/419001; a county code does not start
    with its city's first 4 digits; or the number of cities is not 18.
    Raises OSError if the file cannot be read.
    """
    text = (resources.files("tipline.data").joinpath("divisions_henan.json").read_text("utf-8")
            if path is None else Path(path).read_text(encoding="utf-8"))
    try:
        rows = json.loads(text)["divisions"]
    except (ValueError, KeyError, TypeError) as exc:
        raise DivisionError(f"divisions file is not a JSON object with a 'divisions' list: {exc}") from exc
    if not isinstance(rows, list):
        raise DivisionError("'divisions' must be a list")

    by_code: dict[str, Division] = {}
    for i, row in enumerate(rows):
        where = f"row {i} ({row.get('code') if isinstance(row, dict) else row!r})"
        if not isinstance(row, dict):
            raise DivisionError(f"{where}: not an object")
        code, level, parent = row.get("code"), row.get("level"), row.get("parent")
        if not isinstance(code, str) or not _CODE_RE.fullmatch(code):
            raise DivisionError(f"{where}: code must be a 6-digit string")
        if code in by_code:
            raise DivisionError(f"{where}: duplicate code {code}")
        if level not in LEVELS:
            raise DivisionError(f"{where}: level must be one of {LEVELS}, got {level!r}")
        for field in ("name_zh", "name_en"):
            if not isinstance(row.get(field), str) or not row[field].strip():
                raise DivisionError(f"{where}: {field} must be a non-empty string")
        if parent is not None and not isinstance(parent, str):
            raise DivisionError(f"{where}: parent must be a code string or null")
        by_code[code] = Division(code, row["name_zh"].strip(), row["name_en"].strip(), level, parent)

    provinces = [d for d in by_code.values() if d.level == "province"]
    if [d.code for d in provinces] != [PROVINCE_CODE] or by_code[PROVINCE_CODE].parent is not None:
        raise DivisionError(f"expected exactly one province {PROVINCE_CODE} with parent null, "
                            f"got {[d.code for d in provinces]}")
    for d in by_code.values():
        where = f"row {d.code} ({d.name_zh})"
        if d.level == "city":
            if d.parent != PROVINCE_CODE:
                raise DivisionError(f"{where}: city parent must be {PROVINCE_CODE}, got {d.parent!r}")
            if not (_CITY_RE.fullmatch(d.code) and d.code != PROVINCE_CODE) and d.code != JIYUAN_CODE:
                raise DivisionError(f"{where}: city code must look like 41xx00 (or be {JIYUAN_CODE})")
        elif d.level == "county":
            city = by_code.get(d.parent) if d.parent else None
            if city is None or city.level != "city":
                raise DivisionError(f"{where}: parent {d.parent!r} is not an existing city")
            if city.code == JIYUAN_CODE or d.code[:4] != city.code[:4]:
                raise DivisionError(f"{where}: county code must start with {city.code[:4]} "
                                    f"(the prefix of its city {city.code})")
    n_cities = sum(d.level == "city" for d in by_code.values())
    if n_cities != EXPECTED_CITIES:
        raise DivisionError(f"expected {EXPECTED_CITIES} cities, found {n_cities}")
    return Divisions(list(by_code.values()))
