"""A 600,000 yuan reward: proposed, confirmed, approved by two finance staff, claimed by an anonymous
reporter with nothing but the receipt, and paid."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .. import factories
from .test_case_journey import _reporter_status, _sign_in, use_language

TEXT = {"zh": {"awaiting": "等待领取", "received": "已收到", "paid": "已发放"},
        "en": {"awaiting": "awaiting claim", "received": "We have received your claim", "paid": "has been paid"}}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_anonymous_claim_from_receipt_to_paid(browser, page, live_server, session, clock, artifacts, lang):
    t = TEXT[lang]
    from tipline.cases import investigation, triage
    base = live_server.url
    use_language(page, base, lang)
    people = {n: factories.user(session, now=clock(), username=n, role=r, division_code="410105", display_name=n)
              for n, r in (("tri", "officer"), ("inv1", "officer"), ("inv2", "officer"), ("boss", "supervisor"),
                           ("boss2", "supervisor"), ("fin1", "finance"), ("fin2", "finance"))}
    tip, code = factories.tip(session, now=clock())
    case = triage.file_case(session, now=clock(), tip=tip, actor=people["tri"], version=tip.version,
                            filing_number="立7号", filed_on=clock().date())
    investigation.decide(session, now=clock(), case=case, actor=people["boss"], version=case.version,
                         outcome="violation", decision_number="罚12号", decision_date=clock().date(),
                         fines="12000000", legal_basis="条例")
    investigation.close(session, now=clock(), case=case, actor=people["boss"], version=case.version,
                        executed_on=clock().date(), closed_on=clock().date())
    session.commit()

    officer = _sign_in(browser, base, "inv1", lang)
    officer.goto(base + "/staff/rewards/")
    officer.get_by_test_id("queue-review").get_by_role("link").first.click()
    reward_url = officer.url
    officer.select_option("#level", "1")
    officer.locator("form[action$='/propose'] button[type=submit]").click()
    expect(officer.get_by_test_id("reward-amount")).to_have_text("600,000.00")

    boss = _sign_in(browser, base, "boss2", lang)
    boss.goto(reward_url)
    boss.locator("form[action$='/decide'] input[value=review] ~ button").click()
    for name in ("fin1", "fin2"):
        fin = _sign_in(browser, base, name, lang)
        fin.goto(reward_url)
        fin.locator("form[action$='/decide']:has(input[value=approve]) button").click()
    expect(fin.get_by_test_id("reward-status")).to_contain_text(t["awaiting"])
    fin.screenshot(path=str(artifacts / "approved.png"), full_page=True)

    # The anonymous reporter, with the receipt only.
    _reporter_status(page, base, code)
    expect(page.get_by_test_id("reward-section")).to_contain_text("600,000.00")
    page.fill("#name", "王小明")
    page.fill("#id_number", "11010519491231002X")
    page.fill("#bank", "中国银行郑州分行")
    page.fill("#account_number", "6216610000001234567")
    page.fill("#account_holder", "李四")  # not their own name: refused, beside the field
    page.locator("form[action$='/status/reward/claim'] button").click()
    expect(page.locator(".field", has=page.locator("#account_holder")).locator(".error")).to_be_visible()
    expect(page.locator("#name")).to_have_value("王小明")
    page.fill("#account_number", "6216610000001234567")
    page.fill("#account_holder", "王小明")
    page.locator("form[action$='/status/reward/claim'] button").click()
    expect(page.get_by_test_id("reward-text")).to_contain_text(t["received"])

    fin.goto(reward_url)
    fin.fill("#reason", "付款核对")
    fin.locator("form[action$='/claim-details'] button").click()
    expect(fin.get_by_test_id("claim-details")).to_contain_text("6216610000001234567")
    fin.fill("#voucher_number", "记账凭证2026-031")
    fin.locator("form[action$='/payment'] button").click()
    expect(fin.get_by_test_id("payment")).to_contain_text("600,000.00")
    _reporter_status(page, base, code)
    expect(page.get_by_test_id("reward-text")).to_contain_text(t["paid"])
    page.screenshot(path=str(artifacts / "reporter-paid.png"), full_page=True)
