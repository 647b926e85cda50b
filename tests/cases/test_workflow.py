"""The state machine, exhaustively: every action from every state for every role."""
from __future__ import annotations

import datetime as dt

import pytest

from tipline.cases import workflow
from tipline.cases.models import Case, Entity
from tipline.errors import Conflict, Forbidden, ValidationFailed

from .. import factories

ALL_TIP_STATES = ["received", "in_triage", "transferred", "not_accepted", "complaint", "transferred_out", "merged",
                  "case_filed", "under_investigation", "suspended", "decided", "closed", "repeat", "mediation",
                  "mediation_stopped", "complaint_refused", "complaint_ended"]
ROLES = ["officer", "supervisor", "finance", "admin", "auditor"]
TRIAGE = {"file_case", "join_case", "split", "mark_complaint", "merge", "transfer_division", "transfer_department",
          "reject", "mark_repeat"}
# Written out by hand from the workflow's specification, not derived from the code under test.
EXPECTED_TIP = {
    "received": TRIAGE | {"start_triage"},
    "in_triage": TRIAGE,
    "transferred": TRIAGE | {"start_triage"},
}
EXPECTED_CASE = {
    ("under_investigation", "suspend"): {"officer", "supervisor"},
    ("under_investigation", "decide"): {"officer", "supervisor"},
    ("suspended", "resume"): {"officer", "supervisor"},
    ("decided", "close"): {"supervisor"},
}
TRIAGE_ROLES = {"officer", "supervisor"}


@pytest.fixture
def people(session, clock):
    users = {r: factories.user(session, now=clock(), role=r, division_code="410100") for r in ROLES}
    session.commit()
    return users


def test_every_tip_transition_for_every_role(session, clock, people):
    tip, _ = factories.tip(session, now=clock())
    session.commit()
    for state in ALL_TIP_STATES:
        for action in sorted(workflow.TIP_TRANSITIONS):
            for role, user in people.items():
                tip.status = state
                allowed_state = action in EXPECTED_TIP.get(state, set())
                allowed_role = role in TRIAGE_ROLES
                try:
                    workflow.apply_tip(session, now=clock(), tip=tip, action=action, actor=user,
                                       version=None, reason="理由", document="豫市监立〔2026〕1号")
                    outcome = "ok"
                except Forbidden:
                    outcome = "forbidden"
                except Conflict:
                    outcome = "conflict"
                expected = "forbidden" if not allowed_role else ("ok" if allowed_state else "conflict")
                assert outcome == expected, (state, action, role)
                session.rollback()


def test_jurisdiction_version_reason_and_document_are_checked(session, clock, people):
    tip, _ = factories.tip(session, now=clock())
    session.commit()
    officer = people["officer"]
    luoyang = factories.user(session, now=clock(), role="officer", division_code="410300")
    with pytest.raises(Forbidden):  # the gate works out the jurisdiction from the actor itself
        workflow.apply_tip(session, now=clock(), tip=tip, action="reject", actor=luoyang,
                           version=None, reason="x" * 5)
    with pytest.raises(Conflict) as info:
        workflow.apply_tip(session, now=clock(), tip=tip, action="reject", actor=officer,
                           version=tip.version + 1, reason="x" * 5)
    assert info.value.details["kind"] == "stale"
    with pytest.raises(ValidationFailed) as info:
        workflow.apply_tip(session, now=clock(), tip=tip, action="file_case", actor=officer,
                           version=tip.version, reason="", document="")
    assert info.value.details["fields"] == {"document": "required"}
    with pytest.raises(ValidationFailed) as info:
        workflow.apply_tip(session, now=clock(), tip=tip, action="merge", actor=officer,
                           version=tip.version, reason="")
    assert "reason" in info.value.details["fields"]


def test_every_case_transition_for_every_role(session, clock, people):
    entity = Entity(key="name:x", name="X")
    session.add(entity)
    session.flush()
    case = Case(division_code="410100", entity_id=entity.id, category_code="test.false_report",
                filing_number="1", filed_on=dt.date(2026, 3, 2), filed_at=clock())
    session.add(case)
    session.commit()
    for state in ("under_investigation", "suspended", "decided", "closed"):
        for action in sorted(workflow.CASE_TRANSITIONS):
            for role, user in people.items():
                case.state = state
                try:
                    workflow.apply_case(session, now=clock(), case=case, action=action, actor=user,
                                        version=None, reason="理由", document="1")
                    outcome = "ok"
                except Forbidden:
                    outcome = "forbidden"
                except Conflict:
                    outcome = "conflict"
                roles = EXPECTED_CASE.get((state, action))
                if role not in ({"supervisor"} if action == "close" else TRIAGE_ROLES):
                    expected = "forbidden"
                else:
                    expected = "ok" if roles else "conflict"
                assert outcome == expected, (state, action, role)
                session.rollback()


