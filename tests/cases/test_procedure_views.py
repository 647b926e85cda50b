"""Issue 21 on the pages: the case page shows the extension history with who approved each step
under which article, every draw, recusal applications; the tip page stops the filing clock; a draw
with too few officers is refused with the ways out."""
from __future__ import annotations

import re

import pytest

from tipline.cases import assignment, triage

from .. import factories
from ..conftest import csrf_token


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
def bureau(session, clock):
    people = {name: factories.user(session, now=clock(), username=name, role=role, division_code="410105",
                                   display_name=name.upper())
              for name, role in (("tri", "officer"), ("inv1", "officer"), ("inv2", "officer"), ("inv3", "officer"),
                                 ("inv4", "officer"),
                                 ("boss", "supervisor"), ("boss2", "supervisor"))}
    session.commit()
    return people


@pytest.fixture
def case_id(session, clock, bureau):
    tip, _ = factories.tip(session, now=clock())
    case = triage.file_case(session, now=clock(), tip=tip, actor=bureau["tri"], version=tip.version,
                            filing_number="立5号", filed_on=clock().date())
    session.commit()
    return case.id


def _post(client, case_id, **data):
    page = client.get(f"/staff/cases/{case_id}").get_data(as_text=True)
    return client.post(f"/staff/cases/{case_id}/action", data={"csrf_token": csrf_token(page),
                                                              "version": _version(page), **data},
                       follow_redirects=True)


def test_extension_history_names_approver_and_article_then_collective_decision(app, session, clock, case_id):
    boss, boss2 = _client(app, "boss"), _client(app, "boss2")
    assert _post(boss, case_id, action="extension", clock="decision", length="31", reason="案情复杂").status_code == 422
    _post(boss, case_id, action="extension", clock="decision", length="30", reason="案情复杂")
    page = boss2.get(f"/staff/cases/{case_id}").get_data(as_text=True)
    request_id = re.search(r'name="request_id" value="(\d+)"', page).group(1)
    html = _post(boss2, case_id, action="extension_decision", request_id=request_id, approve="1").get_data(as_text=True)
    history = html[html.index('data-testid="extension-history"'):html.index('data-testid="draws"')]
    assert "经负责人批准延长" in history and "+30" in history and "由 BOSS2 批准" in history
    assert "《市场监督管理行政处罚程序规定》第六十四条第一款" in history
    # A second request is refused, naming the collective decision as the only way on.
    resp = _post(boss, case_id, action="extension", clock="decision", length="5", reason="仍需时间")
    assert resp.status_code == 409 and "负责人集体讨论决定" in resp.get_data(as_text=True)
    html = _post(boss, case_id, action="collective", on="2026-03-02", participants="王局长\n李副局长\n赵副局长",
                 length="45", reason="需补充鉴定").get_data(as_text=True)
    history = html[html.index('data-testid="extension-history"'):html.index('data-testid="draws"')]
    assert "2026-03-02 负责人集体讨论决定" in history and "王局长、李副局长、赵副局长" in history
    assert "2026-06-30 → 2026-08-14" in history and "（集体讨论）" in history


def test_one_eligible_officer_is_refused_on_the_tip_page_and_the_city_pool_works(app, session, clock):
    for name in ("solo_tri", "solo"):
        factories.user(session, now=clock(), username=name, role="officer", division_code="411702")
    factories.user(session, now=clock(), username="cityofficer", role="officer", division_code="411721",
                   display_name="CITYOFFICER")
    tip, _ = factories.tip(session, now=clock(), division_code="411702")
    session.commit()
    tri = _client(app, "solo_tri")
    page = tri.get(f"/staff/tips/{tip.id}").get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "action": "file_case", "version": _version(page),
            "document": "驻市监立〔2026〕1号", "on": "2026-03-02"}
    resp = tri.post(f"/staff/tips/{tip.id}/triage", data=data, follow_redirects=True)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 409 and "不足两名" in html and "从全市执法人员中抽取" in html and "请市局指派" in html
    resp = tri.post(f"/staff/tips/{tip.id}/triage", data=data | {"widen": "y"}, follow_redirects=True)
    html = resp.get_data(as_text=True)
    assert resp.request.path.startswith("/staff/cases/")
    assert "CITYOFFICER" in re.search(r'data-testid="investigators">([^<]+)<', html).group(1)
    assert "全市范围" in html[html.index('data-testid="draws"'):]


def test_redraw_and_recusal_are_listed_with_every_draw(app, session, clock, bureau, case_id):
    first = assignment.active_investigators(session, case_id)
    session.rollback()
    boss = _client(app, "boss")
    html = _post(boss, case_id, action="redraw", officer=str(first[0]), reason_code="absence",
                 reason="病假两周").get_data(as_text=True)
    draws = html[html.index('data-testid="draws"'):html.index('data-testid="recusals"')]
    assert draws.count("随机抽取办案人员") == 2 and "办案人员已撤换" in draws and "缺勤 · 病假两周" in draws
    resp = _post(boss, case_id, action="redraw", officer=str(first[1]), reason_code="absence", reason="出差")
    assert resp.status_code == 409 and "另一名负责人" in resp.get_data(as_text=True)
    # A party's recusal application, upheld by the head: the officer leaves, a replacement is drawn.
    target = first[1]
    _post(boss, case_id, action="recusal", officer=str(target), applicant="郑州某检测技术有限公司",
          grounds="系当事人近亲属", on="2026-03-02")
    page = _client(app, "boss2").get(f"/staff/cases/{case_id}").get_data(as_text=True)
    assert "待负责人决定" in page
    app_id = re.search(r'name="application_id" value="(\d+)"', page).group(1)
    html = _post(_client(app, "boss2"), case_id, action="recusal_decision", application_id=app_id,
                 approve="1").get_data(as_text=True)
    assert "BOSS2 决定回避" in html[html.index('data-testid="recusals"'):]
    session.expire_all()
    assert target not in assignment.active_investigators(session, case_id)


def test_filing_clock_stops_and_restarts_on_the_tip_page(app, session, clock, bureau):
    tip, _ = factories.tip(session, now=clock())
    session.commit()
    tri = _client(app, "tri")
    page = tri.get(f"/staff/tips/{tip.id}").get_data(as_text=True)
    assert "立案核查期限停止计算" in page and "2026-03-23" in page
    resp = tri.post(f"/staff/tips/{tip.id}/triage", data={
        "csrf_token": csrf_token(page), "action": "stop_filing", "version": _version(page), "stop_reason": "testing",
        "on": "2026-03-02", "note": "抽样送检"}, follow_redirects=True)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "抽样送检" in html[html.index('data-testid="filing-stops"'):]
    clock.advance(days=7)  # Monday 9 March: the staff session has expired meanwhile
    tri = _client(app, "tri")
    page = tri.get(f"/staff/tips/{tip.id}").get_data(as_text=True)
    tri.post(f"/staff/tips/{tip.id}/triage", data={
        "csrf_token": csrf_token(page), "action": "resume_filing", "version": _version(page), "on": "2026-03-09"})
    html = tri.get(f"/staff/tips/{tip.id}").get_data(as_text=True)
    # Stopped on receipt day 2 Mar, resumed Mon 9 Mar: 15 working days after 9 Mar = Mon 30 Mar.
    assert "2026-03-30" in html[html.index('data-testid="clocks"'):]
