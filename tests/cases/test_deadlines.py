"""Statutory clocks from the workflow's events, and reminders sent exactly once."""
from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tipline.calendar.services import WorkCalendar, import_official
from tipline.cases import investigation, triage
from tipline.cases.deadlines import reminders
from tipline.cases.deadlines.models import Clock, Notice, Reminder
from tipline.cases.deadlines.reminder_rules import load_reminder_rules

from .. import factories

ROOT = Path(__file__).resolve().parents[2]
SH = dt.timezone(dt.timedelta(hours=8))


def at(y, m, d, h=9):
    return dt.datetime(y, m, d, h, 0, tzinfo=SH).astimezone(dt.timezone.utc)


@pytest.fixture
def team(session, clock):
    people = {n: factories.user(session, now=clock(), username=n, role=r, division_code="410105",
                                email=f"{n}@scjg.example.cn")
              for n, r in (("tri", "officer"), ("inv1", "officer"), ("inv2", "officer"), ("boss", "supervisor"))}
    session.commit()
    return people


def _clock(session, kind, **where):
    return session.scalars(select(Clock).where(Clock.kind == kind, *[getattr(Clock, k) == v for k, v in where.items()])
                           ).one()


def test_clocks_follow_the_workflow(session, clock, team):
    clock.current = at(2026, 2, 10)
    tip, _ = factories.tip(session, now=clock(), reporter_name="实名举报人")
    filing = _clock(session, "filing", tip_id=tip.id)
    assert filing.due_on == dt.date(2026, 3, 9) and filing.unit == "workdays" and not filing.provisional

    clock.current = at(2026, 3, 2)
    case = triage.file_case(session, now=clock(), tip=tip, actor=team["tri"], version=tip.version,
                            filing_number="立1号", filed_on=dt.date(2026, 3, 2))
    session.commit()
    assert filing.state == "done" and filing.met is True
    decision = _clock(session, "decision", case_id=case.id)
    assert decision.due_on == dt.date(2026, 6, 1)  # 90 days -> Sun 31 May, moved to Monday
    notify = _clock(session, "notify_reporter", tip_id=tip.id)
    assert notify.due_on == dt.date(2026, 3, 9)

    # Stopped for testing 10-20 March: no due date meanwhile, then the used days carry over.
    investigation.suspend(session, now=clock(), case=case, actor=team["boss"], version=case.version,
                          reason="testing", note="送检", on=dt.date(2026, 3, 10))
    assert decision.state == "stopped" and decision.due_on is None
    investigation.resume(session, now=clock(), case=case, actor=team["boss"], version=case.version,
                         on=dt.date(2026, 3, 20))
    # 8 used (3-10 Mar, Art. 80), 82 left from 20 Mar
    assert decision.state == "running" and decision.due_on == dt.date(2026, 6, 10)

    req = investigation.request_extension(session, now=clock(), case=case, actor=team["boss"],
                                          clock="decision", length=30, reason="案情复杂")
    second = factories.user(session, now=clock(), username="boss2", role="supervisor", division_code="410105")
    investigation.decide_extension(session, now=clock(), case=case, actor=second,
                                   request_id=req.id, approve=True)
    assert decision.due_on == dt.date(2026, 7, 10) and decision.extended == 30  # Fri 10 Jul

    triage.message_reporter(session, now=at(2026, 3, 12), tip=tip, actor=team["tri"], body="已立案。")
    assert notify.state == "done" and notify.met is False  # told on 12 March, due 9 March


def test_anonymous_reporter_has_no_notice_clock_and_complaints_have_their_own(session, clock, team):
    tip, _ = factories.tip(session, now=clock())
    triage.file_case(session, now=clock(), tip=tip, actor=team["tri"], version=tip.version,
                     filing_number="1", filed_on=clock().date())
    assert session.scalar(select(func.count(Clock.id)).where(Clock.kind == "notify_reporter")) == 0
    complaint, _ = factories.tip(session, now=clock(), kind="complaint")
    c = _clock(session, "complaint_acceptance", tip_id=complaint.id)
    assert c.length == 7 and c.unit == "workdays"


