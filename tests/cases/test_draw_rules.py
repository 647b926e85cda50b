"""The draw of investigators (双随机, issue 21): at least two officers (《行政处罚法》Art. 42), a
clear refusal with the lawful ways out, limited re-draws with a stated ground, recusal applications
decided by the head (Art. 43) and conflicts declared after the draw."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from tipline.audit.models import AuditEvent
from tipline.cases import assignment, recusal, triage
from tipline.errors import Conflict, Forbidden, ValidationFailed

from .. import factories


def _file(session, clock, tip, actor, **kw):
    return triage.file_case(session, now=clock(), tip=tip, actor=actor, version=tip.version,
                            filing_number="豫市监金立〔2026〕3号", filed_on=clock().date(), **kw)


def _events(session, action):
    return [json.loads(e.details) for e in session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                                           .order_by(AuditEvent.id))]


@pytest.fixture
def staff(session, clock):
    people = {n: factories.user(session, now=clock(), username=n, role=r, division_code="410105")
              for n, r in (("tri", "officer"), ("o2", "officer"), ("o3", "officer"), ("o4", "officer"),
                           ("o5", "officer"), ("boss", "supervisor"), ("boss2", "supervisor"))}
    session.commit()
    return people


def test_one_eligible_officer_is_refused_with_the_ways_out(session, clock):
    tri = factories.user(session, now=clock(), role="officer", division_code="411702")
    only = factories.user(session, now=clock(), role="officer", division_code="411702")
    tip, _ = factories.tip(session, now=clock(), division_code="411702")
    session.commit()
    with pytest.raises(Conflict) as exc:
        _file(session, clock, tip, tri)
    assert exc.value.details["kind"] == "too_few_officers"
    assert exc.value.details["eligible"] == 1 and exc.value.details["ways_out"] == ["widen_to_city", "ask_city"]
    session.rollback()
    # Widening the pool to the city (another county of Zhumadian, 4117xx) makes the draw lawful.
    other = factories.user(session, now=clock(), role="officer", division_code="411721")
    tip = session.get(type(tip), tip.id)
    case = _file(session, clock, tip, tri, widen="city")
    assert sorted(assignment.active_investigators(session, case.id)) == sorted([only.id, other.id])
    assert _events(session, "case.draw")[-1]["widen"] == "city"


def test_no_draw_of_fewer_than_two(session, clock, staff):
    tip, _ = factories.tip(session, now=clock())
    with pytest.raises(ValidationFailed):
        _file(session, clock, tip, staff["tri"], investigators=1)


def _case(session, clock, staff):
    tip, _ = factories.tip(session, now=clock())
    case = _file(session, clock, tip, staff["tri"])
    session.commit()
    return case


def test_redraw_needs_a_ground_from_the_list_and_text_and_replaces_one_officer(session, clock, staff):
    case = _case(session, clock, staff)
    first = assignment.active_investigators(session, case.id)
    gone, stays = first[0], first[1]
    kw = dict(now=clock(), case=case, officer_id=gone)
    with pytest.raises(Forbidden):
        assignment.redraw(session, actor=staff["o2"], reason="absence", text="病假", **kw)
    with pytest.raises(ValidationFailed):
        assignment.redraw(session, actor=staff["boss"], reason="preference", text="换人", **kw)
    with pytest.raises(ValidationFailed):
        assignment.redraw(session, actor=staff["boss"], reason="absence", text="", **kw)
    chosen = assignment.redraw(session, actor=staff["boss"], reason="absence", text="病假两周", **kw)
    now_active = assignment.active_investigators(session, case.id)
    assert stays in now_active and gone not in now_active and len(now_active) == 2 and len(chosen) == 1
    # The same supervisor cannot order the next re-draw; another supervisor can.
    with pytest.raises(Conflict) as exc:
        assignment.redraw(session, now=clock(), case=case, actor=staff["boss"], officer_id=stays,
                          reason="absence", text="出差")
    assert exc.value.details["kind"] == "redraw_other_supervisor"
    assignment.redraw(session, now=clock(), case=case, actor=staff["boss2"], officer_id=stays,
                      reason="absence", text="出差")
    # An officer taken off the case is never drawn for it again.
    assert {gone, stays}.isdisjoint(assignment.active_investigators(session, case.id))
    draws = _events(session, "case.draw")
    assert len(draws) == 3 and all(str(gone) in d["excluded"] for d in draws[2:])


def test_redraw_with_too_few_left_changes_nothing(session, clock, staff):
    case = _case(session, clock, staff)  # pool o2..o5 (tri excluded): 2 drawn, 2 left
    a, b = assignment.active_investigators(session, case.id)
    assignment.redraw(session, now=clock(), case=case, actor=staff["boss"], officer_id=a, reason="absence", text="病假")
    c = [u for u in assignment.active_investigators(session, case.id) if u != b][0]
    assignment.redraw(session, now=clock(), case=case, actor=staff["boss2"], officer_id=c, reason="absence",
                      text="病假")
    session.commit()
    d = [u for u in assignment.active_investigators(session, case.id) if u != b][0]
    with pytest.raises(Conflict) as exc:  # nobody left in the county
        assignment.redraw(session, now=clock(), case=case, actor=staff["boss"], officer_id=d, reason="absence",
                          text="病假")
    assert exc.value.details["kind"] == "too_few_officers"
    session.rollback()
    assert sorted(assignment.active_investigators(session, case.id)) == sorted([b, d])


def test_recusal_application_recorded_and_decided_by_the_head(session, clock, staff):
    case = _case(session, clock, staff)
    target, other = assignment.active_investigators(session, case.id)
    officer = session.get(type(staff["o2"]), other)
    app = recusal.record_application(session, now=clock(), case=case, actor=officer,
                                     officer_id=target, applicant="郑州某检测技术有限公司",
                                     grounds="该执法人员系我公司股东近亲属", received_on=clock().date())
    with pytest.raises(Forbidden):  # an officer does not decide
        recusal.decide_application(session, now=clock(), case=case, actor=officer,
                                   application_id=app.id, upheld=True)
    # Until the head decides, the officer stays on the case (Art. 43: the investigation goes on).
    assert target in assignment.active_investigators(session, case.id)
    drawn = recusal.decide_application(session, now=clock(), case=case, actor=staff["boss"],
                                       application_id=app.id, upheld=True)
    session.commit()
    active = assignment.active_investigators(session, case.id)
    assert target not in active and other in active and len(active) == 2 and drawn and drawn[0] in active
    assert [e["officer"] for e in _events(session, "case.recusal_upheld")] == [target]
    with pytest.raises(Conflict):  # decided once
        recusal.decide_application(session, now=clock(), case=case, actor=staff["boss2"],
                                   application_id=app.id, upheld=False, note="x")


def test_refused_recusal_needs_a_reason_and_keeps_the_officer(session, clock, staff):
    case = _case(session, clock, staff)
    target = assignment.active_investigators(session, case.id)[0]
    app = recusal.record_application(session, now=clock(), case=case, actor=staff["boss"],
                                     officer_id=target, applicant="当事人", grounds="认为不公",
                                     received_on=clock().date())
    with pytest.raises(ValidationFailed):
        recusal.decide_application(session, now=clock(), case=case, actor=staff["boss2"],
                                   application_id=app.id, upheld=False)
    recusal.decide_application(session, now=clock(), case=case, actor=staff["boss2"],
                               application_id=app.id, upheld=False, note="无法定回避情形")
    assert target in assignment.active_investigators(session, case.id)


def test_conflict_declared_after_the_draw_removes_the_officer_and_draws_a_replacement(session, clock, staff):
    case = _case(session, clock, staff)
    officer_id, other = assignment.active_investigators(session, case.id)
    officer = session.get(type(staff["o2"]), officer_id)
    removed = assignment.declare_conflict(session, now=clock(), user=officer, entity_id=case.entity_id,
                                          reason="配偶在该公司任职")
    session.commit()
    active = assignment.active_investigators(session, case.id)
    assert removed == [case.id] and officer_id not in active and other in active and len(active) == 2
    assert _events(session, "case.investigator_removed")[-1] == {"officer": officer_id, "reason": "conflict_declared",
                                                                 "text": "配偶在该公司任职"}


def test_conflict_with_nobody_left_leaves_the_case_short_until_a_supervisor_completes_it(session, clock, staff):
    for name in ("o4", "o5"):  # only o2, o3 eligible: both drawn
        staff[name].active = False
    case = _case(session, clock, staff)
    officer = session.get(type(staff["o2"]), assignment.active_investigators(session, case.id)[0])
    assignment.declare_conflict(session, now=clock(), user=officer, entity_id=case.entity_id, reason="亲属")
    session.commit()
    assert len(assignment.active_investigators(session, case.id)) == 1
    assert _events(session, "case.draw_refused")[-1]["ways_out"] == ["widen_to_city", "ask_city"]
    city = factories.user(session, now=clock(), role="officer", division_code="410102")
    assignment.complete_team(session, now=clock(), case=case, actor=staff["boss"], widen="city")
    assert city.id in assignment.active_investigators(session, case.id)
