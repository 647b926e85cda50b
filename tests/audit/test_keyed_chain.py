"""The audit chain against someone who can write the database but does not hold the instance's
secrets: the exact attack of issue 19 (drop the triggers, edit an event, recompute every later hash
with plain SHA-256), a chain rewritten wholly in the old scheme, the rekey of a chain from before the
key, and checkpoints outside the database that catch a truncated or rewritten tail."""
from __future__ import annotations

import dataclasses
import email
import email.policy
import hashlib
import hmac
import json

from sqlalchemy import create_engine, select, text

from tipline import migrate
from tipline.audit import checkpoints
from tipline.audit import services as audit
from tipline.audit.models import GENESIS, AuditEvent


def _drop_guards(session):
    # What an attacker with database access does first: remove the append-only triggers
    # (one trigger on PostgreSQL, two on SQLite; see tipline.audit.models.append_only_ddl).
    if session.bind.dialect.name == "postgresql":
        session.execute(text("DROP TRIGGER audit_event_append_only ON audit_event"))
    else:
        session.execute(text("DROP TRIGGER audit_event_no_update"))
        session.execute(text("DROP TRIGGER audit_event_no_delete"))


def _plain(ev, prev):
    """The attacker's hash: plain SHA-256 over the published canonical form (no key)."""
    return hashlib.sha256(audit._canonical(ev.id, ev.at, ev.actor_id, ev.actor_label, ev.action, ev.object_type,
                                           ev.object_id, ev.details, prev)).hexdigest()


def _rewrite_from(session, first_id: int, digest) -> None:
    """Recompute prev_hash and hash of every event from `first_id` on with `digest`, and the head."""
    events = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    prev = GENESIS
    for ev in events:
        if ev.id >= first_id:
            new = digest(ev, prev)
            session.execute(text("UPDATE audit_event SET prev_hash = :p, hash = :h WHERE id = :i"),
                            {"p": prev, "h": new, "i": ev.id})
            prev = new
        else:
            prev = ev.hash
    session.execute(text("UPDATE audit_head SET last_id = :i, last_hash = :h WHERE id = 1"),
                    {"i": events[-1].id, "h": prev})
    session.commit()
    session.expire_all()


def _events(session, clock, n):
    for i in range(n):
        audit.record(session, now=clock(), action="test.event", object_type="tip", object_id=i, details={"n": i})
        clock.advance(minutes=1)
    session.commit()


def test_editing_an_event_and_recomputing_plain_hashes_is_detected(session, clock, runner):
    _events(session, clock, 6)
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0

    _drop_guards(session)
    session.execute(text("UPDATE audit_event SET details = '{\"n\": 99}' WHERE id = 3"))
    session.commit()
    _rewrite_from(session, 3, _plain)

    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1, result.output
    assert "BROKEN at event 3" in result.output


def test_the_same_rewrite_with_the_audit_key_would_pass(session, clock, runner):
    """Control for the test above: the rewrite itself is faithful, only the key is missing to the attacker."""
    _events(session, clock, 6)
    _drop_guards(session)
    session.execute(text("UPDATE audit_event SET details = '{\"n\": 99}' WHERE id = 3"))
    session.commit()
    _rewrite_from(session, 3, lambda ev, prev: audit._digest(ev, prev))
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "6 events" in result.output


def test_a_chain_rewritten_wholly_in_the_old_plain_scheme_fails(session, clock, runner):
    _events(session, clock, 4)
    _drop_guards(session)
    session.execute(text("UPDATE audit_event SET actor_label = 'someone else' WHERE id = 1"))
    session.commit()
    _rewrite_from(session, 1, _plain)
    session.execute(text("UPDATE audit_head SET scheme = 'sha256' WHERE id = 1"))  # pretend it was never keyed
    session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "BROKEN at event 1" in result.output


def test_a_different_audit_key_does_not_verify(app_settings, session, clock):
    from tipline import create_app
    _events(session, clock, 2)
    other = create_app(dict(app_settings, audit_key="x" * 40))
    result = other.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "event 1" in result.output


