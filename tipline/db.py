"""Declarative base, shared column types and mixins."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Integer, LargeBinary, MetaData, Numeric, TypeDecorator
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, declared_attr, mapped_column

from . import crypto

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite drops the offset otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; Tipline stores aware UTC times only")
        value = value.astimezone(dt.timezone.utc)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc)


class EncryptedText(TypeDecorator):
    """Text encrypted with the instance key ring; the database only ever sees ciphertext."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return crypto.keyring().encrypt(value.encode("utf-8"))

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return crypto.keyring().decrypt(bytes(value)).decode("utf-8")


class EncryptedBytes(TypeDecorator):
    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else crypto.keyring().encrypt(bytes(value))

    def process_result_value(self, value, dialect):
        return None if value is None else crypto.keyring().decrypt(bytes(value))


Money = Numeric(14, 2, asdecimal=True)


class TimestampMixin:
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class VersionedMixin:
    """Optimistic locking: a stale write raises StaleDataError, mapped to 'changed meanwhile'."""

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    @declared_attr.directive
    def __mapper_args__(cls):
        return {"version_id_col": cls.__table__.c.version}


def insert_ignoring_conflicts(session: Session, model, unique: list[str]):
    """INSERT ... ON CONFLICT (unique) DO NOTHING for the session's database (PostgreSQL or SQLite):
    a row that another transaction stored first is skipped in one statement, where a savepoint
    around a plain INSERT would cost two more round trips. Add `.values(...)` and `.returning(...)`."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    return insert(model).on_conflict_do_nothing(index_elements=unique)


__all__ = ["Base", "UTCDateTime", "EncryptedText", "EncryptedBytes", "Money", "TimestampMixin", "VersionedMixin",
           "insert_ignoring_conflicts", "utcnow"]
