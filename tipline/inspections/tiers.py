"""Risk tiers of supervised bodies, from the versioned rules in tipline/data/inspection_tiers.json.

The file is validated when the app starts (`load_tiers`); a bad value raises TierFileError naming
the file and the field, like the reward rule sets. Rules are tried in order, the first that matches
gives the tier:

- ``penalised``: a penalty decision (case outcome "violation") dated within the last `penalty_years`;
- ``substantiated_or_rectification``: a substantiated report (the entity register's count), a case
  decision with a rectification notice, or an inspection that ordered rectification, within the
  same years;
- ``under_investigation``: a report still open (received, in triage, transferred) or a case under
  investigation or suspended;
- ``none``: always matches.

The grounds (国办发〔2015〕58号 (三); 国发〔2019〕5号; the Henan measures, 省政府令第228号) say bodies
with complaints, reports or penalty records are inspected more and more often; the ratios and
frequencies themselves are local policy (configurable) and marked so in the file.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

SHIPPED = Path(__file__).resolve().parent.parent / "data" / "inspection_tiers.json"
RULES = ("penalised", "substantiated_or_rectification", "under_investigation", "none")
OPEN_TIP_STATES = ("received", "in_triage", "transferred")
OPEN_CASE_STATES = ("under_investigation", "suspended")


class TierFileError(ValueError):
    def __init__(self, path, field_name: str, reason: str):
        self.path, self.field, self.reason = Path(path), field_name, reason
        super().__init__(f"inspection tiers {path}: {field_name}: {reason}")


@dataclass(frozen=True)
class Tier:
    code: str
    rule: str
    ratio: Decimal
    frequency: int
    source: str           # the text that asks for this tier ("" when none does)
    figures_local: bool   # the ratio and frequency are local policy (configurable), not a legal figure


@dataclass(frozen=True)
class TierVersion:
    effective_from: dt.date
    penalty_years: int
    due_workdays: int
    rectification_workdays: int
    tiers: tuple[Tier, ...]

    def tier(self, code: str) -> Tier:
        for t in self.tiers:
            if t.code == code:
                return t
        raise LookupError(code)

    @property
    def codes(self) -> list[str]:
        return [t.code for t in self.tiers]


@dataclass(frozen=True)
class TierTable:
    versions: tuple[TierVersion, ...]
    source: Path

    def for_date(self, day: dt.date) -> TierVersion:
        chosen = None
        for v in self.versions:
            if v.effective_from <= day:
                chosen = v
        if chosen is None:
            raise LookupError(f"no inspection tier version in force on {day}")
        return chosen


def _int(path, name, value, low=1, high=3650) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise TierFileError(path, name, f"must be a whole number from {low} to {high}, got {value!r}")
    return value


def parse(data, path) -> TierTable:
    if not isinstance(data, dict) or not isinstance(data.get("versions"), list) or not data["versions"]:
        raise TierFileError(path, "versions", "must be a non-empty list")
    versions = []
    for i, v in enumerate(data["versions"]):
        where = f"versions.{i}"
        if not isinstance(v, dict):
            raise TierFileError(path, where, "must be an object")
        try:
            start = dt.date.fromisoformat(str(v.get("effective_from")))
        except ValueError as exc:
            raise TierFileError(path, f"{where}.effective_from",
                                f"must be a date YYYY-MM-DD, got {v.get('effective_from')!r}") from exc
        tiers = []
        if not isinstance(v.get("tiers"), list) or not v["tiers"]:
            raise TierFileError(path, f"{where}.tiers", "must be a non-empty list")
        for j, t in enumerate(v["tiers"]):
            tw = f"{where}.tiers.{j}"
            if not isinstance(t, dict) or not isinstance(t.get("code"), str) or not t["code"].isidentifier():
                raise TierFileError(path, f"{tw}.code", "must be a lower-case identifier")
            if t.get("rule") not in RULES:
                raise TierFileError(path, f"{tw}.rule", f"must be one of {', '.join(RULES)}, got {t.get('rule')!r}")
            try:
                ratio = Decimal(str(t.get("ratio")))
            except InvalidOperation:
                ratio = Decimal(-1)
            if not Decimal(0) <= ratio <= Decimal(1):
                raise TierFileError(path, f"{tw}.ratio", f"must be from 0 to 1, got {t.get('ratio')!r}")
            source, local = t.get("source", ""), t.get("figures_local", False)
            if not isinstance(local, bool):
                raise TierFileError(path, f"{tw}.figures_local", "must be true or false")
            if not isinstance(source, str) or not (source.strip() or local):
                raise TierFileError(path, f"{tw}.source",
                                    "must name the text it comes from, or figures_local must be true")
            tiers.append(Tier(t["code"], t["rule"], ratio, _int(path, f"{tw}.frequency", t.get("frequency"), 1, 12),
                              source.strip(), local))
        if tiers[-1].rule != "none":
            raise TierFileError(path, f"{where}.tiers", "the last tier must have rule 'none' (every body gets a tier)")
        if len({t.code for t in tiers}) != len(tiers):
            raise TierFileError(path, f"{where}.tiers", "tier codes must be unique")
        versions.append(TierVersion(start, _int(path, f"{where}.penalty_years", v.get("penalty_years"), 1, 20),
                                    _int(path, f"{where}.due_workdays", v.get("due_workdays")),
                                    _int(path, f"{where}.rectification_workdays", v.get("rectification_workdays")),
                                    tuple(tiers)))
    starts = [v.effective_from for v in versions]
    if starts != sorted(set(starts)):
        raise TierFileError(path, "versions", "effective_from dates must be distinct and in order")
    return TierTable(tuple(versions), Path(path))


def load_tiers(instance_path: Path | None = None) -> TierTable:
    """The instance's own inspection_tiers.json if present, else the shipped one."""
    path = SHIPPED
    if instance_path is not None and (Path(instance_path) / "inspection_tiers.json").exists():
        path = Path(instance_path) / "inspection_tiers.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise TierFileError(path, "(file)", f"unreadable: {exc}") from exc
    return parse(data, path)