def _plain_chain_at_0013(url, n, clock):
    """A database migrated to 0013 holding `n` events hashed the old way (plain SHA-256)."""
    engine = create_engine(url)
    prev = GENESIS
    with engine.begin() as conn:
        for i in range(1, n + 1):
            ev = AuditEvent(id=i, at=clock(), actor_id=None, actor_label="system", action="old.event",
                            object_type="tip", object_id=str(i), details=json.dumps({"n": i}))
            h = _plain(ev, prev)
            conn.execute(text("INSERT INTO audit_event (id, at, actor_id, actor_label, action, object_type, object_id, "
                              "details, prev_hash, hash) VALUES (:i, :at, NULL, 'system', 'old.event', 'tip', :o, "
                              ":d, :p, :h)"),
                         {"i": i, "at": clock().replace(tzinfo=None) if url.startswith("sqlite") else clock(),
                          "o": str(i), "d": ev.details, "p": prev, "h": h})
            prev = h
        conn.execute(text("UPDATE audit_head SET last_id = :i, last_hash = :h WHERE id = 1"), {"i": n, "h": prev})
    engine.dispose()
    return prev


def test_an_existing_plain_chain_is_rekeyed_once_and_its_old_part_is_protected(app_settings, tmp_path, clock):
    from tipline import create_app
    url = app_settings["database_url"]
    if url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'old.db'}"
    app = create_app(dict(app_settings, database_url=url))
    with app.app_context():
        migrate.upgrade(url, revision="0013")
    old_head = _plain_chain_at_0013(url, 4, clock)
    runner = app.test_cli_runner()
    up = runner.invoke(args=["db", "upgrade"])
    assert up.exit_code == 0 and "audit chain rekeyed" in up.output, up.output
    assert "audit chain rekeyed" not in runner.invoke(args=["db", "upgrade"]).output  # once only

    from tipline.extensions import db
    with app.app_context():
        rekey = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "audit.rekeyed")).one()
        assert rekey.id == 5 and rekey.prev_hash == old_head
        assert json.loads(rekey.details) == {"plain_events": 4, "plain_head": old_head, "scheme": "hmac-sha256"}
    ok = runner.invoke(args=["audit", "verify"])
    assert ok.exit_code == 0 and "5 events" in ok.output, ok.output

    # The attack on the plain part: edit event 2, recompute the plain hashes up to the rekey event,
    # and point the rekey event at the new plain head (its own hash cannot be redone without the key).
    with app.app_context():
        s = db.session
        _drop_guards(s)
        s.execute(text("UPDATE audit_event SET details = '{\"n\": 42}' WHERE id = 2"))
        s.commit()
        _rewrite_from(s, 2, _plain)
    bad = runner.invoke(args=["audit", "verify"])
    assert bad.exit_code == 1 and "BROKEN at event 5" in bad.output, bad.output


def test_the_next_event_rekeys_a_chain_that_db_upgrade_did_not(session, clock, runner):
    """Events written before the key was introduced and never rekeyed: the first new event rekeys."""
    _events(session, clock, 3)
    _drop_guards(session)
    _rewrite_from(session, 1, _plain)  # as the old code wrote them
    session.execute(text("UPDATE audit_head SET scheme = 'sha256' WHERE id = 1"))
    session.commit()
    not_yet = runner.invoke(args=["audit", "verify"])
    assert not_yet.exit_code == 1 and "not keyed yet" in not_yet.output
    audit.record(session, now=clock(), action="test.after")
    session.commit()
    actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[3:] == ["audit.rekeyed", "test.after"]
    session.rollback()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0


def test_checkpoints_catch_a_truncated_tail(app, session, clock, runner, tmp_path):
    _events(session, clock, 5)
    assert runner.invoke(args=["audit", "checkpoint"]).exit_code == 0
    _events(session, clock, 2)
    out = runner.invoke(args=["audit", "checkpoint"])
    assert out.exit_code == 0 and "event 7" in out.output
    path = app.config["TIPLINE"].checkpoint_path
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [c["last_id"] for c in lines] == [5, 7]
    good = runner.invoke(args=["audit", "verify", "--checkpoints", str(path)])
    assert good.exit_code == 0 and "checkpoints match: 2" in good.output

    # Truncate: delete the last two events and point the head back at event 5.
    _drop_guards(session)
    session.execute(text("DELETE FROM audit_event WHERE id > 5"))
    session.execute(text("UPDATE audit_head SET last_id = 5, last_hash = (SELECT hash FROM audit_event WHERE id = 5)"))
    session.commit()
    alone = runner.invoke(args=["audit", "verify"])
    assert alone.exit_code == 0  # without an anchor outside the database a clean cut is invisible
    caught = runner.invoke(args=["audit", "verify", "--checkpoints", str(path)])
    assert caught.exit_code == 1
    assert "line 2 FAILS: checkpointed event 7 is no longer in the chain" in caught.output


