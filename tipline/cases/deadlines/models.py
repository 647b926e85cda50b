"""Statutory clocks on tips and cases, their rule versions, reminders and in-app notices."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ...db import Base, UTCDateTime


class DeadlineRule(Base):
    """One clock's length from a date on. Admins add versions; the shipped defaults seed it."""

    __tablename__ = "deadline_rule"
    __table_args__ = (UniqueConstraint("clock", "effective_from"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    clock: Mapped[str] = mapped_column(String(30), nullable=False)
    effective_from: Mapped[dt.date] = mapped_column(Date, nullable=False)
    length: Mapped[int] = mapped_column(Integer, nullable=False)
    unit: Mapped[str] = mapped_column(String(10), nullable=False)
    extension: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # the longest one extension
    # How many extensions the approver may grant, who approves them (a role; never the requester),
    # and what is possible beyond them ("collective": a recorded collective decision; None: nothing).
    extension_count: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")
    approver: Mapped[str] = mapped_column(String(20), nullable=False, default="supervisor",
                                          server_default="supervisor")
    beyond: Mapped[str | None] = mapped_column(String(20), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)


class Clock(Base):
    __tablename__ = "clock"
    __table_args__ = (
        Index("ix_clock_state_due", "state", "due_on"),
        Index("ix_clock_case", "case_id", "kind"),
        Index("ix_clock_tip", "tip_id", "kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    tip_id: Mapped[int | None] = mapped_column(ForeignKey("tip.id", ondelete="CASCADE"), nullable=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), nullable=True)
    division_code: Mapped[str] = mapped_column(String(6), nullable=False, index=True)
    start_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    length: Mapped[int] = mapped_column(Integer, nullable=False)
    unit: Mapped[str] = mapped_column(String(10), nullable=False)
    rule_from: Mapped[dt.date] = mapped_column(Date, nullable=False)  # the rule version used
    extended: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    state: Mapped[str] = mapped_column(String(10), nullable=False, default="running")  # running|stopped|done
    due_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    provisional: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    done_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    met: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)


class Reminder(Base):
    """One reminder to one person about one clock at one moment. The unique key is what makes
    several scheduler processes send it exactly once: it is inserted, then claimed, then sent."""

    __tablename__ = "reminder"
    __table_args__ = (UniqueConstraint("clock_id", "rule", "moment", "user_id"),
                      Index("ix_reminder_status_next", "status", "next_attempt_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    clock_id: Mapped[int] = mapped_column(ForeignKey("clock.id", ondelete="CASCADE"), nullable=False)
    rule: Mapped[str] = mapped_column(String(20), nullable=False)
    moment: Mapped[dt.date] = mapped_column(Date, nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), nullable=False, index=True)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="pending")  # pending|sending|sent|failed
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    claimed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    error: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)


class Notice(Base):
    """What staff see in the app: reminders, escalations, moved deadlines."""

    __tablename__ = "staff_notice"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    clock_id: Mapped[int | None] = mapped_column(ForeignKey("clock.id", ondelete="CASCADE"), nullable=True)
    params: Mapped[str] = mapped_column(String(500), nullable=False, default="{}")  # JSON, rendered translated
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
