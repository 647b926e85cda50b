"""The complaint track's clocks: versions by date, acceptance, testing stops, expiry, and the sweep."""
from __future__ import annotations

import datetime as dt
import re
import secrets

import pytest
from sqlalchemy import func, select

from tipline.calendar.services import WorkCalendar
from tipline.cases import complaints, triage
from tipline.cases.complaint_models import Complaint
from tipline.cases.deadlines import clocks, reminders
from tipline.cases.deadlines.models import Clock, Notice, Reminder
from tipline.errors import ValidationFailed
from tipline.intake.models import Tip

from .. import factories

SH = dt.timezone(dt.timedelta(hours=8))


def at(y, m, d, h=9):
    return dt.datetime(y, m, d, h, 0, tzinfo=SH).astimezone(dt.timezone.utc)


@pytest.fixture
def team(session, clock):
    people = {n: factories.user(session, now=clock(), username=n, role=r, division_code="410105",
                                email=f"{n}@scjg.example.cn")
              for n, r in (("tri", "officer"), ("boss", "supervisor"))}
    session.commit()
    return people


@pytest.fixture
def settings(app, smtp_sink):
    return app.config["TIPLINE"].__class__(**{**app.config["TIPLINE"].__dict__, "mail_port": smtp_sink.port})


def _clock(session, kind, tip):
    return session.scalars(select(Clock).where(Clock.kind == kind, Clock.tip_id == tip.id)
                           .order_by(Clock.id.desc())).first()


def _complaint(session, clock, when):
    clock.current = when
    tip, _ = factories.tip(session, now=clock(), kind="complaint", reporter_name="投诉人")
    session.commit()
    return tip


def _accept(session, clock, team, tip, on):
    clock.current = at(on.year, on.month, on.day)
    complaints.accept(session, now=clock(), tip=tip, actor=team["tri"], version=tip.version, on=on)
    session.commit()


def test_a_complaint_before_2026_04_15_keeps_the_2019_clock_and_one_after_uses_the_new_one(session, clock, team):
    old = _complaint(session, clock, at(2026, 4, 10))
    new = _complaint(session, clock, at(2026, 4, 20))
    old_clock, new_clock = _clock(session, "complaint_acceptance", old), _clock(session, "complaint_acceptance", new)
    assert old_clock.rule_from == dt.date(2021, 12, 1) and old_clock.due_on == dt.date(2026, 4, 21)
    assert new_clock.rule_from == dt.date(2026, 4, 15) and new_clock.due_on == dt.date(2026, 4, 29)
    assert clocks.basis_of("complaint_acceptance", old_clock.rule_from) == "Order 20 Art. 14"
    assert clocks.basis_of("complaint_acceptance", new_clock.rule_from) == "unconfirmed"
    _accept(session, clock, team, old, dt.date(2026, 4, 14))
    _accept(session, clock, team, new, dt.date(2026, 4, 20))
    assert _clock(session, "mediation", old).rule_from == dt.date(2021, 12, 1)
    assert _clock(session, "mediation", new).rule_from == dt.date(2026, 4, 15)
    # A later table change does not move a running clock: it remembers its rule version.
    assert session.scalar(select(func.count(Clock.id)).where(Clock.kind == "mediation")) == 2


def test_every_2026_rule_names_its_article_or_says_unconfirmed():
    versions = {v["effective_from"]: v for v in clocks.shipped()["versions"]}
    assert "2026-04-15" in versions
    for version in versions.values():
        for kind, rule in version["clocks"].items():
            assert rule["basis"] == "unconfirmed" or "Art." in rule["basis"], kind
            assert kind in clocks.KINDS


