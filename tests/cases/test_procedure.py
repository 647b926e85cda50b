"""Case procedure (issue 21): the decision period's extensions as the rule data says (Art. 64 ¶1),
the collective decision beyond them, the extra stop reason, and stopping the filing clock
(Art. 18 ¶2). Dates are worked out by hand on the 2026 calendar."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from tipline.audit.models import AuditEvent
from tipline.cases import investigation, procedure, triage
from tipline.cases.deadlines.models import Clock
from tipline.cases.models import SUSPENSION_REASONS
from tipline.errors import Conflict, Forbidden, ValidationFailed

from .. import factories

SH = dt.timezone(dt.timedelta(hours=8))
D = dt.date


def at(y, m, d, h=9):
    return dt.datetime(y, m, d, h, 0, tzinfo=SH).astimezone(dt.timezone.utc)


@pytest.fixture
def team(session, clock):
    people = {n: factories.user(session, now=clock(), username=n, role=r, division_code="410105")
              for n, r in (("tri", "officer"), ("inv1", "officer"), ("inv2", "officer"), ("boss", "supervisor"),
                           ("boss2", "supervisor"))}
    session.commit()
    return people


def _clock(session, kind, **where):
    return session.scalars(select(Clock).where(Clock.kind == kind, *[getattr(Clock, k) == v for k, v in where.items()])
                           ).one()


@pytest.fixture
def case(session, clock, team):
    clock.current = at(2026, 3, 2)
    tip, _ = factories.tip(session, now=clock())
    c = triage.file_case(session, now=clock(), tip=tip, actor=team["tri"], version=tip.version,
                         filing_number="立1号", filed_on=D(2026, 3, 2))
    session.commit()
    return c


def _ask(session, clock, case, actor, length=30):
    return investigation.request_extension(session, now=clock(), case=case, actor=actor,
                                           clock="decision", length=length, reason="案情复杂")


def _decide(session, clock, case, actor, req, approve=True):
    investigation.decide_extension(session, now=clock(), case=case, actor=actor, request_id=req.id,
                                   approve=approve)


def test_one_extension_of_at_most_30_days_then_only_a_collective_decision(session, clock, team, case):
    decision = _clock(session, "decision", case_id=case.id)
    assert decision.due_on == D(2026, 6, 1)  # 90 days -> Sun 31 May -> Mon 1 Jun
    with pytest.raises(ValidationFailed):
        _ask(session, clock, case, team["boss"], length=31)  # Art. 64: at most 30 days
    req = _ask(session, clock, case, team["boss"], length=30)
    with pytest.raises(Forbidden):
        _decide(session, clock, case, team["boss"], req)  # not the requester
    with pytest.raises(Forbidden):
        _decide(session, clock, case, team["inv1"], req)  # not an officer
    _decide(session, clock, case, team["boss2"], req)
    assert decision.due_on == D(2026, 6, 30)  # 120 days: Tue 30 Jun 2026
    # A second extension by approval is not possible: the next step is the collective decision.
    with pytest.raises(Conflict) as exc:
        _ask(session, clock, case, team["boss"], length=10)
    assert exc.value.details["kind"] == "extension_collective"


def test_a_refused_request_does_not_use_up_the_extension(session, clock, team, case):
    _decide(session, clock, case, team["boss2"], _ask(session, clock, case, team["boss"], length=20), approve=False)
    req = _ask(session, clock, case, team["inv1"], length=15)
    _decide(session, clock, case, team["boss"], req)
    # 90 + 15 = 105 days from 2 Mar: Mon 15 Jun 2026
    assert _clock(session, "decision", case_id=case.id).due_on == D(2026, 6, 15)


def test_collective_decision_needs_the_extension_first_and_records_date_participants_period(
        session, clock, team, case):
    kwargs = dict(now=clock(), case=case, decided_on=D(2026, 3, 2),
                  participants="王局长、李副局长、赵副局长", length=45, reason="涉案产品需补充鉴定")
    with pytest.raises(Conflict) as exc:
        procedure.record_collective_decision(session, actor=team["boss"], **kwargs)
    assert exc.value.details["kind"] == "extension_first"
    _decide(session, clock, case, team["boss2"], _ask(session, clock, case, team["inv1"]))
    with pytest.raises(Forbidden):
        procedure.record_collective_decision(session, actor=team["inv1"], **kwargs)
    with pytest.raises(ValidationFailed) as bad:
        procedure.record_collective_decision(session, actor=team["boss"], **(kwargs | {"participants": "王局长"}))
    assert bad.value.details["fields"] == {"participants": "too_few"}
    with pytest.raises(ValidationFailed):
        procedure.record_collective_decision(session, actor=team["boss"],
                                             **(kwargs | {"decided_on": D(2026, 3, 3)}))  # future
    row = procedure.record_collective_decision(session, actor=team["boss"], **kwargs)
    session.commit()
    decision = _clock(session, "decision", case_id=case.id)
    # 90 + 30 + 45 = 165 days from 2 Mar 2026: Fri 14 Aug 2026.
    assert decision.due_on == D(2026, 8, 14) and decision.extended == 75
    assert (row.due_before, row.due_after) == (D(2026, 6, 30), D(2026, 8, 14))
    assert row.participants.splitlines() == ["王局长", "李副局长", "赵副局长"]
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "case.collective_extension")).one()
    details = json.loads(event.details)
    assert details["on"] == "2026-03-02" and details["length"] == 45 and "第六十四条" in details["article"]


def test_the_rule_data_drives_the_extension(session, clock, team, case):
    """A rule version allowing two extensions of 10 days and nothing beyond is obeyed as written."""
    from tipline.cases.deadlines.models import DeadlineRule
    rule = session.scalars(select(DeadlineRule).where(DeadlineRule.clock == "decision")).one()
    assert (rule.extension, rule.extension_count, rule.approver, rule.beyond) == (30, 1, "supervisor", "collective")
    rule.extension, rule.extension_count, rule.beyond = 10, 2, None
    session.flush()
    with pytest.raises(ValidationFailed):
        _ask(session, clock, case, team["boss"], length=11)
    _decide(session, clock, case, team["boss2"], _ask(session, clock, case, team["boss"], length=10))
    _decide(session, clock, case, team["boss2"], _ask(session, clock, case, team["boss"], length=10))
    with pytest.raises(Conflict) as exc:
        _ask(session, clock, case, team["boss"], length=10)
    assert exc.value.details["kind"] == "extension_once"
    with pytest.raises(Conflict) as exc:
        procedure.record_collective_decision(session, now=clock(), case=case, actor=team["boss"],
                                             decided_on=D(2026, 3, 2), participants="甲、乙", length=5, reason="理由")
    assert exc.value.details["kind"] == "no_collective"


def test_the_shipped_rule_is_seeded_with_its_extension_fields():
    from tipline.cases.deadlines import clocks
    spec = {v["effective_from"]: v for v in clocks.shipped()["versions"]}["2021-12-01"]["clocks"]
    assert clocks.extension_rule(spec["decision"]) == {"extension_count": 1, "approver": "supervisor",
                                                       "beyond": "collective"}
    assert clocks.extension_rule(spec["filing"])["extension_count"] == 1


def test_ordered_refund_of_overcharged_prices_stops_the_decision_clock(session, clock, team, case):
    assert "refund_overcharge" in SUSPENSION_REASONS
    investigation.suspend(session, now=clock(), case=case, actor=team["boss"], version=case.version,
                          reason="refund_overcharge", note="责令退还多收价款", on=D(2026, 3, 2))
    decision = _clock(session, "decision", case_id=case.id)
    assert decision.state == "stopped"
    clock.current = at(2026, 3, 12)
    investigation.resume(session, now=clock(), case=case, actor=team["boss"], version=case.version,
                         on=D(2026, 3, 12))
    # stopped the day of filing, resumed 12 Mar: 90 days from 12 Mar = Wed 10 Jun
    assert decision.state == "running" and decision.due_on == D(2026, 6, 10)


def test_testing_stops_the_filing_clock_too(session, clock, team):
    clock.current = at(2026, 3, 2)
    tip, _ = factories.tip(session, now=clock())
    filing = _clock(session, "filing", tip_id=tip.id)
    assert filing.due_on == D(2026, 3, 23)  # 3-6, 9-13, 16-20, 23 Mar
    clock.current = at(2026, 3, 4)
    with pytest.raises(ValidationFailed):  # a hearing does not stop the filing clock (Art. 18 ¶2)
        procedure.stop_filing_clock(session, now=clock(), tip=tip, actor=team["tri"],
                                    reason="hearing", note="", on=D(2026, 3, 4))
    procedure.stop_filing_clock(session, now=clock(), tip=tip, actor=team["tri"], reason="testing",
                                note="抽样送检", on=D(2026, 3, 4))
    assert filing.state == "stopped" and filing.due_on is None
    with pytest.raises(Conflict):
        procedure.stop_filing_clock(session, now=clock(), tip=tip, actor=team["tri"],
                                    reason="appraisal", note="", on=D(2026, 3, 4))
    clock.current = at(2026, 3, 13)
    procedure.resume_filing_clock(session, now=clock(), tip=tip, actor=team["tri"], on=D(2026, 3, 13))
    # used 3, 4 Mar (2); 13 remain after Fri 13 Mar: 16-20, 23-27, 30, 31 Mar, 1 Apr -> Wed 1 Apr
    assert filing.state == "running" and filing.due_on == D(2026, 4, 1)
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "tip",
                                                              AuditEvent.object_id == str(tip.id))).all()
    assert "tip.clock_stopped" in actions and "tip.clock_resumed" in actions
    # the case is filed in time against the moved due date
    triage.file_case(session, now=clock(), tip=tip, actor=team["tri"], version=tip.version,
                     filing_number="立2号", filed_on=D(2026, 3, 30))
    assert filing.state == "done" and filing.met is True


def test_a_same_day_filing_stop_changes_nothing(session, clock, team):
    clock.current = at(2026, 3, 2)
    tip, _ = factories.tip(session, now=clock())
    clock.current = at(2026, 3, 9)
    procedure.stop_filing_clock(session, now=clock(), tip=tip, actor=team["tri"],
                                reason="rights_holder", note="权利人辨认", on=D(2026, 3, 9))
    procedure.resume_filing_clock(session, now=clock(), tip=tip, actor=team["tri"], on=D(2026, 3, 9))
    assert _clock(session, "filing", tip_id=tip.id).due_on == D(2026, 3, 23)


def test_an_administrators_new_length_keeps_the_extension_rule(session, clock, team, case):
    from tipline.cases.deadlines import clocks
    admin = factories.user(session, now=clock(), username="adm", role="admin", division_code="410000")
    row = clocks.add_rule_version(session, now=clock(), actor=admin, clock="decision", effective_from=D(2027, 1, 1),
                                  length=90, unit="days", extension=30)
    assert (row.extension_count, row.approver, row.beyond) == (1, "supervisor", "collective")
