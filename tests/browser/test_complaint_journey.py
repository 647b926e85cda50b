"""A citizen's complaint in a real browser (JavaScript off): accepted, mediated twice, agreed; and a
second complaint not accepted, with its ground. The complainant sees each step on the status page."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .. import factories
from .test_case_journey import _sign_in
from .test_login_journey import choose_language

TEXT = {
    "zh": {"send": "提交举报", "accept": "受理投诉", "session": "记录一次调解", "end": "结束调解",
           "not_accept": "不予受理投诉", "accepted": "您的投诉已受理，正在调解中。", "phone": "电话调解",
           "in_person": "现场调解", "agreement": "达成调解协议", "ended": "您的投诉调解已结束",
           "refused": "您的投诉不予受理", "ground": "已超过三年"},
    "en": {"send": "Send report", "accept": "Accept the complaint", "session": "Record a mediation session",
           "end": "End mediation", "not_accept": "Do not accept the complaint",
           "accepted": "Your complaint was accepted and is being mediated.", "phone": "By phone",
           "in_person": "In person", "agreement": "Agreement reached", "ended": "Mediation of your complaint has ended",
           "refused": "Your complaint was not accepted", "ground": "More than three years have passed"},
}


def _file_complaint(page: Page, base: str, lang: str) -> str:
    page.goto(base + "/report")
    choose_language(page, lang)
    page.locator("input[name=kind][value=complaint]").check()
    page.select_option("#category_code", "test.false_report")
    page.fill("#entity_name", "郑州某家电商城")
    page.select_option("#division_code", "410105")
    page.fill("#description", "在该商城购买的电饭煲使用三天后无法加热，商城拒绝退换，我要求退货退款。")
    page.locator("input[name=knowledge][value=customer]").check()
    question = page.locator("#challenge_answer-hint").inner_text()
    a, b = map(int, re.findall(r"\d+", question)[:2])
    page.fill("#challenge_answer", str(a + b))
    page.get_by_role("button", name=TEXT[lang]["send"]).click()
    code_el = page.get_by_test_id("receipt-code")
    expect(code_el).to_be_visible()
    return code_el.inner_text().replace(" ", "")


def _status(page: Page, base: str, code: str) -> str:
    page.goto(base + "/status")
    page.fill("#receipt", code)
    page.locator("main form button[type=submit]").click()
    return page.locator("main").inner_text()


def _act(officer: Page, title: str, fill: dict | None = None, select: dict | None = None) -> None:
    officer.locator("details.action > summary").get_by_text(title, exact=True).click()
    for sel, value in (select or {}).items():
        officer.select_option(sel, value)
    for sel, value in (fill or {}).items():
        officer.fill(sel, value)
    officer.locator("details.action[open] button[type=submit]").click()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_complaint_accepted_mediated_and_agreed_then_one_not_accepted(browser, phone_page, live_server, session,
                                                                      clock, artifacts, lang):
    base, t = live_server.url, TEXT[lang]
    factories.user(session, now=clock(), username="tri", role="officer", division_code="410105")
    session.commit()
    code = _file_complaint(phone_page, base, lang)

    officer = _sign_in(browser, base, "tri", lang)
    officer.goto(base + "/staff/tips")
    officer.get_by_role("link", name=re.compile(r"T\d{4}-")).first.click()
    expect(officer.get_by_test_id("complaint")).to_be_visible()
    _act(officer, t["accept"])
    expect(officer.get_by_test_id("complaint-accepted")).to_have_text("2026-03-02")
    assert t["accepted"] in _status(phone_page, base, code)

    _act(officer, t["session"], select={"#record_session-mode": "phone"},
         fill={"#record_session-positions": "消费者要求退货退款；商城要求先检测。"})
    expect(officer.get_by_test_id("mediation-sessions").locator("li")).to_have_count(1)
    assert t["phone"] in _status(phone_page, base, code)
    expect(phone_page.get_by_test_id("step-session")).to_have_count(1)

    _act(officer, t["session"], select={"#record_session-mode": "in_person"},
         fill={"#record_session-positions": "商城同意退款 299 元。"})
    expect(officer.get_by_test_id("mediation-sessions").locator("li")).to_have_count(2)
    assert t["in_person"] in _status(phone_page, base, code)
    expect(phone_page.get_by_test_id("step-session")).to_have_count(2)

    _act(officer, t["end"], select={"#end_mediation-outcome": "agreement"},
         fill={"#end_mediation-terms": "商城于三日内退款 299 元。"})
    expect(officer.get_by_test_id("complaint-outcome")).to_contain_text(t["agreement"])
    text = _status(phone_page, base, code)
    assert t["ended"] in text and t["agreement"] in text and "商城于三日内退款 299 元。" in text
    phone_page.screenshot(path=str(artifacts / "complaint-agreed.png"), full_page=True)

    # A second complaint: not accepted, and the complainant reads the legal ground.
    second, second_code = factories.tip(session, now=clock(), kind="complaint", entity_name="郑州某五金批发部")
    session.commit()
    officer.goto(f"{base}/staff/tips/{second.id}")
    _act(officer, t["not_accept"], select={"#not_accept-ground": "time_barred"},
         fill={"#not_accept-notice": "您知道权益受损已超过三年，依法不予受理。"})
    expect(officer.get_by_test_id("complaint-ground")).to_be_visible()
    text = _status(phone_page, base, second_code)
    assert t["refused"] in text and t["ground"] in text and "依法不予受理" in text
    phone_page.screenshot(path=str(artifacts / "complaint-not-accepted.png"), full_page=True)
    officer.context.close()
