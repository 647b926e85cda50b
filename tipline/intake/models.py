"""Tips as they arrive: the report, the reporter's identity (optional), evidence and messages.

Tip text, identity, file names and messages are encrypted columns; the database never holds them
in plain text. The entity's name, credit code and division stay readable: staff search, route and
deduplicate on them, and they describe the business reported, not the reporter.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..db import Base, EncryptedText, UTCDateTime, VersionedMixin

CHANNELS = ("web", "email", "hotline")
KINDS = ("report", "complaint", "both")
KNOWLEDGE = ("witness", "insider", "customer", "other")


class Tip(VersionedMixin, Base):
    __tablename__ = "tip"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(10), nullable=False)
    kind: Mapped[str] = mapped_column(String(10), nullable=False)
    category_code: Mapped[str] = mapped_column(String(40), nullable=False)
    entity_name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    entity_uscc: Mapped[str | None] = mapped_column(String(18), nullable=True, index=True)
    entity_address: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    division_code: Mapped[str] = mapped_column(String(6), nullable=False)
    occurred_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    description: Mapped[str] = mapped_column(EncryptedText(), nullable=False)
    knowledge: Mapped[str] = mapped_column(String(10), nullable=False, default="other")
    anonymous: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="received")
    status_changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    public_note: Mapped[str | None] = mapped_column(EncryptedText(), nullable=True)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    # HMAC-SHA256 of the receipt code under the instance key ("hmac:..."), or a legacy Argon2id hash
    # (64 hex digits) until its next sign-in re-hashes it (tipline.intake.receipts).
    receipt_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    # The hidden form token: the same token twice is the same submission.
    submission_key: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    # The receipt code sealed with a key derived from that token (which only the reporter's browser
    # holds), so a double submit or refresh shows the same code; purged after an hour.
    sealed_receipt: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    # domain.md §4: an anonymous reporter proves a reward claim with the receipt code and a
    # passphrase. The reporter chooses it (salted Argon2id, tipline.intake.passphrase); None: not set.
    claim_passphrase_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # Triage (set by the case workflow; string foreign keys so intake never imports cases).
    priority: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    # -priority, kept in step by `_rank`: the queue sorts (rank, received_at, id) all ascending, so
    # a keyset cursor is one row comparison the database can seek on an index.
    queue_rank: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    entity_id: Mapped[int | None] = mapped_column(ForeignKey("entity.id"), nullable=True, index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_file.id"), nullable=True, index=True)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("tip.id"), nullable=True, index=True)
    split_from_id: Mapped[int | None] = mapped_column(ForeignKey("tip.id"), nullable=True)
    transferred_to: Mapped[str | None] = mapped_column(String(60), nullable=True)
    triaged_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), nullable=True)

    identity: Mapped["ReporterIdentity | None"] = relationship(back_populates="tip", uselist=False,
                                                               cascade="all, delete-orphan", lazy="raise")
    files: Mapped[list["EvidenceFile"]] = relationship(back_populates="tip", order_by="EvidenceFile.id",
                                                       lazy="raise")
    messages: Mapped[list["Message"]] = relationship(back_populates="tip", order_by="Message.id",
                                                     cascade="all, delete-orphan", lazy="raise")

    __table_args__ = (
        Index("ix_tip_division_received", "division_code", "received_at", "id"),
        Index("ix_tip_received", "received_at", "id"),
        # The triage queue: highest priority first, oldest first within (queue_rank = -priority).
        Index("ix_tip_queue_rank", "queue_rank", "received_at", "id"),
        Index("ix_tip_division_queue_rank", "division_code", "queue_rank", "received_at", "id"),
    )

    @validates("priority")
    def _rank(self, key, value):  # noqa: ARG002
        self.queue_rank = -int(value or 0)
        return value

    @property
    def reference(self) -> str:
        """What staff call the tip (never the receipt code)."""
        return reference_of(self.received_at, self.id)


class TipSuggestion(Base):
    """A possible duplicate or related tip, found on arrival and shown to the officer with the reason.
    Never merged automatically."""

    __tablename__ = "tip_suggestion"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tip.id", ondelete="CASCADE"), nullable=False, index=True)
    other_id: Mapped[int] = mapped_column(ForeignKey("tip.id", ondelete="CASCADE"), nullable=False)
    reason: Mapped[str] = mapped_column(String(20), nullable=False)  # same_uscc | similar_name | similar_text
    score: Mapped[int] = mapped_column(Integer, nullable=False)


class ReporterIdentity(Base):
    """Who reported, when they chose to say. Every read of it through the app is audited."""

    __tablename__ = "reporter_identity"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tip.id", ondelete="CASCADE"), nullable=False, unique=True)
    name: Mapped[str | None] = mapped_column(EncryptedText(), nullable=True)
    id_number: Mapped[str | None] = mapped_column(EncryptedText(), nullable=True)
    phone: Mapped[str | None] = mapped_column(EncryptedText(), nullable=True)
    email: Mapped[str | None] = mapped_column(EncryptedText(), nullable=True)

    tip: Mapped[Tip] = relationship(back_populates="identity")


class EvidenceFile(Base):
    __tablename__ = "evidence_file"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tip_id: Mapped[int | None] = mapped_column(ForeignKey("tip.id", ondelete="CASCADE"), nullable=True, index=True)
    # Files chosen on a form that failed validation wait here under the form's token (hashed).
    draft_key: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    stored_name: Mapped[str] = mapped_column(String(32), nullable=False, unique=True)
    display_name: Mapped[str] = mapped_column(EncryptedText(), nullable=False)
    mime: Mapped[str] = mapped_column(String(100), nullable=False)
    family: Mapped[str] = mapped_column(String(10), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    original_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    metadata_removed: Mapped[str] = mapped_column(Text, nullable=False, default="")
    is_original: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    source: Mapped[str] = mapped_column(String(10), nullable=False, default="reporter")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)

    tip: Mapped[Tip | None] = relationship(back_populates="files")


class Message(Base):
    __tablename__ = "tip_message"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tip.id", ondelete="CASCADE"), nullable=False, index=True)
    author: Mapped[str] = mapped_column(String(10), nullable=False)  # reporter | staff
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), nullable=True)
    body: Mapped[str] = mapped_column(EncryptedText(), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)

    tip: Mapped[Tip] = relationship(back_populates="messages")


def reference_of(received_at, tip_id: int) -> str:
    """Tip.reference from the two columns (for lists that read rows, not Tip objects)."""
    return f"T{received_at.year}-{tip_id:06d}"
