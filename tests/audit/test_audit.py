"""The audit chain: written with every change, verified by `tipline audit verify`."""
from __future__ import annotations

import pytest
from sqlalchemy import select, text

from tipline.audit import services as audit
from tipline.audit.models import AuditEvent


def _drop_guards(session):
    # Tampering as an attacker with database access would: first remove the triggers.
    if session.bind.dialect.name == "postgresql":
        session.execute(text("DROP TRIGGER audit_event_append_only ON audit_event"))
    else:
        session.execute(text("DROP TRIGGER audit_event_no_update"))
        session.execute(text("DROP TRIGGER audit_event_no_delete"))


def test_logins_and_changes_are_audited(session, make_user, login):
    make_user(username="wu")
    login("wu", "wrong password")
    login("wu")
    actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["user.create", "login.failed", "login.success"]


def test_verify_passes_and_names_the_first_edited_event(session, clock, runner, make_user):
    for i in range(5):
        audit.record(session, now=clock(), action="test.event", object_type="thing", object_id=i, details={"n": i})
    session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "5 events" in result.output

    _drop_guards(session)
    session.execute(text("UPDATE audit_event SET details = '{\"n\": 99}' WHERE id = 3"))
    session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "event 3" in result.output


def test_verify_detects_a_deleted_event(session, clock, runner):
    for i in range(4):
        audit.record(session, now=clock(), action="test.event", object_id=i)
    session.commit()
    _drop_guards(session)
    session.execute(text("DELETE FROM audit_event WHERE id = 4"))
    session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "BROKEN" in result.output


def test_audit_rows_refuse_update_and_delete(session, clock):
    audit.record(session, now=clock(), action="test.event")
    session.commit()
    with pytest.raises(Exception, match="append-only"):
        session.execute(text("UPDATE audit_event SET action = 'x'"))
    session.rollback()
    with pytest.raises(Exception, match="append-only"):
        session.execute(text("DELETE FROM audit_event"))
    session.rollback()
    ev = session.scalars(select(AuditEvent)).one()
    ev.action = "changed"
    with pytest.raises(RuntimeError, match="append-only"):
        session.flush()
