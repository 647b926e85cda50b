"""Every mail message seen, keyed by where it was found and by its Message-ID.

(mailbox, UIDVALIDITY, UID) recognises a message seen before at the same place; the Message-ID key
recognises it again after a server renumbered the mailbox or someone re-delivered it.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ...db import Base, EncryptedBytes, EncryptedText, UTCDateTime


class MailMessage(Base):
    __tablename__ = "mail_message"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mailbox: Mapped[str] = mapped_column(String(200), nullable=False)
    uidvalidity: Mapped[int] = mapped_column(BigInteger, nullable=False)
    uid: Mapped[int] = mapped_column(BigInteger, nullable=False)
    message_id: Mapped[str | None] = mapped_column(String(255), nullable=True, index=True)
    # sha256 of the normalised Message-ID (or, without one, parse.content_key of the message), set only
    # on the first row for it: a plain unique column (NULLs never collide) does what a partial unique index
    # would, on SQLite and PostgreSQL alike.
    message_id_key: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    raw: Mapped[bytes] = mapped_column(EncryptedBytes(), nullable=False)
    sender: Mapped[str | None] = mapped_column(EncryptedText(), nullable=True)  # never listed in plain
    # ingested | needs_manual | duplicate | reply (a reporter's answer to an acknowledgement, stored as a
    # message on its tip) | automatic (machine mail: auto-reply, bounce, list; kept for staff, never a tip).
    status: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    tip_id: Mapped[int | None] = mapped_column(ForeignKey("tip.id", ondelete="SET NULL"), nullable=True, index=True)
    error: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    # The keyed hash (replies.ack_key) of the Message-ID of the acknowledgement sent for this message:
    # a reply naming it in In-Reply-To/References belongs to this message's tip.
    ack_key: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)

    __table_args__ = (UniqueConstraint("mailbox", "uidvalidity", "uid", name="uq_mail_message_location"),)
