"""Cases and everything an investigation records.

A tip (intake) is triaged; accepting it as a report files a case, or joins an existing one. The
case carries the investigation (assignments, notes, tasks, inspections, evidence log,
suspensions, extension requests) and the decision (outcome, penalties, measures).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, EncryptedText, Money, UTCDateTime, VersionedMixin

OUTCOMES = ("violation", "no_violation", "criminal_transfer")
MEASURES = ("suspend_business", "closure", "licence_revoked", "certificate_revoked", "rectification_notice")
# Periods that do not count towards the decision period (《市场监督管理行政处罚程序规定》Art. 64 ¶2:
# 中止、听证、公告和检测、检验、检疫、鉴定、权利人辨认或者鉴别、责令退还多收价款).
SUSPENSION_REASONS = ("testing", "inspection", "quarantine", "appraisal", "rights_holder", "hearing", "public_notice",
                      "refund_overcharge")
# ... and towards the 15 working days to decide whether to file (Art. 18 ¶2: 检测、检验、检疫、鉴定以及
# 权利人辨认或者鉴别).
FILING_STOP_REASONS = ("testing", "inspection", "quarantine", "appraisal", "rights_holder")


class Entity(Base):
    """A reported business, keyed by its credit code or, without one, its normalised name."""

    __tablename__ = "entity"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(220), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    uscc: Mapped[str | None] = mapped_column(String(18), nullable=True)
    substantiated: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # Set when a violation is established: the entity is inspected more often ("credit supervision").
    flagged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Case(VersionedMixin, Base):
    __tablename__ = "case_file"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    division_code: Mapped[str] = mapped_column(String(6), nullable=False, index=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entity.id"), nullable=False, index=True)
    category_code: Mapped[str] = mapped_column(String(40), nullable=False)
    state: Mapped[str] = mapped_column(String(20), nullable=False, default="under_investigation")
    filing_number: Mapped[str] = mapped_column(String(80), nullable=False)
    filed_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    filed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    outcome: Mapped[str | None] = mapped_column(String(20), nullable=True)
    decision_number: Mapped[str | None] = mapped_column(String(80), nullable=True)
    decision_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    fines: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0"))
    confiscated_gains: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0"))
    confiscated_property: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0"))
    measures: Mapped[str] = mapped_column(String(200), nullable=False, default="")  # comma-separated MEASURES
    legal_basis: Mapped[str] = mapped_column(Text, nullable=False, default="")
    executed_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    closed_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    publishable: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    entity: Mapped[Entity] = relationship(lazy="joined")
    assignments: Mapped[list["Assignment"]] = relationship(back_populates="case", lazy="raise",
                                                           order_by="Assignment.id")

    @property
    def penalty_total(self) -> Decimal:
        """The reward base (罚没款): fines plus confiscated gains and property."""
        zero = Decimal(0)
        return (self.fines or zero) + (self.confiscated_gains or zero) + (self.confiscated_property or zero)

    @property
    def measure_list(self) -> list[str]:
        return [m for m in self.measures.split(",") if m]


class Assignment(Base):
    __tablename__ = "case_assignment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), nullable=False, index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), nullable=False, index=True)
    draw_event_id: Mapped[int] = mapped_column(Integer, nullable=False)  # the audit event recording the draw
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    assigned_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)

    case: Mapped[Case] = relationship(back_populates="assignments")


class ConflictDeclaration(Base):
    """An officer's declared conflict of interest with an entity: excluded from its draws."""

    __tablename__ = "conflict_declaration"
    __table_args__ = (UniqueConstraint("user_id", "entity_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), nullable=False)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entity.id"), nullable=False)
    reason: Mapped[str] = mapped_column(String(300), nullable=False)
    declared_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)


class CaseNote(Base):
    __tablename__ = "case_note"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), nullable=False, index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), nullable=False)
    body: Mapped[str] = mapped_column(EncryptedText(), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)


class CaseTask(Base):
    __tablename__ = "case_task"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), nullable=False, index=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    due_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), nullable=True)
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)


class Inspection(Base):
    __tablename__ = "inspection"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), nullable=False, index=True)
    inspected_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    place: Mapped[str] = mapped_column(String(300), nullable=False)
    officers: Mapped[str] = mapped_column(String(300), nullable=False)
    findings: Mapped[str] = mapped_column(EncryptedText(), nullable=False)
    problems_found: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)


class EvidenceItem(Base):
    """The evidence log: what was obtained, from whom, when, its hash, and who has held it."""

    __tablename__ = "evidence_item"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), nullable=False, index=True)
    item: Mapped[str] = mapped_column(String(300), nullable=False)
    source: Mapped[str] = mapped_column(String(300), nullable=False)
    received_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    custodian: Mapped[str] = mapped_column(String(120), nullable=False)
    custody_log: Mapped[str] = mapped_column(Text, nullable=False, default="")  # one "date: from -> to" per line
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)


class Suspension(Base):
    """A stopped clock: testing, appraisal, hearing... Every stop and restart is recorded."""

    __tablename__ = "case_suspension"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), nullable=False, index=True)
    reason: Mapped[str] = mapped_column(String(20), nullable=False)
    note: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    stopped_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    resumed_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)


class ExtensionRequest(Base):
    """More time on a clock: a case's decision clock (case_id) or, before any case exists, a tip's
    filing clock (tip_id). Exactly one of the two is set."""
    __tablename__ = "extension_request"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), nullable=True,
                                                index=True)
    tip_id: Mapped[int | None] = mapped_column(ForeignKey("tip.id", ondelete="CASCADE"), nullable=True, index=True)
    clock: Mapped[str] = mapped_column(String(30), nullable=False)
    length: Mapped[int] = mapped_column(Integer, nullable=False)
    reason: Mapped[str] = mapped_column(String(500), nullable=False)
    requested_by: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), nullable=False)
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), nullable=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    approved: Mapped[bool | None] = mapped_column(Boolean, nullable=True)


Index("ix_case_division_state", Case.division_code, Case.state)
