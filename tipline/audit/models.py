"""Append-only, hash-chained audit trail."""
from __future__ import annotations

import datetime as dt
from typing import Any, NoReturn

from sqlalchemy import Connection, Index, Integer, String, Table, Text, event
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from ..db import Base, UTCDateTime


class AuditEvent(Base):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    actor_label: Mapped[str] = mapped_column(String(120), nullable=False)
    action: Mapped[str] = mapped_column(String(80), nullable=False, index=True)
    object_type: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    object_id: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    details: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)

    __table_args__ = (Index("ix_audit_event_object", "object_type", "object_id", "id"),)


class AuditHead(Base):
    """One row holding the chain's tip; locking it serialises writers so the chain never forks."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_id: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    # "sha256" for a chain written before the audit key (rekeyed by its next event), else "hmac-sha256".
    scheme: Mapped[str] = mapped_column(String(16), nullable=False, server_default="sha256")


GENESIS = "0" * 64


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _refuse_change(mapper: Mapper[AuditEvent], connection: Connection, target: AuditEvent) -> NoReturn:  # noqa: ARG001
    raise RuntimeError("audit events are append-only")


def append_only_ddl(dialect: str) -> list[str]:
    """Database triggers that refuse UPDATE and DELETE on audit events (the ORM refuses too)."""
    if dialect == "postgresql":
        return [
            "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'audit_event is append-only'; END $$",
            "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
            "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
        ]
    return [
        "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
        "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
        "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
        "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
    ]


def seed_head_sql() -> str:
    # GENESIS is a constant of zeros, not input: nothing can be injected.
    return f"INSERT INTO audit_head (id, last_id, last_hash) VALUES (1, 0, '{GENESIS}')"  # noqa: S608


@event.listens_for(AuditEvent.__table__, "after_create")
def _event_table_created(target: Table, connection: Connection, **kw: Any) -> None:  # noqa: ARG001
    for stmt in append_only_ddl(connection.dialect.name):
        connection.exec_driver_sql(stmt)


@event.listens_for(AuditHead.__table__, "after_create")
def _head_table_created(target: Table, connection: Connection, **kw: Any) -> None:  # noqa: ARG001
    connection.exec_driver_sql(seed_head_sql())
