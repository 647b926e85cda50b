"""Triage actions keep every receipt working, and the draw is reproducible."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from tipline.audit.models import AuditEvent
from tipline.cases import assignment, triage
from tipline.cases.models import Assignment, Case, Entity
from tipline.errors import Conflict, Forbidden
from tipline.intake import services as intake
from tipline.intake.models import Tip, TipSuggestion

from .. import factories

DIV = lambda c: c.startswith("41")  # noqa: E731


@pytest.fixture
def staff(session, clock):
    people = {
        "officer": factories.user(session, now=clock(), role="officer", division_code="410105"),
        "o2": factories.user(session, now=clock(), role="officer", division_code="410105"),
        "o3": factories.user(session, now=clock(), role="officer", division_code="410105"),
        "o4": factories.user(session, now=clock(), role="officer", division_code="410105"),
        "supervisor": factories.user(session, now=clock(), role="supervisor", division_code="410105"),
    }
    session.commit()
    return people


def _file(session, clock, tip, actor):
    return triage.file_case(session, now=clock(), tip=tip, actor=actor, version=tip.version,
                            filing_number="豫市监金立〔2026〕3号", filed_on=clock().date())


def test_file_case_draws_two_investigators_excluding_the_triager(session, clock, staff):
    tip, code = factories.tip(session, now=clock())
    case = _file(session, clock, tip, staff["officer"])
    session.commit()
    chosen = assignment.active_investigators(session, case.id)
    assert len(chosen) == 2 and staff["officer"].id not in chosen
    assert set(chosen) <= {staff["o2"].id, staff["o3"].id, staff["o4"].id}
    assert intake.find_by_receipt(session, code).status == "under_investigation"


def test_draw_is_replayable_from_the_audit_trail(session, clock, staff):
    tip, _ = factories.tip(session, now=clock())
    case = _file(session, clock, tip, staff["officer"])
    session.commit()
    ev = session.scalars(select(AuditEvent).where(AuditEvent.action == "case.draw")).one()
    d = json.loads(ev.details)
    assert d["result"] == assignment.pick(d["pool"], d["n"], d["seed"])
    assert d["excluded"] == {str(staff["officer"].id): "triage"}
    assert sorted(assignment.active_investigators(session, case.id)) == d["result"]


def test_conflicts_are_excluded_and_only_supervisors_redraw(session, clock, staff):
    tip, _ = factories.tip(session, now=clock())
    entity = Entity(key="uscc:91350200MA2YJ1XR9G", name="X", uscc="91350200MA2YJ1XR9G")
    session.add(entity)
    session.flush()
    tip.entity_uscc, tip.entity_id = entity.uscc, entity.id
    assignment.declare_conflict(session, now=clock(), user=staff["o2"], entity_id=entity.id, reason="亲属在该公司任职")
    case = _file(session, clock, tip, staff["officer"])
    session.commit()
    assert sorted(assignment.active_investigators(session, case.id)) == sorted([staff["o3"].id, staff["o4"].id])
    with pytest.raises(Forbidden):
        assignment.redraw(session, now=clock(), case=case, actor=staff["o3"], officer_id=staff["o3"].id,
                          reason="recusal", text="回避")
    # The conflicted officer is not a replacement: with o2 excluded nobody is left, so nothing changes.
    with pytest.raises(Conflict):
        assignment.redraw(session, now=clock(), case=case, actor=staff["supervisor"], officer_id=staff["o3"].id,
                          reason="absence", text="人员调整")
    session.rollback()
    assert session.scalar(select(func.count(Assignment.id)).where(Assignment.case_id == case.id,
                                                                  Assignment.active.is_(True))) == 2


def test_empty_pool_is_a_clear_conflict(session, clock):
    lonely = factories.user(session, now=clock(), role="officer", division_code="411702")
    tip, _ = factories.tip(session, now=clock(), division_code="411702")
    with pytest.raises(Conflict):
        _file(session, clock, tip, lonely)


def test_split_makes_a_linked_complaint_and_keeps_one_receipt(session, clock, staff):
    tip, code = factories.tip(session, now=clock(), kind="both")
    complaint = triage.split(session, now=clock(), tip=tip, actor=staff["officer"],
                             version=tip.version, reason="既有投诉也有举报")
    session.commit()
    assert tip.kind == "report" and complaint.kind == "complaint" and complaint.split_from_id == tip.id
    assert complaint.status == "complaint" and tip.status == "in_triage"
    assert intake.find_by_receipt(session, code).id == tip.id


def test_merged_duplicates_keep_their_receipts_and_follow_the_case(session, clock, staff):
    first, code1 = factories.tip(session, now=clock())
    dup, code2 = factories.tip(session, now=clock.advance(hours=2))
    session.commit()
    # the duplicate was suggested on arrival, with its reason
    reasons = session.scalars(select(TipSuggestion.reason).where(TipSuggestion.tip_id == dup.id)).all()
    assert "similar_name" in reasons
    triage.merge(session, now=clock(), tip=dup, target=first, actor=staff["officer"],
                 version=dup.version, reason="同一事项")
    assert intake.find_by_receipt(session, code2).status == "merged"
    _file(session, clock, first, staff["officer"])
    session.commit()
    for code in (code1, code2):
        assert intake.find_by_receipt(session, code).status == "under_investigation"


def test_transfer_to_another_division_moves_the_tip_and_the_receipt_still_works(session, clock, staff):
    tip, code = factories.tip(session, now=clock())
    triage.transfer_division(session, now=clock(), tip=tip, division_code="410302", known_division=DIV,
                             actor=staff["officer"], version=tip.version, reason="发生地在洛阳")
    session.commit()
    found = intake.find_by_receipt(session, code)
    assert found.division_code == "410302" and found.status == "transferred" and found.transferred_to == "410302"


def test_transfer_to_a_department_and_reject_with_a_public_reason(session, clock, staff):
    tip, code = factories.tip(session, now=clock())
    triage.transfer_department(session, now=clock(), tip=tip, department="public_security", actor=staff["officer"],
                               version=tip.version, reason="涉嫌犯罪")
    other, code2 = factories.tip(session, now=clock())
    triage.reject(session, now=clock(), tip=other, actor=staff["officer"], version=other.version,
                  reason="内部说明", public_reason="举报内容不属于市场监管部门职责范围。")
    session.commit()
    assert intake.find_by_receipt(session, code).status == "transferred_out"
    rejected = intake.find_by_receipt(session, code2)
    assert rejected.status == "not_accepted" and rejected.public_note.startswith("举报内容不属于")


def test_mail_tip_needs_details_before_filing(session, clock, staff):
    tip, _ = factories.tip(session, now=clock(), channel="email", category_code="", entity_name="",
                           division_code="410105")
    from tipline.errors import ValidationFailed
    with pytest.raises(ValidationFailed):
        _file(session, clock, tip, staff["officer"])
    session.rollback()
    tip = session.get(Tip, tip.id) or tip
    triage.update_details(session, now=clock(), tip=tip, actor=staff["officer"], version=None,
                          category_code="cert.forged_certificate", entity_name="某认证公司", entity_uscc="",
                          known_division=DIV, division_code="410105")
    case = _file(session, clock, tip, staff["officer"])
    session.commit()
    assert session.get(Case, case.id).category_code == "cert.forged_certificate"


def test_priority_rises_with_history_and_evidence(session, clock, staff):
    from tipline.cases.entities import priority_of
    tip, _ = factories.tip(session, now=clock(), entity_uscc="91350200MA2YJ1XR9G")
    base = priority_of(session, tip)
    session.get(Entity, tip.entity_id).substantiated = 2
    raised = priority_of(session, tip, today=clock().date() + dt.timedelta(days=4))
    assert raised.history == 30 and raised.age == 4 and raised.total == base.total + 34
