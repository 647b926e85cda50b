"""API tokens for the call-centre system, and each hotline call with its transcript.

Only a keyed hash of a bearer token is stored. A caller's number is kept only as a keyed hash
(`caller_hash`, to link repeat callers), unless the caller gave their real name: then it is
stored encrypted on the tip's ReporterIdentity like any other reporter's phone.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ...db import Base, EncryptedText, UTCDateTime

SPEAKERS = ("caller", "agent")


class ApiToken(Base):
    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Not unique: a revoked token keeps its name and a new one may be issued under it.
    name: Mapped[str] = mapped_column(String(100), nullable=False, index=True)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class HotlineCall(Base):
    __tablename__ = "hotline_call"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[str] = mapped_column(String(100), nullable=False, unique=True)  # the call centre's id
    tip_id: Mapped[int] = mapped_column(ForeignKey("tip.id", ondelete="CASCADE"), nullable=False, index=True)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    duration_seconds: Mapped[int] = mapped_column(Integer, nullable=False)
    caller_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    correction_requested_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    correction_note: Mapped[str | None] = mapped_column(EncryptedText(), nullable=True)
    # JSON {field: keyed hash of its value} of the call as first received (services.field_digests):
    # the same call_id resent with different content is told apart field by field. None: stored
    # before these were kept (a resend is then answered as a repeat).
    field_digests: Mapped[str | None] = mapped_column(Text, nullable=True)

    segments: Mapped[list["TranscriptSegment"]] = relationship(
        back_populates="call", order_by="TranscriptSegment.seq", cascade="all, delete-orphan", lazy="raise")


class TranscriptSegment(Base):
    __tablename__ = "transcript_segment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("hotline_call.id", ondelete="CASCADE"), nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    speaker: Mapped[str] = mapped_column(String(10), nullable=False)  # caller | agent
    # Seconds from the start of the call; floats (not Decimal) on every backend.
    start: Mapped[float] = mapped_column(Numeric(10, 2, asdecimal=False), nullable=False)
    end: Mapped[float] = mapped_column(Numeric(10, 2, asdecimal=False), nullable=False)
    text: Mapped[str] = mapped_column(EncryptedText(), nullable=False)

    call: Mapped[HotlineCall] = relationship(back_populates="segments")

    __table_args__ = (UniqueConstraint("call_id", "seq", name="uq_transcript_segment_call_seq"),)