def test_year_end_deadline_is_provisional_until_the_official_calendar(session, clock, team):
    clock.current = at(2026, 12, 25)
    tip, _ = factories.tip(session, now=clock())
    tip.triaged_by_id = team["tri"].id
    filing = _clock(session, "filing", tip_id=tip.id)
    assert filing.provisional and filing.due_on == dt.date(2027, 1, 18)
    session.commit()
    # The official 2027 notice adds a holiday the projection did not have.
    import_official(session, clock(), [(dt.date(2027, 1, 1), False, "元旦"), (dt.date(2027, 1, 4), False, "元旦调休")],
                    years=[2027], actor_label="test")
    session.commit()
    assert not filing.provisional and filing.due_on == dt.date(2027, 1, 19)
    notice = session.scalars(select(Notice).where(Notice.kind == "deadline_moved")).one()
    assert notice.user_id == team["tri"].id and "2027-01-18" in notice.params


def _case_due(session, clock, team, due_day: dt.date):
    tip, _ = factories.tip(session, now=clock())
    case = triage.file_case(session, now=clock(), tip=tip, actor=team["tri"], version=tip.version,
                            filing_number="1", filed_on=clock().date())
    decision = _clock(session, "decision", case_id=case.id)
    decision.due_on = due_day  # pin the due date: these tests are about reminders, not arithmetic
    session.commit()
    return decision


def test_reminders_before_on_and_after_the_due_day(app, session, clock, team, smtp_sink):
    settings = app.config["TIPLINE"].__class__(**{**app.config["TIPLINE"].__dict__, "mail_port": smtp_sink.port})
    clock.current = at(2026, 3, 2)
    _case_due(session, clock, team, dt.date(2026, 3, 11))
    cal = WorkCalendar.load(session)
    assert reminders.sweep(session, at(2026, 3, 2), settings, cal).sent == 0  # 7 working days ahead: nothing
    first = reminders.sweep(session, at(2026, 3, 6), settings, cal)  # 3 working days before
    assert first.created == 2 and first.sent == 2 and first.mails == 2  # both investigators
    assert reminders.sweep(session, at(2026, 3, 6, 15), settings, cal).sent == 0  # not again the same day
    due = reminders.sweep(session, at(2026, 3, 11), settings, cal)
    assert due.sent == 2
    late = reminders.sweep(session, at(2026, 3, 12), settings, cal)
    assert late.sent == 1  # escalated to the supervisor
    assert reminders.sweep(session, at(2026, 3, 13), settings, cal).sent == 1  # and again the next day
    recipients = sorted(r for rcpts, _ in smtp_sink.messages for r in rcpts)
    assert recipients.count("boss@scjg.example.cn") == 2
    body = smtp_sink.messages[0][1].decode("utf-8", "replace")
    assert "2026-03-11" in body


def test_one_digest_per_person_for_several_deadlines(app, session, clock, team, smtp_sink):
    settings = app.config["TIPLINE"].__class__(**{**app.config["TIPLINE"].__dict__, "mail_port": smtp_sink.port})
    for _ in range(3):
        _case_due(session, clock, team, dt.date(2026, 3, 4))
    result = reminders.sweep(session, at(2026, 3, 4), settings)
    assert result.sent == 2 * 3 * 2  # before_3 and due_day, for 3 clocks, for 2 investigators
    assert result.mails == 2


def test_catch_up_after_downtime(app, session, clock, team, smtp_sink):
    settings = app.config["TIPLINE"].__class__(**{**app.config["TIPLINE"].__dict__, "mail_port": smtp_sink.port})
    _case_due(session, clock, team, dt.date(2026, 3, 4))
    # The scheduler was down from before the deadline until the 9th: the due-day reminder it missed
    # is still sent, with the escalation; "due soon" would only mislead by then.
    result = reminders.sweep(session, at(2026, 3, 9), settings)
    rules = sorted(set(session.scalars(select(Reminder.rule))))
    assert rules == ["due_day", "overdue_daily"] and result.sent == 3


