"""The complaint (投诉) track: acceptance, mediation sessions, stopped mediation clocks, endings and
follow-up. A complaint is a Tip of kind "complaint"; `Tip.status` carries its state (what the
complainant's status page reads) and `Complaint` carries what the decisions recorded.

Grounds and outcomes come from the complaint-and-report measures. The articles named are those of
Order No. 20 (2019), whose text could be checked; Order No. 121 (in force 2026-04-15) keeps the
same institutions (acceptance, non-acceptance with a ground, mediation, delegated mediation,
testing during mediation, termination), but its article numbers could not be confirmed here.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, EncryptedText, UTCDateTime

# Not accepted (Order 20 Art. 15 (1)-(6)).
NON_ACCEPTANCE_GROUNDS = ("not_our_duty", "handled_elsewhere", "not_consumer", "time_barred",
                          "materials_missing", "other_law")
# Mediation in person or at a distance (Art. 18), or delegated to a consumer association or another
# mediation body (Art. 17).
MEDIATION_FORMS = ("in_person", "phone", "online", "delegated")
# Verification, inspection, testing, appraisal: their time is not counted in mediation (Art. 20).
STOP_REASONS = ("verification", "inspection", "testing", "appraisal")
# How mediation ends: an agreement (Art. 22-23), or termination (Art. 21): withdrawn or settled
# (21(1)), no agreement (21(2)-(4)), period expired (21(5)), a ground found after acceptance or
# another statutory ground (21(6)-(7)).
OUTCOMES = ("agreement", "no_agreement", "withdrawn", "expired", "terminated")
TERMINATION_GROUNDS = ("art15_found", "no_technical_body", "refused_to_attend", "other_law")
FOLLOW_UP_RESULTS = ("satisfied", "not_satisfied", "unreachable")


class Complaint(Base):
    __tablename__ = "complaint"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tip.id", ondelete="CASCADE"), nullable=False, unique=True)
    received_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    accepted_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    ground: Mapped[str | None] = mapped_column(String(30), nullable=True)  # NON_ACCEPTANCE_GROUNDS
    outcome: Mapped[str | None] = mapped_column(String(20), nullable=True)  # OUTCOMES
    termination_ground: Mapped[str | None] = mapped_column(String(30), nullable=True)
    ended_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    # The notice the complainant reads (non-acceptance, end of mediation), written by the officer.
    notice: Mapped[str | None] = mapped_column(EncryptedText(), nullable=True)
    agreement_terms: Mapped[str | None] = mapped_column(EncryptedText(), nullable=True)
    agreement_file_id: Mapped[int | None] = mapped_column(ForeignKey("evidence_file.id"), nullable=True)
    lead_tip_id: Mapped[int | None] = mapped_column(ForeignKey("tip.id"), nullable=True)
    follow_up_result: Mapped[str | None] = mapped_column(String(20), nullable=True)
    follow_up_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)


class MediationSession(Base):
    __tablename__ = "mediation_session"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id", ondelete="CASCADE"), nullable=False,
                                              index=True)
    held_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    form: Mapped[str] = mapped_column(String(20), nullable=False)  # MEDIATION_FORMS
    mediator: Mapped[str] = mapped_column(String(200), nullable=False, default="")  # the delegated body
    positions: Mapped[str] = mapped_column(EncryptedText(), nullable=False)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)


class MediationStop(Base):
    """Testing or appraisal during mediation: the mediation clock stops from `stopped_on` to `resumed_on`."""

    __tablename__ = "mediation_stop"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id", ondelete="CASCADE"), nullable=False,
                                              index=True)
    reason: Mapped[str] = mapped_column(String(20), nullable=False)  # STOP_REASONS
    note: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    stopped_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    resumed_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
