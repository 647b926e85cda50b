"""Procedure records added for issue 21: stops of a tip's filing clock, collective decisions that
extend the decision period, and parties' recusal applications."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime


class TipSuspension(Base):
    """The filing-decision clock stopped before any case exists (《市场监督管理行政处罚程序规定》
    Art. 18 ¶2: testing, inspection, quarantine, appraisal, identification by the rights holder)."""

    __tablename__ = "tip_suspension"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tip.id", ondelete="CASCADE"), nullable=False, index=True)
    reason: Mapped[str] = mapped_column(String(20), nullable=False)
    note: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    stopped_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    resumed_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), nullable=False)


class CollectiveDecision(Base):
    """A collective decision (集体讨论) of the department's heads to extend the decision period
    beyond the one approved extension, with the period it sets (Art. 64 ¶1)."""

    __tablename__ = "collective_decision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), nullable=False, index=True)
    clock: Mapped[str] = mapped_column(String(30), nullable=False)
    decided_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    participants: Mapped[str] = mapped_column(String(500), nullable=False)  # one name per line
    length: Mapped[int] = mapped_column(Integer, nullable=False)  # in the clock's unit
    reason: Mapped[str] = mapped_column(String(500), nullable=False)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), nullable=False)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    due_before: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    due_after: Mapped[dt.date | None] = mapped_column(Date, nullable=True)


class RecusalApplication(Base):
    """A party's application that an investigator withdraw (申请回避, 《行政处罚法》Art. 43),
    decided by the head (a supervisor). Upheld: the officer is removed and a replacement drawn."""

    __tablename__ = "recusal_application"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), nullable=False, index=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), nullable=False)
    applicant: Mapped[str] = mapped_column(String(200), nullable=False)
    grounds: Mapped[str] = mapped_column(Text, nullable=False)
    received_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), nullable=False)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    upheld: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), nullable=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    decision_note: Mapped[str] = mapped_column(String(500), nullable=False, default="")


class Redraw(Base):
    """One re-draw of an investigator: the ground (from REDRAW_REASONS), its text, the officer
    replaced, who ordered it and the draw event it produced."""

    __tablename__ = "case_redraw"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), nullable=False, index=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), nullable=False)
    reason: Mapped[str] = mapped_column(String(20), nullable=False)
    text: Mapped[str] = mapped_column(String(500), nullable=False)
    ordered_by: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), nullable=True)
    draw_event_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