def test_acceptance_stops_the_acceptance_clock_and_starts_mediation(session, clock, team, settings):
    tip = _complaint(session, clock, at(2026, 6, 1))
    acceptance = _clock(session, "complaint_acceptance", tip)
    assert acceptance.state == "running" and acceptance.due_on == dt.date(2026, 6, 10)
    _accept(session, clock, team, tip, dt.date(2026, 6, 3))
    assert acceptance.state == "done" and acceptance.met is True and acceptance.done_on == dt.date(2026, 6, 3)
    mediation = _clock(session, "mediation", tip)
    assert mediation.state == "running" and mediation.start_on == dt.date(2026, 6, 3)
    assert tip.status == "mediation"
    # Past the acceptance clock's due date: nobody is reminded of a decision already made.
    reminders.sweep(session, at(2026, 6, 12), settings)
    assert session.scalar(select(func.count(Reminder.id)).where(Reminder.clock_id == acceptance.id)) == 0


def test_a_testing_period_stops_the_mediation_clock(session, clock, team):
    tip = _complaint(session, clock, at(2026, 6, 1))
    _accept(session, clock, team, tip, dt.date(2026, 6, 1))
    mediation = _clock(session, "mediation", tip)
    assert mediation.due_on == dt.date(2026, 8, 4)  # 45 working days (Dragon Boat Fri 19 Jun skipped)
    clock.current = at(2026, 6, 10)
    complaints.stop_mediation(session, now=clock(), tip=tip, actor=team["tri"], version=tip.version,
                              reason="testing", note="送检", on=dt.date(2026, 6, 10))
    session.commit()
    assert tip.status == "mediation_stopped" and mediation.state == "stopped" and mediation.due_on is None
    clock.current = at(2026, 6, 24)
    complaints.resume_mediation(session, now=clock(), tip=tip, actor=team["tri"], version=tip.version,
                                on=dt.date(2026, 6, 24))
    session.commit()
    # 7 working days used (2-10 Jun: the stop day still counts and the resume day does not, as for every
    # stopped clock in tipline/cases/deadlines/arithmetic.py, Art. 80), 38 left after 24 Jun.
    assert tip.status == "mediation" and mediation.state == "running" and mediation.due_on == dt.date(2026, 8, 17)


def test_an_expired_mediation_ends_the_complaint_and_reminds_once(session, clock, team, settings, smtp_sink):
    tip = _complaint(session, clock, at(2026, 6, 1))
    _accept(session, clock, team, tip, dt.date(2026, 6, 1))
    mediation = _clock(session, "mediation", tip)
    assert mediation.due_on == dt.date(2026, 8, 4)
    day = dt.date(2026, 7, 27)
    while day <= dt.date(2026, 8, 14):  # the scheduler runs every day for three weeks
        reminders.sweep(session, at(day.year, day.month, day.day), settings)
        day += dt.timedelta(days=1)
    session.expire_all()
    assert tip.status == "complaint_ended"
    row = session.scalars(select(Complaint).where(Complaint.tip_id == tip.id)).one()
    assert row.outcome == "expired" and row.ended_on == dt.date(2026, 8, 5)
    assert mediation.state == "done" and mediation.met is False
    rules = sorted(r.rule for r in session.scalars(select(Reminder).where(Reminder.clock_id == mediation.id)))
    assert rules == ["before_3", "due_day"]  # never an overdue escalation a day
    expired = session.scalars(select(Notice).where(Notice.kind == "mediation_expired")).all()
    assert [n.user_id for n in expired] == [team["tri"].id]


def _bulk_complaints(session, n, when):
    cal = WorkCalendar.load(session)
    tips = [Tip(channel="web", kind="complaint", category_code="test.false_report", entity_name=f"商户{i}",
                division_code="410105", description="买到的电饭煲无法使用，商家拒绝退换。", status="received",
                status_changed_at=when, received_at=when, receipt_hash=secrets.token_hex(32))
            for i in range(n)]
    session.add_all(tips)
    session.flush()
    for tip in tips:
        clocks.start(session, kind="complaint_acceptance", on=clocks.local_date(when), division_code="410105",
                     now=when, cal=cal, tip_id=tip.id)
    session.commit()
    return tips