def test_the_reminders_section_of_deadlines_json_decides_which_reminders_are_sent(app, session, clock, team,
                                                                                  smtp_sink, tmp_path):
    settings = app.config["TIPLINE"].__class__(**{**app.config["TIPLINE"].__dict__, "mail_port": smtp_sink.port})
    _case_due(session, clock, team, dt.date(2026, 3, 11))
    data = json.loads((ROOT / "tipline/data/deadlines.json").read_text("utf-8"))
    data["reminders"] = [{"rule": "before_3", "workdays_before": 5, "to": "supervisors"},
                         {"rule": "due_day", "workdays_before": 0, "to": "handlers"}]
    changed = tmp_path / "deadlines.json"
    changed.write_text(json.dumps(data), "utf-8")
    rules = load_reminder_rules(changed)
    cal = WorkCalendar.load(session)
    # 5 working days before the 11th: the shipped data (3 days) sends nothing yet, the changed data
    # tells the supervisor instead of the investigators.
    assert reminders.sweep(session, at(2026, 3, 4), settings, cal).sent == 0
    assert reminders.sweep(session, at(2026, 3, 4), settings, cal, rules=rules).sent == 1
    assert [r for rcpts, _ in smtp_sink.messages for r in rcpts] == ["boss@scjg.example.cn"]
    # Without an overdue rule, nobody is escalated to after the due day.
    assert reminders.sweep(session, at(2026, 3, 11), settings, cal, rules=rules).sent == 2
    assert reminders.sweep(session, at(2026, 3, 12), settings, cal, rules=rules).sent == 0
    assert sorted(session.scalars(select(Reminder.rule))) == ["before_3", "due_day", "due_day"]


def test_the_due_soon_notice_names_the_working_days_of_the_data(app, session, clock, team, client, login,
                                                                 monkeypatch):
    from tipline.cases import deadline_views
    from tipline.cases.deadlines.reminder_rules import ReminderRule, ReminderRules
    session.add(Notice(user_id=team["inv1"].id, kind="before_3", created_at=clock(), params="{}"))
    session.commit()
    login("inv1")
    assert "3个工作日内到期" in client.get("/staff/deadlines").get_data(as_text=True)
    monkeypatch.setattr(deadline_views, "shipped_reminder_rules",
                        lambda: ReminderRules((ReminderRule("before_3", "handlers", 5),)))
    page = client.get("/staff/deadlines").get_data(as_text=True)
    assert "5个工作日内到期" in page and "3个工作日内到期" not in page


def test_sending_failures_retry_with_backoff_and_show_to_admins(app, session, clock, team, smtp_sink, make_user,
                                                               login):
    from ..conftest import free_port
    dead = app.config["TIPLINE"].__class__(**{**app.config["TIPLINE"].__dict__, "mail_port": free_port()})
    live = app.config["TIPLINE"].__class__(**{**app.config["TIPLINE"].__dict__, "mail_port": smtp_sink.port})
    _case_due(session, clock, team, dt.date(2026, 3, 4))
    assert reminders.sweep(session, at(2026, 3, 4), dead).sent == 0
    pending = session.scalars(select(Reminder)).all()
    assert all(r.status == "pending" and r.attempts == 1 and r.error for r in pending)
    assert reminders.sweep(session, at(2026, 3, 4) + dt.timedelta(seconds=30), live).sent == 0  # backing off
    make_user(username="root", role="admin", division_code="410000")
    login("root")
    page = login.client.get("/staff/admin/calendar").get_data(as_text=True)
    assert "ConnectionRefusedError" in page
    assert reminders.sweep(session, at(2026, 3, 4) + dt.timedelta(minutes=2), live).sent == len(pending)