@dataclass
class Grounds:
    """The events on record for an entity, by rule."""

    penalised: list[dict] = field(default_factory=list)
    substantiated_or_rectification: list[dict] = field(default_factory=list)
    under_investigation: list[dict] = field(default_factory=list)


def _iso(day: dt.date | None) -> str:
    """A date of the grounds; the queries below only return rows that have one (compared with the cutoff)."""
    return day.isoformat() if day is not None else ""


def _cutoff(today: dt.date, years: int) -> dt.date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def grounds(session: Session, entity_ids, version: TierVersion, today: dt.date) -> dict[int, Grounds]:
    """Events per entity id, in five queries whatever the number of entities. `entity_ids` is a
    collection or a select of ids (a subquery keeps 50,000 ids out of the statement)."""
    from ..cases.models import Case, Entity
    from ..intake.models import Tip
    from .models import BodyInspection, SupervisedBody
    cutoff = _cutoff(today, version.penalty_years)
    out: dict[int, Grounds] = {}

    def g(eid) -> Grounds:
        return out.setdefault(eid, Grounds())
    for eid, number, on, measures in session.execute(
            select(Case.entity_id, Case.decision_number, Case.decision_date, Case.measures)
            .where(Case.entity_id.in_(entity_ids), Case.outcome == "violation", Case.decision_date >= cutoff,
                   Case.decision_date <= today).order_by(Case.decision_date)):
        g(eid).penalised.append({"event": "penalty", "date": _iso(on), "ref": number or ""})
        if "rectification_notice" in (measures or ""):
            g(eid).substantiated_or_rectification.append({"event": "case_rectification", "date": _iso(on),
                                                          "ref": number or ""})
    for eid, n in session.execute(select(Entity.id, Entity.substantiated)
                                  .where(Entity.id.in_(entity_ids), Entity.substantiated > 0)):
        g(eid).substantiated_or_rectification.append({"event": "substantiated", "date": "", "ref": str(n)})
    for eid, on, iid in session.execute(
            select(SupervisedBody.entity_id, BodyInspection.inspected_on, BodyInspection.id)
            .join(SupervisedBody, SupervisedBody.id == BodyInspection.body_id)
            .where(SupervisedBody.entity_id.in_(entity_ids), BodyInspection.rectification_due.is_not(None),
                   BodyInspection.inspected_on >= cutoff).order_by(BodyInspection.inspected_on)):
        g(eid).substantiated_or_rectification.append({"event": "inspection_rectification",
                                                      "date": _iso(on), "ref": str(iid)})
    for tip_entity, received, tid in session.execute(
            select(Tip.entity_id, Tip.received_at, Tip.id)
            .where(Tip.entity_id.in_(entity_ids), Tip.status.in_(OPEN_TIP_STATES)).order_by(Tip.received_at)):
        g(tip_entity).under_investigation.append({"event": "open_report", "date": received.date().isoformat(),
                                           "ref": str(tid)})
    for eid, filed, cid in session.execute(
            select(Case.entity_id, Case.filed_on, Case.id)
            .where(Case.entity_id.in_(entity_ids), Case.state.in_(OPEN_CASE_STATES)).order_by(Case.filed_on)):
        g(eid).under_investigation.append({"event": "open_case", "date": filed.isoformat(), "ref": str(cid)})
    return out


def classify(found: Grounds | None, version: TierVersion) -> tuple[Tier, list[dict]]:
    """The tier and the events that put the body there (empty for the catch-all tier)."""
    for tier in version.tiers:
        if tier.rule == "none":
            return tier, []
        events = getattr(found, tier.rule, None) if found else None
        if events:
            return tier, events
    raise AssertionError("unreachable: the last tier matches everything")


def tier_of(session: Session, entity_id: int, version: TierVersion, today: dt.date) -> tuple[Tier, list[dict]]:
    return classify(grounds(session, [entity_id], version, today).get(entity_id), version)
