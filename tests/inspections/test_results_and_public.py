"""Inspection results (rectification with its own deadline and reminders, certificates, a case that
becomes a tip in triage), recusal, and the public page and statistics."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from tipline.cases.deadlines import reminders
from tipline.cases.deadlines.models import Clock, Reminder
from tipline.errors import Conflict, Forbidden, ValidationFailed
from tipline.inspections import results
from tipline.inspections.models import BodyInspection, InspectionOfficer
from tipline.intake.models import Tip
from tipline.public_pages import clear_cache

from .. import factories
from ..conftest import csrf_token


def officer_of(session, inspection, team):
    ids = results.active_officers(session, inspection.id)
    return next(u for u in team if u.id in ids)


def test_rectification_has_its_own_working_day_deadline_and_is_reminded(session, clock, tiers, cal, drawn):
    plan, tasks, team, supervisor = drawn
    task = tasks[0]
    officer = officer_of(session, task, team)
    results.record_result(session, now=clock(), inspection=task, actor=officer, result="rectification",
                          inspected_on=dt.date(2026, 3, 2), tiers=tiers, cal=cal, problem_kinds=["records", "sampling"],
                          problems_count=3, findings="原始记录缺失，留样不全。")
    session.commit()
    # 20 working days from Monday 2 March 2026 (no holiday in between): Monday 30 March.
    assert task.rectification_due == dt.date(2026, 3, 30) and task.rectification_status == "ordered"
    assert session.get(Clock, task.clock_id).state == "done"
    rect = session.get(Clock, task.rectification_clock_id)
    assert (rect.kind, rect.due_on, rect.state) == ("rectification", dt.date(2026, 3, 30), "running")
    # The shared reminder sweep reminds the division's supervisor three working days before.
    created = reminders.generate(session, dt.datetime(2026, 3, 25, 1, 0, tzinfo=dt.timezone.utc), cal)
    assert created >= 1
    reminder = session.scalars(select(Reminder).where(Reminder.clock_id == rect.id)).one()
    assert reminder.user_id == supervisor.id
    from types import SimpleNamespace

    from tipline.cases.deadlines.reminder_text import body_for
    text = body_for(supervisor, [(reminder, rect)], SimpleNamespace(public_url="https://t.example"))
    assert "双随机抽查：复查整改情况，期限 2026-03-30" in text and "random inspection: check the rectification" in text
    with pytest.raises(Conflict):  # a result is final
        results.record_result(session, now=clock(), inspection=task, actor=officer, result="no_problem",
                              inspected_on=dt.date(2026, 3, 2), tiers=tiers, cal=cal)
    session.rollback()
    results.record_rectified(session, now=clock(), inspection=task, actor=officer, rectified_on=dt.date(2026, 3, 2))
    session.commit()
    assert task.rectification_status == "done" and session.get(Clock, rect.id).state == "done"


def test_case_opened_puts_a_tip_linked_to_the_inspection_into_triage(session, clock, tiers, cal, drawn):
    _plan, tasks, team, _sup = drawn
    task = tasks[1]
    results.record_result(session, now=clock(), inspection=task, actor=officer_of(session, task, team),
                          result="case_opened", inspected_on=dt.date(2026, 3, 2), tiers=tiers, cal=cal,
                          problem_kinds=["false_report"],
                          findings="抽查发现 12 份报告无对应原始记录，涉嫌出具虚假检验检测报告。")
    session.commit()
    tip = session.get(Tip, task.tip_id)
    assert tip.status == "received" and tip.entity_uscc == task.body.uscc
    assert tip.entity_id == task.body.entity_id  # the same entity as the body


def test_a_revoked_certificate_changes_the_register(session, clock, tiers, cal, drawn):
    _plan, tasks, team, supervisor = drawn
    results.record_result(session, now=clock(), inspection=tasks[2], actor=supervisor, result="revoked",
                          inspected_on=dt.date(2026, 3, 2), tiers=tiers, cal=cal, problem_kinds=["scope"])
    session.commit()
    assert tasks[2].body.status == "revoked"


def test_only_drawn_officers_or_a_supervisor_record_and_input_is_checked(session, clock, tiers, cal, drawn):
    _plan, tasks, team, _sup = drawn
    task = tasks[3]
    outsider = next(u for u in team if u.id not in results.active_officers(session, task.id))
    with pytest.raises(Forbidden):
        results.record_result(session, now=clock(), inspection=task, actor=outsider, result="no_problem",
                              inspected_on=dt.date(2026, 3, 2), tiers=tiers, cal=cal)
    with pytest.raises(ValidationFailed) as info:
        results.record_result(session, now=clock(), inspection=task, actor=officer_of(session, task, team),
                              result="problems", inspected_on=dt.date(2026, 3, 9), tiers=tiers, cal=cal)
    assert info.value.details["fields"] == {"inspected_on": "future", "problem_kinds": "required"}


def test_recusal_needs_a_listed_reason_and_redraws_from_the_rest(session, clock, drawn):
    _plan, tasks, team, supervisor = drawn
    task = tasks[4]
    before = results.active_officers(session, task.id)
    with pytest.raises(ValidationFailed):
        results.recuse(session, now=clock(), inspection=task, user_id=before[0], reason="不想去", actor=supervisor)
    with pytest.raises(Forbidden):
        results.recuse(session, now=clock(), inspection=task, user_id=before[0], reason="unavailable",
                       actor=officer_of(session, task, team))
    after = results.recuse(session, now=clock(), inspection=task, user_id=before[0], reason="related_party",
                           actor=supervisor)
    session.commit()
    third = next(u.id for u in team if u.id not in before)
    assert after == sorted([before[1], third])
    ended = session.scalar(select(InspectionOfficer).where(InspectionOfficer.inspection_id == task.id,
                                                           InspectionOfficer.user_id == before[0]))
    assert (ended.active, ended.ended_reason) == (False, "related_party")
    with pytest.raises(Conflict) as info:  # all three have now been drawn for it: nobody left
        results.recuse(session, now=clock(), inspection=task, user_id=third, reason="unavailable", actor=supervisor)
    assert "0 eligible officer(s) left" in info.value.message


def test_public_page_shows_final_results_only_in_both_languages_without_scripts(client, session, clock, tiers, cal,
                                                                                 drawn):
    _plan, tasks, team, _sup = drawn
    done = tasks[5]
    results.record_result(session, now=clock(), inspection=done, actor=officer_of(session, done, team),
                          result="rectification", inspected_on=dt.date(2026, 3, 2), tiers=tiers, cal=cal,
                          problem_kinds=["equipment", "records"], problems_count=2)
    session.commit()
    open_name = tasks[6].body.name
    page = client.get("/public/inspections?year=2026&division=410100")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<script" not in html
    assert done.body.name in html and open_name not in html
    assert "责令整改" in html and "整改中" in html and done.body.uscc in html
    assert 'data-figure="inspections">1<' in html and 'data-figure="problems_found">2<' in html
    assert 'data-figure="rectification_notices">1<' in html
    assert _plan.seed in html and _plan.candidates_digest in html
    plans_table = html[html.index('data-testid="public-plans"'):]
    plans_table = plans_table[:plans_table.index("</table>")]
    assert "<td>20</td>" in plans_table  # the plan's draw: all 20 bodies of the register
    assert page.headers["Cache-Control"].startswith("public")
    client.get("/lang/en")
    clear_cache()
    en = client.get("/public/inspections?year=2026&division=410100").get_data(as_text=True)
    assert "Rectification ordered" in en and "Random inspections" in en
    # One result in words, and a list of problems joined as each language joins them.
    assert "1 inspection with a final result." in en and "共 1 次检查已有最终结果。" in html
    assert "、" in html[html.index('data-testid="public-inspections"'):] and "、" not in en.split("<footer")[0]
    stats = client.get("/public/statistics?year=2026&division=410100").get_data(as_text=True)
    assert 'data-figure="inspection_rectification_notices">1<' in stats


def test_staff_pages_plan_draw_and_record_through_the_forms(client, login, session, clock, register_of, officers):
    register_of("410100", 30)
    officers(2)
    factories.user(session, now=clock(), username="zhao", role="supervisor", division_code="410100")
    session.commit()
    login("zhao")
    page = client.get("/staff/inspections/")
    assert page.status_code == 200
    made = client.post("/staff/inspections/plans", data={
        "csrf_token": csrf_token(page.get_data(as_text=True)), "year": "2026", "division_code": "410100",
        "departments": "郑州市市场监督管理局\n郑州市住房和城乡建设局", "ratio_normal": "0.1"})
    assert made.status_code == 302
    plan_page = client.get(made.headers["Location"])
    assert "郑州市住房和城乡建设局" in plan_page.get_data(as_text=True)
    drawn = client.post(made.headers["Location"] + "/draw",
                        data={"csrf_token": csrf_token(plan_page.get_data(as_text=True))}, follow_redirects=True)
    html = drawn.get_data(as_text=True)
    assert "抽取" in html and html.count("/staff/inspections/") >= 3
    task = session.scalars(select(BodyInspection)).first()
    task_id, body_id = task.id, task.body_id
    session.rollback()  # end this reader's transaction, as a finished request would
    insp = client.get(f"/staff/inspections/{task_id}")
    assert insp.status_code == 200
    recorded = client.post(f"/staff/inspections/{task_id}/result", data={
        "csrf_token": csrf_token(insp.get_data(as_text=True)), "result": "no_problem", "inspected_on": "2026-03-02",
        "problems_count": "0"}, follow_redirects=True)
    assert recorded.status_code == 200 and "未发现问题" in recorded.get_data(as_text=True)
    body = client.get(f"/staff/inspections/bodies/{body_id}")
    assert body.status_code == 200 and 'data-testid="tier-name">一般' in body.get_data(as_text=True)


def test_public_results_are_paged_and_every_result_is_reachable(client, session, drawn, monkeypatch):
    from sqlalchemy import update

    from tipline.inspections import public
    _plan, tasks, _team, _sup = drawn
    session.execute(update(BodyInspection).where(BodyInspection.id.in_([t.id for t in tasks]))
                    .values(state="final", result="no_problem", inspected_on=dt.date(2026, 3, 2)))
    session.commit()
    monkeypatch.setattr(public, "PAGE_SIZE", 8)
    seen, pages = [], {}
    for n in (1, 2, 3, 99, "x"):
        html = client.get(f"/public/inspections?year=2026&division=410100&page={n}").get_data(as_text=True)
        table = html[html.index('data-testid="public-inspections"'):]
        table = table[:table.index("</table>")]
        pages[n] = [t.body.uscc for t in tasks if t.body.uscc in table]
        assert "共 20 次检查已有最终结果" in html  # the total over all pages, not the page's rows
        assert "<caption>" in table
        if n in (1, 2, 3):
            seen += pages[n]
            assert f"page={n + 1}" in html if n < 3 else f"page={n + 1}" not in html
    assert [len(pages[n]) for n in (1, 2, 3)] == [8, 8, 4]
    assert sorted(seen) == sorted(t.body.uscc for t in tasks)  # each result on exactly one page
    assert pages[99] == pages[3] and pages["x"] == pages[1]  # past the end: the last page; not a number: the first
