"""Every staff step in the browser, from the triage queue to a paid 600,000 yuan reward: filing with
a random draw, inspection, decision, closing, proposal, confirmation, two finance approvals, the
anonymous reporter's claim with the receipt, and the payment. Each step is done by a different
person where the four-eyes rules require it."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page

from .. import factories
from .test_case_journey import _reporter_status, _sign_in, use_language
from .test_citizen_journey import TEXT as CITIZEN_TEXT
from .test_citizen_journey import (
    approve_reward,
    claim_reward,
    confirm_reward,
    expect,
    file_case,
    flash,
    open_action,
    propose_reward,
    reward_page,
)

TEXT = {
    "zh": {**CITIZEN_TEXT["zh"],
           "inspect": "记录检查", "decide": "记录处理决定", "violation": "违法事实成立", "decided": "已作出决定",
           "close": "结案", "closed": "已办结", "given": "2 (已审批：{})",
           "four_eyes": "您已审批过此奖励：第二次审批须由另一名财务人员进行。",
           "show_claim": "查看领奖人信息", "record_payment": "登记发放", "payment_flash": "已登记发放。",
           "receipt_only": "仅凭回执码（举报人未设置领奖口令）", "no_identity": "举报时未提供可比对的身份",
           "separator": "、"},
    "en": {**CITIZEN_TEXT["en"],
           "inspect": "Record an inspection", "decide": "Record the decision", "violation": "Violation established",
           "decided": "Decided", "close": "Close the case", "closed": "Closed", "given": "2 (given: {})",
           "four_eyes": "You have already approved this reward: the second approval must come from another "
                        "member of finance.",
           "show_claim": "Show the claimant's details", "record_payment": "Record payment",
           "payment_flash": "Payment recorded.", "separator": ", ",
           "receipt_only": "Receipt code only (the reporter set no claim passphrase)",
           "no_identity": "The report gave no identity to compare"},
}
STAFF = {  # username: (role, display name)
    "tri": ("officer", "分办员"), "inv1": ("officer", "办案甲"), "inv2": ("officer", "办案乙"),
    "inv3": ("officer", "办案丙"), "boss": ("supervisor", "科长"), "boss2": ("supervisor", "副科长"),
    "fin1": ("finance", "财务甲"), "fin2": ("finance", "财务乙"),
}
FINDINGS = "原始记录缺失，样品台账空白，出具的报告无对应检测数据。"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_officer_to_paid_reward(browser, page, live_server, session, clock, artifacts, lang):
    t = TEXT[lang]
    base = live_server.url
    for username, (role, display) in STAFF.items():
        factories.user(session, now=clock(), username=username, role=role, division_code="410105",
                       display_name=display)
    tip, code = factories.tip(session, now=clock())
    session.commit()
    by_name = {display: username for username, (_role, display) in STAFF.items()}
    staff_pages: list[Page] = []

    def sign_in(username: str) -> Page:
        staff = _sign_in(browser, base, username, lang)
        staff.context.set_default_timeout(20_000)
        staff_pages.append(staff)
        return staff

    def reporter_sees() -> str:
        return _reporter_status(page, base, code)

    try:
        page.set_default_timeout(20_000)
        use_language(page, base, lang)
        assert reporter_sees() == t["status_received"]

        # 1. An officer triages the tip from the queue and files a case; two of the three other
        #    officers are drawn at random (never the one who triaged).
        officer = sign_in("tri")
        officer.get_by_role("link", name=t["queue"]).first.click()
        officer.get_by_test_id("tips-table").get_by_role("link", name=re.compile(r"T\d{4}-")).first.click()
        expect(officer.get_by_test_id("priority-parts")).to_be_visible()
        expect(officer.get_by_test_id("tip-description")).to_contain_text("水泥检验报告")
        file_case(officer, t, "豫市监金立〔2026〕7号")
        case_url = officer.url
        investigators = officer.get_by_test_id("investigators")
        expect(investigators).to_have_text(re.compile(rf"^\S+{re.escape(t['separator'])}\S+$"))
        drawn = investigators.inner_text().split(t["separator"])
        assert len(set(drawn)) == 2 and set(drawn) <= {"办案甲", "办案乙", "办案丙"}, drawn
        officer.screenshot(path=str(artifacts / "01-case-filed-draw.png"), full_page=True)
        assert reporter_sees() == t["status_filed"]

        # The officer who was not drawn may read the case but not work it.
        (left_out,) = {"办案甲", "办案乙", "办案丙"} - set(drawn)
        outsider = sign_in(by_name[left_out])
        outsider.goto(case_url)
        expect(outsider.get_by_test_id("case-state")).to_have_text(t["under_investigation"])
        expect(outsider.locator("details.action summary", has_text=t["inspect"])).to_have_count(0)

        # 2. A drawn investigator records an inspection and the decision with a 12,000,000 yuan fine.
        investigator = sign_in(by_name[drawn[0]])
        investigator.goto(case_url)
        form = open_action(investigator, t["inspect"])
        form.locator("#place").fill("郑州市金水区某路1号实验室")
        form.locator("#officers").fill("、".join(drawn))
        form.locator("#findings").fill(FINDINGS)
        form.get_by_role("button", name=t["inspect"], exact=True).click()
        expect(flash(investigator)).to_have_text(t["saved"])
        expect(investigator.locator("article.record", has_text=FINDINGS)).to_contain_text("郑州市金水区某路1号实验室")
        form = open_action(investigator, t["decide"])
        form.locator("#outcome").select_option("violation")
        form.locator("#decision_number").fill("豫市监金罚〔2026〕12号")
        form.locator("#fines").fill("12000000")
        form.locator("#legal_basis").fill("《检验检测机构监督管理办法》第二十六条")
        form.get_by_role("button", name=t["decide"], exact=True).click()
        expect(flash(investigator)).to_have_text(t["saved"])
        expect(investigator.get_by_test_id("case-state")).to_have_text(t["decided"])
        expect(investigator.get_by_test_id("outcome")).to_have_text(t["violation"])
        expect(investigator.get_by_test_id("penalty-total")).to_contain_text("12,000,000.00")
        assert reporter_sees() == t["status_decided"]

        # 3. A supervisor closes the case.
        clock.advance(days=1)
        boss = sign_in("boss")
        boss.goto(case_url)
        form = open_action(boss, t["close"])
        form.get_by_role("button", name=t["close"], exact=True).click()
        expect(flash(boss)).to_have_text(t["saved"])
        expect(boss.get_by_test_id("case-state")).to_have_text(t["closed"])
        boss.screenshot(path=str(artifacts / "02-case-closed.png"), full_page=True)
        assert reporter_sees() == t["status_concluded"]
        expect(page.get_by_test_id("reward-section")).to_have_count(0)

        # 4. The investigator proposes level 1: 5 % of 12,000,000 = 600,000.00, which needs two
        #    finance approvals; another supervisor confirms.
        investigator = sign_in(by_name[drawn[0]])
        reward_url = reward_page(investigator, base)
        propose_reward(investigator, t, "1", "600,000.00")
        expect(investigator.locator("main")).to_contain_text(t["given"].format(0))
        confirm_reward(sign_in("boss2"), t, reward_url)

        # 5. Two finance staff approve: after the first the reward still awaits finance, and the
        #    same person cannot give the second approval; only the second one notifies the reporter.
        fin1 = sign_in("fin1")
        approve_reward(fin1, t, reward_url)
        expect(fin1.get_by_test_id("reward-status")).to_have_text(t["reviewed"])
        expect(fin1.locator("main")).to_contain_text(t["given"].format(1))
        fin1.get_by_role("button", name=t["approve"], exact=True).click()
        expect(flash(fin1)).to_have_text(t["four_eyes"])
        expect(fin1.get_by_test_id("reward-status")).to_have_text(t["reviewed"])
        expect(fin1.locator("main")).to_contain_text(t["given"].format(1))
        fin1.screenshot(path=str(artifacts / "03-first-approval-four-eyes.png"), full_page=True)
        reporter_sees()
        expect(page.get_by_test_id("reward-section")).to_have_count(0)
        fin2 = sign_in("fin2")
        approve_reward(fin2, t, reward_url)
        expect(fin2.get_by_test_id("reward-status")).to_have_text(t["notified"])
        expect(fin2.locator("main")).to_contain_text(t["given"].format(2))

        # 6. The anonymous reporter claims with the receipt code alone.
        clock.advance(days=2)
        assert reporter_sees() == t["status_reward"]
        expect(page.get_by_test_id("passphrase-section")).to_be_visible()  # may still be set before claiming
        claim_reward(page, t, "600,000.00")
        page.screenshot(path=str(artifacts / "04-reporter-claimed.png"), full_page=True)

        # 7. Finance reads the claim (with a reason) and records the payment.
        fin1 = sign_in("fin1")
        fin1.goto(reward_url)
        expect(fin1.get_by_test_id("reward-status")).to_have_text(t["claimed"])
        # Before revealing anything, finance sees how the claimant was proven: an anonymous report
        # claimed with the receipt code alone (no passphrase was set in this journey).
        proof = fin1.get_by_test_id("claim-proof")
        expect(proof).to_contain_text(t["receipt_only"])
        expect(proof).to_contain_text(t["no_identity"])
        fin1.fill("#reason", "付款核对")
        fin1.get_by_role("button", name=t["show_claim"]).click()
        details = fin1.get_by_test_id("claim-details")
        expect(details).to_contain_text("王小明")
        expect(details).to_contain_text("6216610000001234567")
        expect(fin1.locator("#amount")).to_have_value("600000.00")
        # The amount box is as wide as the fields around it.
        widths = {f: fin1.locator(f).bounding_box()["width"] for f in ("#voucher_number", "#paid_on", "#amount")}
        assert abs(widths["#amount"] - widths["#voucher_number"]) < 2, widths
        fin1.fill("#voucher_number", "记账凭证2026-031")
        fin1.get_by_role("button", name=t["record_payment"], exact=True).click()
        expect(flash(fin1)).to_have_text(t["payment_flash"])
        expect(fin1.get_by_test_id("reward-status")).to_have_text(t["paid"])
        expect(fin1.get_by_test_id("payment")).to_contain_text("记账凭证2026-031")
        expect(fin1.get_by_test_id("payment")).to_contain_text("600,000.00")
        fin1.screenshot(path=str(artifacts / "05-payment-recorded.png"), full_page=True)

        # 8. The reporter's status page shows the reward as paid.
        assert reporter_sees() == t["status_concluded"]
        section = page.get_by_test_id("reward-section")
        expect(section.get_by_test_id("reward-text")).to_have_text(t["reward_paid"])
        expect(section).to_contain_text(t["amount"].format("600,000.00"))
        # Paid: nothing left to claim, so the claim passphrase is no longer offered.
        expect(page.get_by_test_id("passphrase-section")).to_have_count(0)
        page.screenshot(path=str(artifacts / "06-reporter-paid.png"), full_page=True)
    finally:
        for staff in staff_pages:
            staff.context.close()
