"""Supervised bodies, annual inspection plans, the inspections drawn and their officers."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, UTCDateTime

BODY_KINDS = ("testing", "certification")
BODY_STATUSES = ("active", "suspended", "revoked", "cancelled")
RESULTS = ("no_problem", "problems", "rectification", "suspended", "revoked", "case_opened")
PROBLEM_KINDS = ("false_report", "unqualified_report", "records", "sampling", "personnel", "equipment",
                 "scope", "ccc_certification", "other")
RECUSAL_REASONS = ("conflict_of_interest", "related_party", "previous_involvement", "unavailable")


class SupervisedBody(Base):
    """A testing or certification body under supervision, one row per credit code."""

    __tablename__ = "supervised_body"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False, default="testing")
    approval_number: Mapped[str] = mapped_column(String(60), nullable=False, default="")
    division_code: Mapped[str] = mapped_column(String(6), nullable=False, index=True)
    fields: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="active")
    entity_id: Mapped[int] = mapped_column(ForeignKey("entity.id"), nullable=False, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)


class InspectionPlan(Base):
    """A year's plan for a division. Once drawn, the frozen candidate list, its digest, the seed and
    the drawn codes are final: `services.draw_plan` refuses a second draw."""

    __tablename__ = "inspection_plan"
    __table_args__ = (UniqueConstraint("year", "division_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    division_code: Mapped[str] = mapped_column(String(6), nullable=False)
    departments: Mapped[str] = mapped_column(Text, nullable=False, default="")  # one per line
    ratios: Mapped[str] = mapped_column(Text, nullable=False)  # JSON {tier: ratio as string}
    tier_version: Mapped[dt.date] = mapped_column(Date, nullable=False)
    state: Mapped[str] = mapped_column(String(10), nullable=False, default="draft")  # draft|drawn
    seed: Mapped[str | None] = mapped_column(String(32), nullable=True)  # decimal, from secrets
    candidates: Mapped[str | None] = mapped_column(Text, nullable=True)  # JSON [[uscc, tier], ...] by code
    candidates_digest: Mapped[str | None] = mapped_column(String(64), nullable=True)
    drawn: Mapped[str | None] = mapped_column(Text, nullable=True)  # JSON [uscc, ...]
    drawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    draw_event_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)


class BodyInspection(Base):
    """One inspection task of a plan. (`cases.models.Inspection` is an inspection within a case.)"""

    __tablename__ = "body_inspection"
    __table_args__ = (Index("ix_body_inspection_plan_body", "plan_id", "body_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("inspection_plan.id"), nullable=False)
    body_id: Mapped[int] = mapped_column(ForeignKey("supervised_body.id"), nullable=False, index=True)
    round: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    tier: Mapped[str] = mapped_column(String(20), nullable=False)
    due_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    clock_id: Mapped[int | None] = mapped_column(ForeignKey("clock.id"), nullable=True)
    state: Mapped[str] = mapped_column(String(10), nullable=False, default="open")  # open|final
    result: Mapped[str | None] = mapped_column(String(20), nullable=True)
    inspected_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    problem_kinds: Mapped[str] = mapped_column(String(300), nullable=False, default="")  # comma-separated
    problems_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    findings: Mapped[str] = mapped_column(Text, nullable=False, default="")
    rectification_due: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    rectification_clock_id: Mapped[int | None] = mapped_column(ForeignKey("clock.id"), nullable=True)
    rectified_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    tip_id: Mapped[int | None] = mapped_column(ForeignKey("tip.id"), nullable=True)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), nullable=True)
    recorded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    body: Mapped[SupervisedBody] = relationship(lazy="joined")
    plan: Mapped[InspectionPlan] = relationship(lazy="raise")

    @property
    def problem_list(self) -> list[str]:
        return [k for k in self.problem_kinds.split(",") if k]

    @property
    def rectification_status(self) -> str | None:
        if self.rectification_due is None:
            return None
        return "done" if self.rectified_on else "ordered"


class InspectionOfficer(Base):
    """An officer drawn for an inspection; a recusal ends the row (active False) with its reason."""

    __tablename__ = "inspection_officer"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("body_inspection.id", ondelete="CASCADE"),
                                               nullable=False, index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), nullable=False, index=True)
    draw_event_id: Mapped[int] = mapped_column(Integer, nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    ended_reason: Mapped[str | None] = mapped_column(String(30), nullable=True)
    assigned_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
