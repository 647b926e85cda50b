"""An officer takes a tip from the queue to a closed case; the reporter sees each step."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .. import factories

TEXT = {
    "zh": {"queue": "待分办线索", "file": "受理并立案", "inspect": "记录检查", "decide": "记录处理决定",
           "violation": "违法事实成立", "close": "结案", "closed": "已办结", "draw": "随机抽取办案人员",
           "received": "已收到", "filed": "已立案", "decided": "已作出", "concluded": "已办结"},
    "en": {"queue": "Triage queue", "file": "Accept and file a case", "inspect": "Record an inspection",
           "decide": "Record the decision", "violation": "Violation established", "close": "Close the case",
           "closed": "Closed", "draw": "Investigators drawn at random", "received": "Received",
           "filed": "A case has been filed", "decided": "The case has been decided", "concluded": "Concluded"},
}


def use_language(page: Page, base: str, lang: str) -> None:
    """The language switch sets this cookie; setting it directly keeps the journeys short."""
    page.context.add_cookies([{"name": "tipline_lang", "value": lang, "url": base}])


def _sign_in(browser, base: str, username: str, lang: str = "zh") -> Page:
    page = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    page.set_default_timeout(10_000)
    use_language(page, base, lang)
    page.goto(base + "/staff/login")
    page.fill("#username", username)
    page.fill("#password", factories.PASSWORD)
    page.locator("main button[type=submit]").click()
    return page


def _reporter_status(page: Page, base: str, code: str) -> str:
    page.goto(base + "/status")
    page.fill("#receipt", code)
    page.locator("main form button[type=submit]").click()
    return page.get_by_test_id("status-text").inner_text()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_officer_to_closed_case(browser, page, live_server, session, clock, artifacts, lang):
    base = live_server.url
    t = TEXT[lang]
    use_language(page, base, lang)
    for name, role in (("tri", "officer"), ("inv1", "officer"), ("inv2", "officer"), ("boss", "supervisor")):
        factories.user(session, now=clock(), username=name, role=role, division_code="410105",
                       display_name={"tri": "分办员", "inv1": "办案甲", "inv2": "办案乙", "boss": "科长"}[name])
    tip, code = factories.tip(session, now=clock())
    session.commit()
    assert t["received"] in _reporter_status(page, base, code)

    officer = _sign_in(browser, base, "tri", lang)
    officer.get_by_role("link", name=t["queue"]).first.click()
    officer.get_by_role("link", name=re.compile(r"T\d{4}-")).first.click()
    expect(officer.get_by_test_id("priority-parts")).to_be_visible()
    officer.locator("details.action", has_text=t["file"]).locator("summary").click()
    officer.fill("#file_case-document", "豫市监金立〔2026〕7号")
    officer.locator("details.action[open] button[type=submit]").click()
    expect(officer.get_by_test_id("investigators")).to_contain_text("办案甲")
    expect(officer.get_by_test_id("investigators")).to_contain_text("办案乙")
    case_url = officer.url
    officer.screenshot(path=str(artifacts / "case-filed.png"), full_page=True)
    assert t["filed"] in _reporter_status(page, base, code)

    inv = _sign_in(browser, base, "inv1", lang)
    inv.goto(case_url)
    inv.locator("details.action", has_text=t["inspect"]).locator("summary").click()
    inv.fill("#place", "郑州市金水区某路1号实验室")
    inv.fill("#officers", "办案甲、办案乙")
    inv.fill("#findings", "原始记录缺失，样品台账空白。")
    inv.locator("details.action[open] button[type=submit]").click()
    expect(inv.locator("main")).to_contain_text("原始记录缺失")
    inv.locator("details.action", has_text=t["decide"]).locator("summary").click()
    inv.select_option("#outcome", "violation")
    inv.fill("#decision_number", "豫市监金罚〔2026〕12号")
    inv.fill("#fines", "150000")
    inv.fill("#legal_basis", "《检验检测机构监督管理办法》第二十六条")
    inv.locator("details.action[open] button[type=submit]").click()
    expect(inv.get_by_test_id("outcome")).to_contain_text(t["violation"])
    expect(inv.get_by_test_id("penalty-total")).to_contain_text("150,000.00")
    assert t["decided"] in _reporter_status(page, base, code)

    boss = _sign_in(browser, base, "boss", lang)
    boss.goto(case_url)
    boss.locator("details.action", has_text=t["close"]).first.locator("summary").click()
    boss.locator("details.action[open] button[type=submit]").click()
    expect(boss.get_by_test_id("case-state")).to_have_text(t["closed"])
    expect(boss.get_by_test_id("timeline")).to_contain_text(t["draw"])
    boss.screenshot(path=str(artifacts / "case-closed.png"), full_page=True)
    assert t["concluded"] in _reporter_status(page, base, code)
    page.screenshot(path=str(artifacts / "reporter-concluded.png"), full_page=True)