def test_the_sweep_over_a_thousand_open_complaints_reminds_nobody_of_ended_ones(session, clock, team, settings):
    clock.current = at(2026, 6, 1)
    tips = _bulk_complaints(session, 1000, clock())
    for tip in tips:
        tip.triaged_by_id = team["tri"].id
    session.commit()
    officer = team["tri"]
    refused, agreed, withdrawn = tips[0], tips[1], tips[2]
    complaints.not_accept(session, now=clock(), tip=refused, actor=officer, version=refused.version,
                          ground="not_consumer", notice="您购买商品并非用于生活消费，不属于投诉受理范围。")
    for tip, outcome in ((agreed, "agreement"), (withdrawn, "withdrawn")):
        complaints.accept(session, now=clock(), tip=tip, actor=officer, version=tip.version)
        complaints.end_mediation(session, now=clock(), tip=tip, actor=officer, version=tip.version,
                                 outcome=outcome, terms="商家退款 299 元")
    session.commit()
    ended = {t.id for t in (refused, agreed, withdrawn)}
    # Every acceptance clock (due 10 June) is overdue on the 15th; the ended complaints' are not there.
    result = reminders.sweep(session, at(2026, 6, 15), settings)
    assert result.created > 0
    reminded = set(session.scalars(select(Clock.tip_id).join(Reminder, Reminder.clock_id == Clock.id)))
    assert len(reminded) == 997 and not (reminded & ended)
    assert session.scalar(select(func.count(Clock.id)).where(Clock.tip_id.in_(ended), Clock.state != "done")) == 0


def test_endings_and_their_grounds_are_checked(session, clock, team):
    tip = _complaint(session, clock, at(2026, 6, 1))
    with pytest.raises(ValidationFailed) as info:
        complaints.not_accept(session, now=clock(), tip=tip, actor=team["tri"], version=tip.version,
                              ground="because", notice="")
    assert info.value.details["fields"] == {"ground": "invalid"}
    _accept(session, clock, team, tip, dt.date(2026, 6, 1))
    with pytest.raises(ValidationFailed) as info:
        complaints.record_session(session, now=clock(), tip=tip, actor=team["tri"], version=None,
                                  held_on=dt.date(2026, 6, 1), form="delegated", positions="双方各执一词")
    assert info.value.details["fields"] == {"mediator": "required"}
    with pytest.raises(ValidationFailed) as info:
        complaints.end_mediation(session, now=clock(), tip=tip, actor=team["tri"], version=None,
                                 outcome="agreement")
    assert info.value.details["fields"] == {"terms": "required"}
    with pytest.raises(ValidationFailed) as info:
        complaints.end_mediation(session, now=clock(), tip=tip, actor=team["tri"], version=None,
                                 outcome="terminated", termination_ground="bored")
    assert info.value.details["fields"] == {"termination_ground": "invalid"}


def test_a_complaint_revealing_a_violation_becomes_a_lead_and_goes_on(session, clock, team):
    tip = _complaint(session, clock, at(2026, 6, 1))
    _accept(session, clock, team, tip, dt.date(2026, 6, 1))
    lead = complaints.refer_violation(session, now=clock(), tip=tip, actor=team["tri"],
                                      version=tip.version, reason="涉嫌销售不合格产品")
    session.commit()
    assert lead.status == "in_triage" and lead.kind == "report" and lead.split_from_id == tip.id
    assert _clock(session, "filing", lead).state == "running"
    assert tip.status == "mediation" and _clock(session, "mediation", tip).state == "running"


def test_follow_up_after_the_complaint_is_handled(session, clock, team):
    tip = _complaint(session, clock, at(2026, 6, 1))
    _accept(session, clock, team, tip, dt.date(2026, 6, 1))
    complaints.end_mediation(session, now=clock(), tip=tip, actor=team["tri"], version=tip.version,
                             outcome="agreement", terms="退货退款")
    clock.current = at(2026, 6, 8)
    row = complaints.record_follow_up(session, now=clock(), tip=tip, actor=team["tri"],
                                      version=tip.version, result="satisfied")
    session.commit()
    assert row.follow_up_result == "satisfied" and row.follow_up_on == dt.date(2026, 6, 8)


