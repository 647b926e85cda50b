"""Retention deletes exactly what has expired, keeps what is under hold, and a dry run changes nothing."""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from tipline.audit.models import AuditEvent
from tipline.cases import investigation, triage
from tipline.intake.email.models import MailMessage
from tipline.intake.models import EvidenceFile, Message, ReporterIdentity, Tip
from tipline.oversight import holds, retention

from .. import factories
from . import data

RULES = retention.Rules(rejected_tips_days=30, closed_case_anonymise_years=1, mail_raw_days=10,
                        closed_case_evidence_years=1)


def _file(session, store, tip, name, now):
    f = EvidenceFile(tip_id=tip.id, stored_name=store.put(b"secret evidence", session), display_name=name,
                     mime="image/png", family="image", size=15, sha256="0" * 64, original_sha256="0" * 64,
                     created_at=now)
    session.add(f)
    session.flush()
    return f


@pytest.fixture
def world(app, session, clock):
    who = data.people(session, clock)
    store = app.extensions["evidence_store"]
    t0 = clock()
    kw = dict(actor=who.boss, version=None)
    old, _c = factories.tip(session, now=t0, reporter_name=data.REPORTER_NAME)
    held, _c = factories.tip(session, now=t0)
    young, _c = factories.tip(session, now=t0)
    anon, _c = factories.tip(session, now=t0, description=data.TIP_TEXT, reporter_name=data.REPORTER_NAME)
    kept, _c = factories.tip(session, now=t0, description=data.TIP_TEXT, reporter_name="另一位举报人")
    files = {"old": _file(session, store, old, "a.png", t0), "anon": _file(session, store, anon, "b.png", t0),
             "kept": _file(session, store, kept, "c.png", t0)}
    session.add(Message(tip_id=anon.id, author="reporter", body="补充材料", created_at=t0))
    session.add(MailMessage(mailbox="INBOX", uidvalidity=1, uid=1, message_id="<m1@x>", raw=b"From: a@b\r\n\r\nbody",
                            sender="a@b", status="ingested", received_at=t0))
    for tip in (old, held):
        triage.reject(session, now=t0, tip=tip, reason="不受理", public_reason="不属于本部门", **kw)
    cases = []
    for tip in (anon, kept):
        case = triage.file_case(session, now=t0, tip=tip, filing_number=f"F{tip.id}", filed_on=t0.date(), **kw)
        investigation.decide(session, now=t0, case=case, outcome="no_violation", decision_number="",
                             decision_date=t0.date(), **kw)
        investigation.close(session, now=t0, case=case, executed_on=t0.date(), closed_on=t0.date(), **kw)
        cases.append(case)
    session.commit()
    clock.current = t0 + dt.timedelta(days=390)  # ten days before the sweep: not yet expired
    triage.reject(session, now=clock(), tip=young, reason="不受理", public_reason="不属于本部门", **kw)
    holds.place(session, now=clock(), actor=who.boss, object_type="tip", object_id=held.id, reason="诉讼")
    holds.place(session, now=clock(), actor=who.boss, object_type="case", object_id=cases[1].id, reason="复议")
    session.commit()
    clock.current = t0 + dt.timedelta(days=400)
    return dict(store=store, old=old.id, held=held.id, young=young.id, anon=anon.id, kept=kept.id, files=files,
                now=clock())


def _counts(session):
    return (session.scalar(select(func.count(Tip.id))), session.scalar(select(func.count(EvidenceFile.id))),
            session.scalar(select(func.count(ReporterIdentity.id))), session.scalar(select(func.count(Message.id))))


def test_dry_run_lists_and_changes_nothing(session, world):
    before = _counts(session)
    plan = retention.plan(session, world["now"], RULES)
    assert [i.object_id for i in plan.delete_tips] == [world["old"]]
    assert [i.object_id for i in plan.anonymise_tips] == [world["anon"]]
    assert [i.object_id for i in plan.delete_files] == [world["files"]["anon"].id]
    assert len(plan.purge_mail) == 1
    assert {i.object_id for i in plan.held} >= {world["held"], world["kept"]}
    session.rollback()
    assert _counts(session) == before
    assert world["store"].exists(world["files"]["old"].stored_name)


