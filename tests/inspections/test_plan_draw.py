"""The annual plan's draw: reproducible from the recorded seed and frozen list, final once made,
checked by `tipline plan verify`, with officers drawn at random (at least two)."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select, update

from tipline.audit.models import AuditEvent
from tipline.audit.services import verify as verify_chain
from tipline.cases.models import ConflictDeclaration
from tipline.errors import Conflict, ValidationFailed
from tipline.inspections import draw, services
from tipline.inspections.models import BodyInspection, InspectionOfficer, InspectionPlan, SupervisedBody

from .. import factories


def make_plan(session, clock, tiers, known, division="410100", year=2026, **kw):
    plan = services.create_plan(session, now=clock(), year=year, division_code=division, tiers=tiers,
                                known_division=known, departments=["市场监管局", "住房城乡建设局"],
                                actor_label="test", **kw)
    session.commit()
    return plan


def test_draw_is_reproducible_from_the_recorded_seed_and_list(session, clock, tiers, known, cal, register_of, officers):
    register_of("410100", 120)
    register_of("410300", 30)  # another city: never a candidate of Zhengzhou's plan
    officers(3)
    plan = make_plan(session, clock, tiers, known, ratios={"normal": "0.10"})
    result = services.draw_plan(session, now=clock(), plan=plan, tiers=tiers, cal=cal, actor_label="test")
    session.commit()
    frozen = json.loads(plan.candidates)
    assert len(frozen) == 120 and all(u[2:6] == "4101" for u, _t in frozen)
    assert [u for u, _t in frozen] == sorted(u for u, _t in frozen)
    assert len(result.drawn) == 12  # ceil(120 x 0.10), all normal
    # Anyone with the seed and the list gets the same sample; another seed gives another one.
    assert draw.draw_sample(frozen, services.plan_ratios(plan), int(plan.seed)) == result.drawn
    assert draw.draw_sample(frozen, services.plan_ratios(plan), int(plan.seed) + 1) != result.drawn
    assert services.verify(session, plan.id).ok
    event = session.get(AuditEvent, plan.draw_event_id)
    details = json.loads(event.details)
    assert details["seed"] == plan.seed and details["drawn"] == result.drawn
    assert verify_chain(session).ok
    # One task per drawn body (normal tier: once a year), two active officers each, due in working days.
    tasks = session.scalars(select(BodyInspection).where(BodyInspection.plan_id == plan.id)).all()
    assert sorted(t.body.uscc for t in tasks) == sorted(result.drawn)
    assert all(t.due_on.isoformat() == "2026-05-28" for t in tasks)  # 60 working days after 2026-03-02
    for t in tasks:
        assert session.scalar(select(func.count()).where(InspectionOfficer.inspection_id == t.id,
                                                        InspectionOfficer.active.is_(True))) == 2


def test_a_drawn_plan_cannot_be_drawn_again(session, clock, tiers, known, cal, register_of, officers):
    register_of("410100", 30)
    officers(2)
    plan = make_plan(session, clock, tiers, known)
    services.draw_plan(session, now=clock(), plan=plan, tiers=tiers, cal=cal, actor_label="test")
    session.commit()
    first = (plan.seed, plan.drawn)
    with pytest.raises(Conflict) as info:
        services.draw_plan(session, now=clock(), plan=plan, tiers=tiers, cal=cal, actor_label="test")
    assert info.value.details["kind"] == "already_drawn"
    session.rollback()
    session.refresh(plan)
    assert (plan.seed, plan.drawn) == first
    assert session.scalar(select(func.count()).where(AuditEvent.action == "plan.drawn")) == 1
    with pytest.raises(Conflict):  # nor a second plan for the same year and division
        make_plan(session, clock, tiers, known)


@pytest.mark.parametrize("tamper, reason", [
    ("seed", "the seed differs from the one in the audit record"),
    ("list", "the frozen candidate list does not match its digest"),
    ("list_and_digest", "the candidate list differs from the one in the audit record"),
    ("drawn", "the recomputed draw differs from the recorded one"),
    ("inspection", "the plan's inspections do not match the drawn bodies"),
])
def test_verify_detects_a_tampered_plan(session, clock, tiers, known, cal, register_of, officers, tamper, reason):
    register_of("410100", 60)
    officers(2)
    plan = make_plan(session, clock, tiers, known)
    result = services.draw_plan(session, now=clock(), plan=plan, tiers=tiers, cal=cal, actor_label="test")
    session.commit()
    frozen = json.loads(plan.candidates)
    if tamper == "seed":
        plan.seed = str(int(plan.seed) + 1)
    elif tamper == "list":
        plan.candidates = draw.canonical(frozen[1:])
    elif tamper == "list_and_digest":
        plan.candidates = draw.canonical(frozen[1:])
        plan.candidates_digest = draw.digest(frozen[1:])
    elif tamper == "drawn":
        outside = next(u for u, _t in frozen if u not in result.drawn)
        plan.drawn = json.dumps(result.drawn[:-1] + [outside])
    else:
        other = session.scalar(select(SupervisedBody.id).where(SupervisedBody.uscc.not_in(result.drawn)))
        session.execute(update(BodyInspection).where(BodyInspection.id == result.inspections[0].id)
                        .values(body_id=other))
    session.commit()
    outcome = services.verify(session, plan.id)
    assert (outcome.ok, outcome.reason) == (False, reason)


def test_fewer_than_two_eligible_officers_refuses_the_draw(session, clock, tiers, known, cal, register_of, officers):
    register_of("410100", 20)
    [only] = officers(1)
    factories.user(session, now=clock(), role="officer", division_code="410300")  # another city's: not eligible
    session.commit()
    plan = make_plan(session, clock, tiers, known)
    with pytest.raises(Conflict) as info:
        services.draw_plan(session, now=clock(), plan=plan, tiers=tiers, cal=cal, actor_label="test")
    assert info.value.details["kind"] == "too_few_officers"
    assert "1 eligible officer(s) in division 410100, at least 2 are needed" in info.value.message
    session.rollback()
    assert session.get(InspectionPlan, plan.id).state == "draft"


def test_a_declared_conflict_keeps_an_officer_off_that_body(session, clock, tiers, known, cal, register_of, officers):
    items = register_of("410100", 10)
    a, b, c = officers(3)
    plan = make_plan(session, clock, tiers, known, ratios={"normal": "1"})
    target = session.scalars(select(SupervisedBody).where(SupervisedBody.uscc == items[0]["uscc"])).one()
    session.add(ConflictDeclaration(user_id=a.id, entity_id=target.entity_id, reason="前雇主", declared_at=clock()))
    session.commit()
    result = services.draw_plan(session, now=clock(), plan=plan, tiers=tiers, cal=cal, actor_label="test")
    session.commit()
    task = next(i for i in result.inspections if i.body_id == target.id)
    assigned = session.scalars(select(InspectionOfficer.user_id).where(InspectionOfficer.inspection_id == task.id))
    assert sorted(assigned) == sorted([b.id, c.id])


def test_higher_tiers_are_drawn_at_their_larger_ratio_and_more_often(session, clock, tiers, known, cal, register_of,
                                                                    officers):
    items = register_of("410100", 40)
    officers(2)
    for item in items[:4]:  # four bodies with an open report: watch tier
        factories.tip(session, now=clock(), entity_name=item["name"], entity_uscc=item["uscc"],
                      division_code=item["division_code"])
    session.commit()
    plan = make_plan(session, clock, tiers, known, ratios={"watch": "1", "normal": "0"})
    result = services.draw_plan(session, now=clock(), plan=plan, tiers=tiers, cal=cal, actor_label="test")
    session.commit()
    assert sorted(result.drawn) == sorted(i["uscc"] for i in items[:4])


def test_plan_refuses_bad_ratios_and_unknown_divisions(session, clock, tiers, known):
    with pytest.raises(ValidationFailed) as info:
        services.create_plan(session, now=clock(), year=2026, division_code="990000", tiers=tiers,
                             known_division=known, ratios={"high": "1.2", "normal": "x"})
    assert info.value.details["fields"] == {"division_code": "invalid", "ratio_high": "invalid",
                                            "ratio_normal": "invalid"}


def test_officer_pick_is_a_pure_replayable_function():
    assert draw.pick_officers([5, 3, 9, 1], 2, 42) == draw.pick_officers([1, 3, 5, 9], 2, 42)
    with pytest.raises(ValueError, match="1 eligible officer"):
        draw.pick_officers([7], 2, 1)


def test_cli_draws_prints_json_and_verifies(runner, session, clock, register_of, officers):
    register_of("410100", 50)
    officers(2)
    out = runner.invoke(args=["plan", "draw", "--year", "2026", "--division", "410100", "--department", "市场监管局"])
    assert out.exit_code == 0, out.output
    printed = json.loads(out.output)
    assert printed["plan_id"] and printed["seed"] and len(printed["drawn"]) == 3  # ceil(50 x 0.05)
    assert {"uscc", "name", "tier"} <= set(printed["drawn"][0])
    again = runner.invoke(args=["plan", "draw", "--year", "2026", "--division", "410100"])
    assert again.exit_code != 0 and "a draw is final" in again.output
    ok = runner.invoke(args=["plan", "verify", str(printed["plan_id"])])
    assert ok.exit_code == 0 and "identical" in ok.output
    session.execute(update(InspectionPlan).where(InspectionPlan.id == printed["plan_id"])
                    .values(seed=str(int(printed["seed"]) ^ 1)))
    session.commit()
    bad = runner.invoke(args=["plan", "verify", str(printed["plan_id"])])
    assert bad.exit_code == 1 and "seed differs" in bad.output
    assert runner.invoke(args=["plan", "verify", "999"]).exit_code == 2


def test_cli_import_lists_row_errors_and_exits_1(runner, tmp_path, session):
    from tipline.inspections import register
    items = register.rows("410100", 3)
    items[1]["uscc"] = "bad"
    path = tmp_path / "bodies.csv"
    path.write_bytes(register.as_csv(items))
    out = runner.invoke(args=["bodies", "import", str(path)])
    assert out.exit_code == 1
    assert "2 created" in out.output and "bodies.csv: row 3: uscc: must be 18 characters" in out.output
    out = runner.invoke(args=["bodies", "import", str(path)])
    assert "0 created, 0 updated, 2 unchanged" in out.output


def test_the_draw_leaves_the_garbage_collector_as_it_found_it(session, clock, tiers, known, cal, register_of):
    """The draw pauses the cyclic collector for its bulk work; it must come back on, also when the
    draw is refused."""
    import gc
    register_of("410100", 5)
    plan = services.create_plan(session, now=clock(), year=2026, division_code="410100", tiers=tiers,
                                known_division=known, ratios={"normal": "1"})
    with pytest.raises(Conflict):  # no officers: refused
        services.draw_plan(session, now=clock(), plan=plan, tiers=tiers, cal=cal)
    assert gc.isenabled()
    gc.disable()
    try:
        with pytest.raises(Conflict):
            services.draw_plan(session, now=clock(), plan=plan, tiers=tiers, cal=cal)
        assert not gc.isenabled()  # not switched on behind the caller's back
    finally:
        gc.enable()