def test_three_scheduler_processes_send_each_reminder_once(app, app_settings, session, clock, team, smtp_sink):
    for _ in range(4):
        _case_due(session, clock, team, dt.date(2026, 3, 4))
    session.close()
    env = dict(os.environ, TIPLINE_INSTANCE_PATH=str(app_settings["instance_path"]),
               TIPLINE_DATABASE_URL=app_settings["database_url"], TIPLINE_MAIL_PORT=str(smtp_sink.port),
               TIPLINE_MAIL_SERVER="127.0.0.1")
    cmd = [str(Path(sys.executable).parent / "tipline"), "deadlines", "sweep", "--now", "2026-03-04T09:00:00+08:00"]
    procs = [subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for _ in range(3)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), outputs
    sent = [int(out.split(b"sent ")[1].split(b",")[0]) for out, _ in outputs]
    assert sum(sent) == 4 * 2 * 2  # every reminder by exactly one process
    from tipline.extensions import db
    with app.app_context():
        rows = db.session.scalars(select(Reminder)).all()
        assert len(rows) == 16 and all(r.status == "sent" for r in rows)
    mails_per_person = {}
    for rcpts, _ in smtp_sink.messages:
        for r in rcpts:
            mails_per_person[r] = mails_per_person.get(r, 0) + 1
    # Several processes may each send a digest, but no reminder appears in two of them.
    assert sum(m.count(b"2026-03-04") for _, m in smtp_sink.messages) >= 1
    listed = sum(body.decode("utf-8", "replace").count("\n- ") for _, body in smtp_sink.messages)
    assert listed == 16 * 2  # each reminder listed once in Chinese and once in English


def test_first_clock_survives_a_concurrent_seeding_of_the_rules(app, session, clock):
    """The table is empty and another process wants to seed it while this one does. PostgreSQL: the
    other wins between this one's look and its insert; the loser's savepoint rolls back, it reads the
    winner's rows, and its transaction goes on. SQLite: the other process cannot write at all while
    this one seeds (writers take the lock at BEGIN IMMEDIATE), so the race cannot happen there."""
    import sqlite3

    from sqlalchemy import event

    from tipline.cases.deadlines import clocks
    from tipline.cases.deadlines.models import DeadlineRule
    from tipline.extensions import db
    assert session.scalar(select(func.count(DeadlineRule.id))) == 0
    session.rollback()
    raced = []

    def the_other_process_tries(conn, cursor, statement, params, context, executemany):
        if not raced and statement.lstrip().upper().startswith("SELECT") and "FROM deadline_rule" in statement \
                and "effective_from <=" not in statement:  # seed_rules' look at what the table has
            raced.append(True)
            if db.engine.dialect.name == "sqlite":
                other = sqlite3.connect(db.engine.url.database, timeout=0)
                try:
                    with pytest.raises(sqlite3.OperationalError, match="locked"):
                        other.execute("BEGIN IMMEDIATE")
                finally:
                    other.close()
            else:
                other = db.factory()
                try:
                    clocks.seed_rules(other, clock())
                    other.commit()
                finally:
                    other.close()

    event.listen(db.engine, "after_cursor_execute", the_other_process_tries)
    try:
        rule = clocks.rule_for(session, "filing", dt.date(2026, 3, 2))
    finally:
        event.remove(db.engine, "after_cursor_execute", the_other_process_tries)
    assert raced, "the competing seeding did not run"
    assert rule.length == 15 and rule.unit == "workdays"
    session.commit()  # the transaction is still usable
    shipped = sum(len(v["clocks"]) for v in clocks.shipped()["versions"])
    assert session.scalar(select(func.count(DeadlineRule.id))) == shipped