def test_every_ending_of_a_real_name_report_starts_the_notice_clock(session, clock, team):
    endings = {
        "reject": lambda t: triage.reject(session, now=clock(), tip=t, actor=team["tri"],
                                          version=t.version, reason="不属实", public_reason="经核查，不予立案。"),
        "transfer_department": lambda t: triage.transfer_department(
            session, now=clock(), tip=t, actor=team["tri"], version=t.version, reason="住建部门管辖",
            department="construction"),
        "repeat": lambda t: triage.mark_repeat(session, now=clock(), tip=t, original=first, actor=team["tri"],
                                               version=t.version,
                                               reason="重复举报", merge=False, public_reason="您已举报过此事。"),
    }
    first, _ = factories.tip(session, now=clock(), reporter_name="实名举报人")
    for name, end in endings.items():
        tip, _ = factories.tip(session, now=clock(), reporter_name="实名举报人")
        end(tip)
        session.commit()
        notice = _clock(session, "notify_reporter", tip)
        assert notice is not None and notice.state == "running", name
    anonymous, _ = factories.tip(session, now=clock())
    triage.mark_repeat(session, now=clock(), tip=anonymous, original=first, actor=team["tri"],
                       version=anonymous.version, reason="重复", merge=True)
    session.commit()
    assert anonymous.status == "repeat" and anonymous.merged_into_id == first.id
    assert _clock(session, "notify_reporter", anonymous) is None



def test_db_upgrade_adds_the_2026_version_to_a_database_seeded_before(app_settings, tmp_path):
    """A bureau that ran `tipline db upgrade` before this version shipped gets it on its next upgrade."""
    from sqlalchemy import create_engine, text

    from tipline import create_app
    url = app_settings["database_url"]
    if url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'seeded.db'}"
    fresh = create_app(dict(app_settings, database_url=url))
    runner = fresh.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    engine = create_engine(url)
    with engine.begin() as conn:  # as the table was before this version shipped
        conn.execute(text("DELETE FROM deadline_rule WHERE effective_from = :d"), {"d": dt.date(2026, 4, 15)})
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0 and "deadline rules added: 3" in result.output, result.output
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT clock, length, unit FROM deadline_rule WHERE effective_from = :d "
                                 "ORDER BY clock"), {"d": dt.date(2026, 4, 15)}).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [("complaint_acceptance", 7, "workdays"), ("mediation", 45, "workdays"),
                                        ("notify_reporter", 5, "workdays")]


def test_admins_see_each_rules_basis(app, session, clock, make_user):
    from ..conftest import csrf_token
    make_user(username="root", role="admin", division_code="410000")
    c = app.test_client()
    page = c.get("/staff/login").get_data(as_text=True)
    c.post("/staff/login", data={"csrf_token": csrf_token(page), "username": "root", "password": factories.PASSWORD})
    html = c.get("/staff/admin/deadlines").get_data(as_text=True)
    rows = re.findall(r"<tr><td>([^<]+)</td><td>([\d-]+)</td>.*?data-testid=\"basis\">([^<]+)</td>", html)
    assert ("作出是否受理投诉决定", "2021-12-01", "Order 20 Art. 14") in [(a, b, c.strip()) for a, b, c in rows]
    assert ("投诉调解", "2026-04-15", "未经核实") in [(a, b, c.strip()) for a, b, c in rows]


def test_marking_a_submitted_complaint_as_complaint_keeps_its_one_acceptance_clock(session, clock, team):
    tip = _complaint(session, clock, at(2026, 6, 1))
    triage.mark_complaint(session, now=at(2026, 6, 2), tip=tip, actor=team["tri"],
                          version=tip.version, reason="消费纠纷")
    session.commit()
    kinds = session.scalars(select(Clock.kind).where(Clock.tip_id == tip.id)).all()
    assert kinds == ["complaint_acceptance"]
    _accept(session, clock, team, tip, dt.date(2026, 6, 3))
    assert tip.status == "mediation"