def test_checkpoints_catch_a_rewritten_tail(app, session, clock, runner):
    _events(session, clock, 5)
    runner.invoke(args=["audit", "checkpoint"])
    path = app.config["TIPLINE"].checkpoint_path
    # The tail replaced: events 4 and 5 removed and two others appended in their place by the application
    # itself (validly keyed), so the chain alone looks intact.
    _drop_guards(session)
    session.execute(text("DELETE FROM audit_event WHERE id > 3"))
    session.execute(text("UPDATE audit_head SET last_id = 3, last_hash = (SELECT hash FROM audit_event WHERE id = 3)"))
    session.commit()
    session.expire_all()
    audit.record(session, now=clock(), action="test.other")
    audit.record(session, now=clock(), action="test.other")
    session.commit()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    caught = runner.invoke(args=["audit", "verify", "--checkpoints", str(path)])
    assert caught.exit_code == 1 and "event 5 no longer has the checkpointed hash" in caught.output


def test_a_forged_checkpoint_line_fails(app, session, clock, runner, tmp_path):
    _events(session, clock, 3)
    head_hash = session.scalar(select(AuditEvent.hash).where(AuditEvent.id == 3))
    session.rollback()
    forged = {"v": 1, "at": "2026-03-02T01:30:00Z", "last_id": 3, "hash": head_hash,
              "sig": hmac.new(b"guessed key", b"x", hashlib.sha256).hexdigest()}
    path = tmp_path / "forged.jsonl"
    path.write_text(json.dumps(forged) + "\n")
    result = runner.invoke(args=["audit", "verify", "--checkpoints", str(path)])
    assert result.exit_code == 1 and "signature does not match" in result.output


def test_the_daily_job_appends_a_checkpoint_and_mails_the_auditors(app, session, clock, smtp_sink, tmp_path):
    from tipline.scheduler import _jobs, audit_checkpoint
    assert "audit_checkpoint" in [name for name, _fn, interval in _jobs(app) if interval == {"hours": 24}]
    _events(session, clock, 2)
    settings = dataclasses.replace(app.config["TIPLINE"], mail_port=smtp_sink.port,
                                   audit_checkpoint_path=str(tmp_path / "cp" / "heads.jsonl"),
                                   audit_checkpoint_mail="auditor@example.gov.cn")
    record = audit_checkpoint(session, clock(), settings)
    assert record["last_id"] == 2
    assert json.loads((tmp_path / "cp" / "heads.jsonl").read_text()) == record
    [(rcpts, raw)] = smtp_sink.messages
    body = email.message_from_bytes(raw, policy=email.policy.default).get_content()
    assert rcpts == ["auditor@example.gov.cn"] and json.dumps(record, separators=(",", ":")) in body
    count, problems = checkpoints.verify_file(session, tmp_path / "cp" / "heads.jsonl")
    assert count == 1 and problems == []


def test_a_checkpointed_chain_marked_unkeyed_again_is_not_rekeyed(app, session, clock, runner):
    """Rewriting everything plain and flipping the head back to "sha256" must not get the rewrite
    vouched for by an automatic rekey once a keyed checkpoint exists outside the database."""
    _events(session, clock, 3)
    assert runner.invoke(args=["audit", "checkpoint"]).exit_code == 0
    _drop_guards(session)
    _rewrite_from(session, 1, _plain)
    session.execute(text("UPDATE audit_head SET scheme = 'sha256' WHERE id = 1"))
    session.commit()
    import pytest
    with pytest.raises(audit.ChainTampered):
        audit.record(session, now=clock(), action="test.after")
    session.rollback()
    assert "audit chain rekeyed" not in runner.invoke(args=["db", "upgrade"]).output
