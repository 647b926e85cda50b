"""Services refuse an actor outside the record's jurisdiction, whoever calls them.

The pages answer 404 for such records before a service runs; a command, an API or the scheduler
calls the services directly, so the gate itself must refuse (Forbidden). Each row is a service
call made by a Luoyang (410300) member of staff on a Zhengzhou Jinshui (410105) record, and by the
same role in 410105, who may be refused for other reasons (state, missing input) but never for
jurisdiction.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tipline.cases import complaints, investigation, procedure, triage
from tipline.errors import Forbidden, TiplineError
from tipline.oversight import holds
from tipline.rewards import claims
from tipline.rewards import services as rewards
from tipline.rewards.models import Reward

from .. import factories
from ..rewards.test_workflow import closed_case

HOME, AWAY = "410105", "410300"


def _suspension_reason():
    return next(iter(investigation.SUSPENSION_REASONS))


# (name, role, call(session, now, world, actor)) -- the answer for AWAY is Forbidden in every row.
ROWS = [
    ("triage.reject", "officer", lambda s, now, w, a: triage.reject(
        s, now=now, tip=w["tip"], actor=a, version=None, reason="不属实", public_reason="经核查，不予受理。")),
    ("triage.update_details", "officer", lambda s, now, w, a: triage.update_details(
        s, now=now, tip=w["tip"], actor=a, version=None, category_code=w["tip"].category_code,
        entity_name="某公司", entity_uscc="", known_division=lambda c: True, division_code=HOME)),
    ("triage.request_filing_extension", "officer", lambda s, now, w, a: triage.request_filing_extension(
        s, now=now, tip=w["tip"], actor=a, reason="需要检测样品")),
    ("procedure.stop_filing_clock", "officer", lambda s, now, w, a: procedure.stop_filing_clock(
        s, now=now, tip=w["tip"], actor=a, reason="testing", note="", on=now.date())),
    ("complaints.accept", "officer", lambda s, now, w, a: complaints.accept(
        s, now=now, tip=w["complaint"], actor=a, version=None)),
    ("investigation.add_note", "supervisor", lambda s, now, w, a: investigation.add_note(
        s, now=now, case=w["case"], actor=a, body="笔记")),
    ("investigation.suspend", "supervisor", lambda s, now, w, a: investigation.suspend(
        s, now=now, case=w["case"], actor=a, version=None, reason=_suspension_reason(), note="", on=now.date())),
    ("holds.place", "supervisor", lambda s, now, w, a: holds.place(
        s, now=now, actor=a, object_type="tip", object_id=w["tip"].id, reason="诉讼保全")),
    ("rewards.propose", "supervisor", lambda s, now, w, a: rewards.propose(
        s, now=now, reward=w["reward"], actor=a, rule_sets=w["rules"], version=None, natural_person=True,
        exclusion="", unknown_to_regulator=True, party_type="organisation", insider=False, level=1)),
    ("rewards.review", "supervisor", lambda s, now, w, a: rewards.review(
        s, now=now, reward=w["reward"], actor=a, version=None)),
    ("rewards.finance_approve", "finance", lambda s, now, w, a: rewards.finance_approve(
        s, now=now, reward=w["reward"], actor=a, version=None)),
    ("rewards.send_back", "finance", lambda s, now, w, a: rewards.send_back(
        s, now=now, reward=w["reward"], actor=a, reason="金额有误")),
    ("claims.revoke", "finance", lambda s, now, w, a: claims.revoke(
        s, now=now, reward=w["reward"], actor=a, reason="材料系伪造")),
    ("claims.extend_claim", "supervisor", lambda s, now, w, a: claims.extend_claim(
        s, now=now, reward=w["reward"], actor=a, workdays=5, reason="正当理由")),
]


@pytest.fixture
def world(app, session, clock):
    bureau = {n: factories.user(session, now=clock(), username=n, role=r, division_code=HOME)
              for n, r in (("tri", "officer"), ("inv1", "officer"), ("inv2", "officer"), ("boss", "supervisor"))}
    session.commit()
    case, _ = closed_case(session, clock, bureau, fines="100000")
    tip, _ = factories.tip(session, now=clock(), division_code=HOME)
    complaint, _ = factories.tip(session, now=clock(), division_code=HOME, kind="complaint")
    open_case = triage.file_case(session, now=clock(), tip=factories.tip(session, now=clock())[0],
                                 actor=bureau["tri"], version=None, filing_number="立2号", filed_on=clock().date())
    actors = {(role, where): factories.user(session, now=clock(), role=role, division_code=where)
              for role in ("officer", "supervisor", "finance") for where in (HOME, AWAY)}
    session.commit()
    return dict(tip=tip, complaint=complaint, case=open_case, reward=session.scalars(select(Reward)).one(),
                rules=app.extensions["reward_rules"], actors=actors)


def test_every_service_refuses_an_actor_outside_the_records_jurisdiction(session, clock, world):
    for name, role, call in ROWS:
        with pytest.raises(Forbidden):
            try:
                call(session, clock(), world, world["actors"][(role, AWAY)])
            except TiplineError as exc:
                assert isinstance(exc, Forbidden), f"{name}: {role} of {AWAY} got {exc!r}"
                raise
            pytest.fail(f"{name}: {role} of {AWAY} was let through")
        session.rollback()
        try:
            call(session, clock(), world, world["actors"][(role, HOME)])
        except Forbidden as exc:  # pragma: no cover - the failure names the row
            pytest.fail(f"{name}: {role} of {HOME} refused: {exc}")
        except TiplineError:
            pass  # state or input: not this test's concern
        session.rollback()


def test_the_scheduler_sees_every_division(session, clock, world):
    from tipline.gate import SYSTEM
    from tipline.jurisdiction import can_see
    assert can_see(SYSTEM, AWAY) and can_see(SYSTEM, HOME)
    assert not can_see(world["actors"][("officer", AWAY)], HOME)
