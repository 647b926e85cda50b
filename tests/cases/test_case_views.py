"""From the queue to a closed case through the pages, and what the reporter sees at each step."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tipline.cases.models import Case, Entity
from tipline.intake.models import Tip

from .. import factories
from ..conftest import csrf_token
from ..intake.helpers import open_status


def _client(app, username):
    c = app.test_client()
    page = c.get("/staff/login").get_data(as_text=True)
    c.post("/staff/login", data={"csrf_token": csrf_token(page), "username": username, "password": factories.PASSWORD})
    return c


def _version(html: str) -> str:
    match = re.search(r'name="version" value="(\d+)"', html)
    assert match is not None, "the page has no version field"
    return match.group(1)


@pytest.fixture
def bureau(app, session, clock):
    for name, role in (("tri", "officer"), ("inv1", "officer"), ("inv2", "officer"), ("boss", "supervisor")):
        factories.user(session, now=clock(), username=name, role=role, division_code="410105",
                       display_name=name.upper())
    session.commit()


def test_tip_to_closed_case_with_the_reporter_following(app, session, clock, bureau):
    tip, code = factories.tip(session, now=clock())
    session.commit()
    reporter = app.test_client()
    tri = _client(app, "tri")
    page = tri.get(f"/staff/tips/{tip.id}").get_data(as_text=True)
    assert "优先级" in page and 'data-testid="triage"' in page
    clocks = page[page.index('data-testid="clocks"'):]
    assert "作出是否立案决定" in clocks and "2026-03-23" in clocks  # 15 working days after 2 March
    resp = tri.post(f"/staff/tips/{tip.id}/triage", data={
        "csrf_token": csrf_token(page), "action": "file_case", "version": _version(page),
        "document": "豫市监金立〔2026〕7号", "on": "2026-03-02"}, follow_redirects=True)
    html = resp.get_data(as_text=True)
    assert resp.request.path.startswith("/staff/cases/")
    investigators = re.search(r'data-testid="investigators">([^<]+)<', html).group(1)
    assert "INV1" in investigators and "INV2" in investigators and "TRI" not in investigators
    case_id = int(resp.request.path.rsplit("/", 1)[1])
    assert "已立案" in open_status(reporter, code).get_data(as_text=True)

    # The triaging officer was not drawn, so may not record the decision.
    page = tri.get(f"/staff/cases/{case_id}").get_data(as_text=True)
    assert "记录处理决定" not in page

    inv = _client(app, "inv1")
    page = inv.get(f"/staff/cases/{case_id}").get_data(as_text=True)
    inv.post(f"/staff/cases/{case_id}/action", data={
        "csrf_token": csrf_token(page), "action": "inspection", "version": _version(page), "on": "2026-03-02",
        "place": "郑州市金水区某路1号实验室", "officers": "INV1、INV2", "findings": "原始记录缺失，样品台账空白。",
        "problems_found": "2"})
    page = inv.get(f"/staff/cases/{case_id}").get_data(as_text=True)
    assert "原始记录缺失" in page
    bad = inv.post(f"/staff/cases/{case_id}/action", data={
        "csrf_token": csrf_token(page), "action": "decide", "version": _version(page), "outcome": "violation",
        "decision_number": "", "decision_date": "2026-03-02", "fines": "abc"})
    assert bad.status_code == 422
    resp = inv.post(f"/staff/cases/{case_id}/action", data={
        "csrf_token": csrf_token(page), "action": "decide", "version": _version(page), "outcome": "violation",
        "decision_number": "豫市监金罚〔2026〕12号", "decision_date": "2026-03-02", "fines": "150000",
        "confiscated_gains": "23456.78", "measures": ["rectification_notice", "certificate_revoked"],
        "legal_basis": "《检验检测机构监督管理办法》第二十六条"}, follow_redirects=True)
    html = resp.get_data(as_text=True)
    assert "173,456.78" in html
    assert "已作出处理决定" in open_status(app.test_client(), code).get_data(as_text=True)

    boss = _client(app, "boss")
    page = boss.get(f"/staff/cases/{case_id}").get_data(as_text=True)
    resp = boss.post(f"/staff/cases/{case_id}/action", data={
        "csrf_token": csrf_token(page), "action": "close", "version": _version(page), "executed_on": "2026-03-02",
        "closed_on": "2026-03-02"}, follow_redirects=True)
    assert "已结案" in resp.get_data(as_text=True)
    assert "已办结" in open_status(app.test_client(), code).get_data(as_text=True)
    case = session.get(Case, case_id)
    assert case.state == "closed" and case.closed_on.isoformat() == "2026-03-02"
    assert session.get(Entity, case.entity_id).flagged_at is not None
    # every step is in the timeline
    timeline = boss.get(f"/staff/cases/{case_id}").get_data(as_text=True)
    for label in ("立案", "随机抽取", "检查", "处理决定", "结案"):
        assert label in timeline, label


def test_two_officers_at_once_one_gets_changed_meanwhile(app, session, clock, bureau):
    tip, _ = factories.tip(session, now=clock())
    session.commit()
    a, b = _client(app, "tri"), _client(app, "inv1")
    page_a = a.get(f"/staff/tips/{tip.id}").get_data(as_text=True)
    page_b = b.get(f"/staff/tips/{tip.id}").get_data(as_text=True)
    ok = a.post(f"/staff/tips/{tip.id}/triage", data={
        "csrf_token": csrf_token(page_a), "action": "reject", "version": _version(page_a),
        "public_reason": "不属于职责范围。", "reason": "职责"})
    assert ok.status_code == 302
    late = b.post(f"/staff/tips/{tip.id}/triage", data={
        "csrf_token": csrf_token(page_b), "action": "start_triage", "version": _version(page_b)})
    assert late.status_code == 409
    assert "其他人已修改此记录，本次操作未保存，请核对后重试。" in late.get_data(as_text=True)
    session.expire_all()
    assert session.get(Tip, tip.id).status == "not_accepted"


def test_stale_object_write_is_refused_by_the_database(app, session, clock):
    """Optimistic locking below the form check: a write from a stale copy matches no row."""
    from sqlalchemy.orm.exc import StaleDataError

    from tipline.extensions import db
    tip, _ = factories.tip(session, now=clock())
    session.commit()
    s1, s2 = db.factory(), db.factory()
    stale = s2.get(Tip, tip.id)
    s2.commit()  # s2 keeps its copy (version 1) after its transaction ends
    fresh = s1.get(Tip, tip.id)
    fresh.status = "in_triage"
    s1.commit()
    stale.status = "not_accepted"
    with pytest.raises(StaleDataError):
        s2.commit()
    s2.rollback()
    s1.close(), s2.close()


def test_other_division_gets_404_for_cases(app, session, clock, bureau):
    factories.user(session, now=clock(), username="ly", division_code="410300")
    tip, _ = factories.tip(session, now=clock())
    from tipline.cases import triage
    tri = session.scalars(select(factories_user_model()).where(factories_user_model().username == "tri")).one()
    case = triage.file_case(session, now=clock(), tip=tip, actor=tri, version=tip.version,
                            filing_number="1", filed_on=clock().date())
    session.commit()
    assert _client(app, "ly").get(f"/staff/cases/{case.id}").status_code == 404


def factories_user_model():
    from tipline.auth.models import User
    return User


def test_entity_register_lists_flagged_business_with_its_cases(app, session, clock, bureau):
    from tipline.auth.models import User
    from tipline.cases import investigation, triage
    tri = session.scalars(select(User).where(User.username == "tri")).one()
    boss = session.scalars(select(User).where(User.username == "boss")).one()
    tip, _ = factories.tip(session, now=clock(), entity_uscc="91350213678251743X", entity_name="某认证有限公司")
    case = triage.file_case(session, now=clock(), tip=tip, actor=tri, version=tip.version,
                            filing_number="1", filed_on=clock().date())
    investigation.decide(session, now=clock(), case=case, actor=boss, version=case.version,
                         outcome="violation", decision_number="罚1号", decision_date=clock().date(), fines="20000",
                         legal_basis="条例")
    session.commit()
    c = _client(app, "inv1")
    listing = c.get("/staff/entities").get_data(as_text=True)
    assert "某认证有限公司" in listing and "91350213678251743X" in listing
    page = c.get(f"/staff/entities/{case.entity_id}").get_data(as_text=True)
    assert "罚1号" in page and "20,000.00" in page and tip.reference in page
    factories.user(session, now=clock(), username="far", division_code="411700")
    session.commit()
    assert _client(app, "far").get(f"/staff/entities/{case.entity_id}").status_code == 404


def test_before_eight_in_the_morning_today_is_the_local_date(app, session, clock, bureau):
    """At 07:30 in Zhengzhou it is still yesterday in UTC: today's date must be accepted as today,
    and the dates filled in for the officer are the local day, not yesterday."""
    import datetime as dt

    from tipline.auth.models import User
    from tipline.cases import investigation, triage
    from tipline.timesource import SHANGHAI
    clock.current = dt.datetime(2026, 3, 3, 7, 30, tzinfo=SHANGHAI).astimezone(dt.timezone.utc)
    local_today = dt.date(2026, 3, 3)
    assert clock().date() == dt.date(2026, 3, 2)  # the UTC date is yesterday's
    tri = session.scalars(select(User).where(User.username == "tri")).one()
    boss = session.scalars(select(User).where(User.username == "boss")).one()
    tip, _ = factories.tip(session, now=clock())
    session.commit()

    page = _client(app, "tri").get(f"/staff/tips/{tip.id}").get_data(as_text=True)
    assert 'value="2026-03-03"' in page and 'value="2026-03-02"' not in page  # the filing date offered
    case = triage.file_case(session, now=clock(), tip=tip, actor=tri, version=tip.version,
                            filing_number="1", filed_on=local_today)
    from tipline.cases.models import Assignment
    investigator = session.get(User, session.scalars(select(Assignment.user_id).where(
        Assignment.case_id == case.id, Assignment.active.is_(True))).first())
    investigation.add_inspection(session, now=clock(), case=case, actor=investigator,
                                 inspected_on=local_today, place="实验室", officers="甲、乙", findings="记录缺失")
    investigation.decide(session, now=clock(), case=case, actor=boss, version=case.version,
                         outcome="violation", decision_number="罚1号", decision_date=local_today, fines="20000",
                         legal_basis="条例")
    investigation.close(session, now=clock(), case=case, actor=boss, version=case.version,
                        executed_on=local_today, closed_on=local_today)
    session.commit()
    assert case.state == "closed" and case.decision_date == local_today


def test_more_time_to_decide_on_filing_once_approved_by_a_supervisor(app, session, clock, bureau):
    """domain.md §3: the filing decision may be extended once, by 15 working days, with the head's approval."""
    tip, _code = factories.tip(session, now=clock())
    session.commit()
    tri = _client(app, "tri")
    page = tri.get(f"/staff/tips/{tip.id}").get_data(as_text=True)
    assert "申请延长立案决定期限（+15 个工作日，仅一次）" in page
    # No reason: the panel stays open with the error next to the field, nothing is stored.
    resp = tri.post(f"/staff/tips/{tip.id}/triage", data={
        "csrf_token": csrf_token(page), "action": "filing_extension", "version": _version(page), "reason": ""})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert 'id="filing_extension-reason-err"' in html and "<details class=\"action\" open>" in html
    resp = tri.post(f"/staff/tips/{tip.id}/triage", data={
        "csrf_token": csrf_token(page), "action": "filing_extension", "version": _version(page),
        "reason": "需要向检测机构调取原始记录"}, follow_redirects=True)
    html = resp.get_data(as_text=True)
    listed = html[html.index('data-testid="filing-extensions"'):]
    assert "需要向检测机构调取原始记录" in listed and "等待主管决定" in listed
    assert "批准" not in listed  # the requester cannot decide their own request
    assert "申请延长立案决定期限" not in html  # one open request at a time

    boss = _client(app, "boss")
    page = boss.get(f"/staff/tips/{tip.id}").get_data(as_text=True)
    request_id = re.search(r'name="request_id" value="(\d+)"', page).group(1)
    resp = boss.post(f"/staff/tips/{tip.id}/triage", data={
        "csrf_token": csrf_token(page), "action": "filing_extension_decision", "version": _version(page),
        "request_id": request_id, "approve": "1"}, follow_redirects=True)
    html = resp.get_data(as_text=True)
    clocks = html[html.index('data-testid="clocks"'):]
    # 2 March + 30 working days (Qingming: 6 April is a holiday) instead of 23 March.
    assert "2026-04-14" in clocks and "2026-03-23" not in clocks and "已延长 15" in clocks
    assert "由 BOSS 批准" in html

    # Once only: the panel is gone, and a forged request is refused with the reason.
    page = tri.get(f"/staff/tips/{tip.id}").get_data(as_text=True)
    assert "申请延长立案决定期限" not in page
    resp = tri.post(f"/staff/tips/{tip.id}/triage", data={
        "csrf_token": csrf_token(page), "action": "filing_extension", "version": _version(page),
        "reason": "再延一次"}, follow_redirects=True)
    assert "立案决定期限只能延长一次" in resp.get_data(as_text=True)
