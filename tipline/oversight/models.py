"""Legal holds: a tip or case under a hold is never deleted or anonymised by the retention rules."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime

HOLD_OBJECTS = ("tip", "case")


class LegalHold(Base):
    __tablename__ = "legal_hold"
    __table_args__ = (Index("ix_legal_hold_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    object_type: Mapped[str] = mapped_column(String(10), nullable=False)  # tip | case
    object_id: Mapped[int] = mapped_column(Integer, nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    placed_by: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), nullable=False)
    placed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    released_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    @property
    def active(self) -> bool:
        return self.released_at is None