def test_transitions_are_audited_with_reason_and_document(session, clock, people):
    from sqlalchemy import select

    from tipline.audit.models import AuditEvent
    tip, _ = factories.tip(session, now=clock())
    workflow.apply_tip(session, now=clock(), tip=tip, action="reject", actor=people["officer"],
                       version=tip.version, reason="不属于本局管辖", on=dt.date(2026, 3, 2))
    session.commit()
    ev = session.scalars(select(AuditEvent).where(AuditEvent.action == "tip.reject")).one()
    assert "不属于本局管辖" in ev.details and "2026-03-02" in ev.details and ev.actor_id == people["officer"].id


# The complaint track, written out by hand: (state, action) -> roles that may do it there.
STAFF = {"officer", "supervisor"}
EXPECTED_COMPLAINT = {
    ("received", "accept"): STAFF, ("in_triage", "accept"): STAFF, ("transferred", "accept"): STAFF,
    ("complaint", "accept"): STAFF,
    ("received", "not_accept"): STAFF, ("in_triage", "not_accept"): STAFF, ("transferred", "not_accept"): STAFF,
    ("complaint", "not_accept"): STAFF,
    ("mediation", "record_session"): STAFF,
    ("mediation", "stop_mediation"): STAFF,
    ("mediation_stopped", "resume_mediation"): STAFF,
    ("mediation", "end_mediation"): STAFF, ("mediation_stopped", "end_mediation"): STAFF,
    ("mediation", "expire_mediation"): {"system"},
    ("mediation", "refer_violation"): STAFF, ("mediation_stopped", "refer_violation"): STAFF,
    ("complaint_ended", "refer_violation"): STAFF,
    ("complaint_ended", "follow_up"): STAFF,
}
COMPLAINT_ACTIONS = ["accept", "not_accept", "record_session", "stop_mediation", "resume_mediation", "end_mediation",
                     "expire_mediation", "refer_violation", "follow_up"]
ACTION_ROLES = {a: ({"system"} if a == "expire_mediation" else STAFF) for a in COMPLAINT_ACTIONS}


def test_every_complaint_action_from_every_state_for_every_role(session, clock, people):
    assert sorted(workflow.COMPLAINT_TRANSITIONS) == sorted(COMPLAINT_ACTIONS)
    tip, _ = factories.tip(session, now=clock(), kind="complaint")
    session.commit()
    actors = dict(people, system=workflow.SYSTEM)
    for state in ALL_TIP_STATES:
        for action in COMPLAINT_ACTIONS:
            for role, user in actors.items():
                tip.status = state
                try:
                    workflow.apply_complaint(session, now=clock(), tip=tip, action=action, actor=user,
                                             version=None, reason="理由")
                    outcome = "ok"
                except Forbidden:
                    outcome = "forbidden"
                except Conflict:
                    outcome = "conflict"
                if role not in ACTION_ROLES[action]:
                    expected = "forbidden"
                else:
                    expected = "ok" if role in EXPECTED_COMPLAINT.get((state, action), set()) else "conflict"
                assert outcome == expected, (state, action, role)
                session.rollback()


def test_complaint_actions_need_a_complaint_and_are_audited(session, clock, people):
    from sqlalchemy import select

    from tipline.audit.models import AuditEvent
    report, _ = factories.tip(session, now=clock())
    with pytest.raises(Conflict):
        workflow.apply_complaint(session, now=clock(), tip=report, action="accept", actor=people["officer"],
                                 version=None)
    session.rollback()
    tip, _ = factories.tip(session, now=clock(), kind="complaint")
    with pytest.raises(ValidationFailed):
        workflow.apply_complaint(session, now=clock(), tip=tip, action="not_accept", actor=people["officer"],
                                 version=tip.version, reason="")
    workflow.apply_complaint(session, now=clock(), tip=tip, action="accept", actor=people["officer"],
                             version=tip.version)
    session.commit()
    assert tip.status == "mediation"
    ev = session.scalars(select(AuditEvent).where(AuditEvent.action == "complaint.accept")).one()
    assert ev.actor_id == people["officer"].id and '"to": "mediation"' in ev.details