def test_filing_extension_rules(session, clock, team):
    from tipline.errors import Conflict, Forbidden
    tip, _ = factories.tip(session, now=clock())
    filing = _clock(session, "filing", tip_id=tip.id)
    due = filing.due_on
    req = triage.request_filing_extension(session, now=clock(), tip=tip, actor=team["tri"],
                                          reason="需要补充调查")
    assert req.length == 15 and req.approved is None
    with pytest.raises(Conflict):  # one open request at a time
        triage.request_filing_extension(session, now=clock(), tip=tip, actor=team["inv1"],
                                        reason="再申请一次")
    with pytest.raises(Forbidden):  # officers do not decide
        triage.decide_filing_extension(session, now=clock(), tip=tip, actor=team["inv1"],
                                       request_id=req.id, approve=True)
    triage.decide_filing_extension(session, now=clock(), tip=tip, actor=team["boss"],
                                   request_id=req.id, approve=False)
    assert filing.due_on == due and filing.extended == 0
    # Refused: may ask again; the supervisor's own request needs another supervisor.
    again = triage.request_filing_extension(session, now=clock(), tip=tip, actor=team["boss"],
                                            reason="案情复杂，需要更多时间")
    with pytest.raises(Forbidden):
        triage.decide_filing_extension(session, now=clock(), tip=tip, actor=team["boss"],
                                       request_id=again.id, approve=True)
    other = factories.user(session, now=clock(), username="boss2", role="supervisor", division_code="410105")
    triage.decide_filing_extension(session, now=clock(), tip=tip, actor=other,
                                   request_id=again.id, approve=True)
    assert filing.extended == 15 and filing.due_on > due
    with pytest.raises(Conflict):  # once only
        triage.request_filing_extension(session, now=clock(), tip=tip, actor=team["tri"],
                                        reason="第三次申请")
    # After the filing decision there is no clock left to extend.
    done, _ = factories.tip(session, now=clock())
    triage.file_case(session, now=clock(), tip=done, actor=team["tri"], version=done.version,
                     filing_number="立2号", filed_on=clock().date())
    with pytest.raises(Conflict):
        triage.request_filing_extension(session, now=clock(), tip=done, actor=team["tri"],
                                        reason="已经立案了")


def test_reminder_generation_reads_people_per_batch_not_per_clock(app, session, clock, team):
    """Overdue clocks of cases (investigators), of triaged tips (the triager) and of untouched tips
    (supervisors): the statements to find everyone do not grow with the number of clocks, and each
    reminder goes to the right people."""
    from sqlalchemy import event

    from tipline.extensions import db

    def add(n):
        for _ in range(n):
            _case_due(session, clock, team, dt.date(2026, 3, 4))
            triaged, _ = factories.tip(session, now=clock())
            triaged.triaged_by_id = team["tri"].id
            untouched, _ = factories.tip(session, now=clock())
            for tip in (triaged, untouched):
                _clock(session, "filing", tip_id=tip.id).due_on = dt.date(2026, 3, 4)
        session.commit()

    def statements_for_generate(now):
        seen = []

        def count(conn, cursor, statement, *rest):
            seen.append(statement)
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            created = reminders.generate(session, now, WorkCalendar.load(session))
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return created, len(seen)

    add(2)
    created_small, few = statements_for_generate(at(2026, 3, 5))
    add(10)
    session.execute(Reminder.__table__.delete())
    session.commit()
    created_large, many = statements_for_generate(at(2026, 3, 5))
    assert many == few, (few, many)
    # per overdue clock: due_day to its handlers, overdue_daily to the supervisor ("boss")
    per_round = (2 + 1) + (1 + 1) + (1 + 1)  # case: 2 investigators; triaged tip: tri; untouched: boss
    assert created_small == 2 * per_round and created_large == 12 * per_round
    by_user = dict(session.execute(select(Reminder.user_id, func.count()).where(Reminder.rule == "due_day")
                                   .group_by(Reminder.user_id)).tuples().all())
    assert by_user == {team["inv1"].id: 12, team["inv2"].id: 12, team["tri"].id: 12, team["boss"].id: 12}


def test_generation_pages_through_every_due_clock(app, session, clock, team, monkeypatch):
    """Batches follow (due date, id): with batches of 3, eight overdue tips sharing and differing in
    due dates each get their reminders, once."""
    days = [dt.date(2026, 3, d) for d in (4, 4, 4, 3, 5, 3, 4, 2)]
    for day in days:
        tip, _ = factories.tip(session, now=clock())
        _clock(session, "filing", tip_id=tip.id).due_on = day
    session.commit()
    monkeypatch.setattr(reminders, "BATCH", 3)
    created = reminders.generate(session, at(2026, 3, 6), WorkCalendar.load(session))
    session.commit()
    # each: due_day and overdue_daily, both to the supervisor of an untriaged tip
    assert created == 2 * len(days)
    per_clock = session.execute(select(Reminder.clock_id, func.count()).group_by(Reminder.clock_id)).tuples().all()
    assert len(per_clock) == len(days) and {n for _, n in per_clock} == {2}
