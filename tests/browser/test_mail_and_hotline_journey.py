"""An email and a hotline call about the same matter arrive; an officer triages them in the
browser, merges the call into the mail's tip, files a case that is decided and closed, and both
reporters see the conclusion with their own receipt codes."""
from __future__ import annotations

import re
from email.message import EmailMessage

import pytest
from playwright.sync_api import expect

from .. import factories
from ..intake.hotline import call, new_token
from .test_case_journey import TEXT as CASE_TEXT
from .test_case_journey import _reporter_status, _sign_in, use_language

TEXT = {"zh": {"correct": "更正", "merge": "合并到其他线索", "merged": "已合并", "agent": "接线员"},
        "en": {"correct": "Correct category", "merge": "Merge into another tip", "merged": "Merged", "agent": "agent"}}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_mail_and_call_to_closure(browser, page, live_server, app, session, clock, artifacts, lang):
    t = {**CASE_TEXT[lang], **TEXT[lang]}
    from tipline.intake.email.importer import commit_or_discard, ingest
    base = live_server.url
    use_language(page, base, lang)
    for name, role, div in (("prov", "officer", "410000"), ("inv1", "officer", "410105"), ("inv2", "officer", "410105"),
                            ("boss", "supervisor", "410105")):
        factories.user(session, now=clock(), username=name, role=role, division_code=div, display_name=name)
    session.commit()

    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "citizen@example.cn", "jubao@example.gov.cn", "举报：超市销售过期牛奶"
    msg["Message-ID"] = "<journey-1@example.cn>"
    msg.set_content("金水路惠民生鲜超市销售过期三个月的牛奶，货架上还有很多，请尽快查处。")
    settings = app.config["TIPLINE"]
    result = ingest(session, clock(), msg.as_bytes(), mailbox="INBOX", uidvalidity=1, uid=1,
                    store=app.extensions["evidence_store"], settings=settings,
                    known_division=lambda c: c in app.extensions["divisions"])
    commit_or_discard(session, result, app.extensions["evidence_store"])
    mail_code = result.receipt_code
    client = app.test_client()
    resp = client.post("/api/v1/hotline/calls", json=call(), headers={"Authorization": f"Bearer {new_token(app)}"})
    assert resp.status_code == 201
    call_code = resp.get_json()["receipt_code"].replace(" ", "")
    call_ref = resp.get_json()["tip_reference"]

    officer = _sign_in(browser, base, "prov", lang)
    officer.goto(base + "/staff/tips?channel=email")
    officer.get_by_role("link", name=re.compile(r"T\d{4}-")).first.click()
    expect(officer.get_by_test_id("tip-description")).to_contain_text("过期三个月的牛奶")
    officer.locator("details.action", has_text=t["correct"]).locator("summary").click()
    officer.select_option("#update_details-category_code", "other.food")
    officer.fill("#update_details-entity_name", "惠民生鲜超市")
    officer.select_option("#update_details-division_code", "410105")
    officer.locator("details.action[open] button[type=submit]").click()
    mail_tip_url = officer.url
    mail_ref = re.search(r"T\d{4}-\d{6}", officer.locator("h1").inner_text()).group(0)

    officer.goto(base + "/staff/tips?channel=hotline")
    officer.get_by_role("link", name=call_ref).click()
    expect(officer.locator("main")).to_contain_text(t["agent"])  # the transcript as a dialogue
    officer.locator("details.action summary", has_text=t["merge"]).click()
    officer.fill("#merge-target", mail_ref)
    officer.fill("#merge-reason", "同一事项")
    officer.locator("details.action[open] button[type=submit]").click()
    expect(officer.get_by_test_id("tip-status")).to_contain_text(t["merged"])

    officer.goto(mail_tip_url)
    officer.locator("details.action", has_text=t["file"]).locator("summary").click()
    officer.fill("#file_case-document", "郑金市监立〔2026〕21号")
    officer.locator("details.action[open] button[type=submit]").click()
    expect(officer.get_by_test_id("investigators")).to_contain_text("inv1")
    case_url = officer.url

    inv = _sign_in(browser, base, "inv1", lang)
    inv.goto(case_url)
    inv.locator("details.action", has_text=t["decide"]).locator("summary").click()
    inv.select_option("#outcome", "violation")
    inv.fill("#decision_number", "郑金市监罚〔2026〕55号")
    inv.fill("#fines", "50000")
    inv.fill("#legal_basis", "《中华人民共和国食品安全法》第一百二十四条")
    inv.locator("details.action[open] button[type=submit]").click()
    boss = _sign_in(browser, base, "boss", lang)
    boss.goto(case_url)
    boss.locator("details.action", has_text=t["close"]).first.locator("summary").click()
    boss.locator("details.action[open] button[type=submit]").click()
    expect(boss.get_by_test_id("case-state")).to_have_text(t["closed"])
    boss.screenshot(path=str(artifacts / "case.png"), full_page=True)

    for code in (mail_code, call_code):
        assert t["concluded"] in _reporter_status(page, base, code)
    page.screenshot(path=str(artifacts / "caller-status.png"), full_page=True)