def test_apply_deletes_expired_and_keeps_held(session, world):
    store, files = world["store"], world["files"]
    retention.apply(session, world["now"], RULES, store)
    assert session.get(Tip, world["old"]) is None
    assert not store.exists(files["old"].stored_name)  # gone from storage, not only from the database
    assert not store.exists(files["anon"].stored_name)
    assert session.get(EvidenceFile, files["old"].id) is None
    assert session.get(Tip, world["held"]) is not None and session.get(Tip, world["young"]) is not None
    anon = session.get(Tip, world["anon"])
    assert anon.description == retention.ANONYMISED
    assert session.scalar(select(func.count()).where(ReporterIdentity.tip_id == anon.id)) == 0
    assert session.scalar(select(func.count()).where(Message.tip_id == anon.id)) == 0
    kept = session.get(Tip, world["kept"])
    assert kept.description == data.TIP_TEXT and store.exists(files["kept"].stored_name)
    assert session.scalar(select(func.count()).where(ReporterIdentity.tip_id == kept.id)) == 1
    mail = session.scalars(select(MailMessage)).one()
    assert mail.raw == b"" and mail.sender is None and mail.message_id_key is None
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("retention.%"))).all()
    assert sorted(actions) == ["retention.anonymised", "retention.deleted", "retention.deleted",
                               "retention.deleted"]
    # Nothing left to do: a second run is empty.
    assert retention.plan(session, world["now"], RULES).total == 0


def test_released_hold_no_longer_protects(session, world):
    from tipline.oversight.models import LegalHold
    hold = session.scalars(select(LegalHold).where(LegalHold.object_type == "tip",
                                                   LegalHold.object_id == world["held"])).one()
    holds.release(session, now=world["now"], actor=type("A", (), {"id": None, "username": "x",
                                                                   "has_role": lambda self, *r: True,
                                                                   "sees_all": True})(),
                  hold_id=hold.id)
    session.commit()
    assert world["held"] in [i.object_id for i in retention.plan(session, world["now"], RULES).delete_tips]


def test_rules_file_is_validated(tmp_path):
    assert retention.load_rules() == retention.Rules(rejected_tips_days=1095, closed_case_anonymise_years=10,
                                                     mail_raw_days=365, closed_case_evidence_years=10)
    partial = tmp_path / "partial.json"
    partial.write_text(json.dumps({"mail_raw_days": 30}))
    assert retention.load_rules(partial) == replace(retention.load_rules(), mail_raw_days=30)  # the rest: shipped
    bad = tmp_path / "r.json"
    bad.write_text(json.dumps({"rejected_tips_days": 0}))
    with pytest.raises(retention.RetentionRuleError, match=f"^{bad}: retention rule 'rejected_tips_days' must be"):
        retention.load_rules(bad)
    bad.write_text(json.dumps({"keep_forever": 1}))
    with pytest.raises(retention.RetentionRuleError, match=f"^{bad}: unknown retention rule 'keep_forever'"):
        retention.load_rules(bad)


def test_cli_dry_run_then_run(app, runner, session, world, tmp_path):
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps({"rejected_tips_days": 30, "closed_case_anonymise_years": 1, "mail_raw_days": 10,
                                 "closed_case_evidence_years": 1}))
    session.close()
    dry = runner.invoke(args=["retention", "run", "--dry-run", "--rules", str(rules)])
    assert dry.exit_code == 0, dry.output
    assert "would delete 1 tips" in dry.output
    assert session.get(Tip, world["old"]) is not None
    session.close()
    done = runner.invoke(args=["retention", "run", "--rules", str(rules)])
    assert done.exit_code == 0 and "did delete 1 tips" in done.output
    assert session.get(Tip, world["old"]) is None


def test_scheduler_has_the_daily_job(app):
    from tipline.scheduler import _jobs
    jobs = {name: interval for name, _fn, interval in _jobs(app)}
    assert jobs["retention"] == {"hours": 24}
