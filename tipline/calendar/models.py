"""Stored calendar data: per-day overrides and which years have official (published) data."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, CheckConstraint, Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime, utcnow


class CalendarOverride(Base):
    """One day whose status differs from what the calendar would otherwise say.

    "official": entered from the State Council's published notice (`tipline calendar import`);
    "correction": a one-day fix on top of any other source (e.g. a late regional adjustment).
    """

    __tablename__ = "calendar_override"
    __table_args__ = (CheckConstraint("source IN ('official', 'correction')", name="source"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, nullable=False, unique=True)
    is_workday: Mapped[bool] = mapped_column(Boolean, nullable=False)
    note: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    source: Mapped[str] = mapped_column(String(10), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class CalendarYear(Base):
    """A year whose official calendar an administrator entered; its deadlines are final."""

    __tablename__ = "calendar_year"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    official: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    entered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
