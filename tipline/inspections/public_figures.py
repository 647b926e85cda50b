"""The inspection figures the public pages show (/public/inspections and /public/statistics), computed
at most once per five minutes per year and division."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from .. import reporting
from ..extensions import db
from ..public_pages import cached
from .models import BodyInspection, SupervisedBody


@dataclass(frozen=True)
class Figures:
    inspections: int
    problems_found: int
    rectification_notices: int
    certificates_suspended: int
    certificates_revoked: int
    cases_opened: int


def figures(session: Session, year: int, division: str) -> Figures:
    """Final inspections of `year` (by inspection date) of bodies in `division` and below."""
    period = reporting.Period.year(year)
    row = session.execute(
        select(func.count(BodyInspection.id), func.coalesce(func.sum(BodyInspection.problems_count), 0),
               func.count(BodyInspection.rectification_due),
               func.coalesce(func.sum(case((BodyInspection.result == "suspended", 1), else_=0)), 0),
               func.coalesce(func.sum(case((BodyInspection.result == "revoked", 1), else_=0)), 0),
               func.coalesce(func.sum(case((BodyInspection.result == "case_opened", 1), else_=0)), 0))
        .join(SupervisedBody, SupervisedBody.id == BodyInspection.body_id)
        .where(BodyInspection.state == "final", BodyInspection.inspected_on.between(period.start, period.end),
               reporting.scope(SupervisedBody.division_code, division))).one()
    return Figures(*(int(v or 0) for v in row))


def cached_figures(year: int, division: str) -> Figures:
    return cached(("inspections", year, division), lambda: figures(db.session, year, division))
