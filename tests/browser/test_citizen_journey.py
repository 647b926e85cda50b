"""One citizen, start to finish, in a real browser: an anonymous report with a photo, the receipt,
a question from the officer and the answer, a case filed, decided and closed, and a reward claimed
with nothing but the receipt code."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Expect, Page
from sqlalchemy import select

from .. import factories
from .test_case_journey import _reporter_status, _sign_in
from .test_intake_journey import _fill_report, _photo
from .test_login_journey import choose_language

# The machine may be busy (two cores, benchmarks alongside): wait longer than Playwright's 5 s
# before an assertion fails. A module-local instance leaves the global `expect` untouched.
expect = Expect()
expect.set_options(timeout=20_000)

# What the user reads, per language (Chinese from tipline/translations/zh/LC_MESSAGES/messages.po).
TEXT = {
    "zh": {
        "send": "提交举报", "receipt_heading": "您的举报已收到", "saved_code": "我已保存回执码",
        "open": "查看我的举报",
        "status_received": "已收到。您的举报正在等待审核。",
        "status_filed": "已立案，正在调查。",
        "status_decided": "案件已作出处理决定。",
        "status_concluded": "已办结。",
        "status_reward": "已办结。您可以领取奖励，领取方法见下方说明。",
        "queue": "待分办线索", "send_to_reporter": "发送给举报人", "message_sent": "留言已发送给举报人。",
        "officer_label": "办理您举报的工作人员", "you": "您", "reporter_label": "举报人",
        "reply": "发送留言", "reply_sent": "您的留言已发送。",
        "file": "受理并立案", "saved": "已保存。", "under_investigation": "调查中", "draw": "随机抽取办案人员",
        "natural_person": "举报人为自然人", "unknown_to_regulator": "市场监管部门事先未掌握该事项", "yes": "是",
        "propose": "提出建议", "confirm": "确认奖励等级和金额", "approve": "批准",
        "proposed": "已提出建议，待审核负责人审核", "reviewed": "已审核，待财务人员审批",
        "notified": "已告知举报人，等待领取", "claimed": "已申请领取，等待发放", "paid": "已发放",
        "reward_granted": "您的举报已获批奖励，请在期限内在下方申请领取。",
        "amount": "金额：{} 元", "claim": "申请领取奖励", "claim_by": "领取截止日期",
        "claim_flash": "已收到您的领奖申请。",
        "reward_claimed": "已收到您的领奖申请。财务人员核对后将把奖金支付到您的账户。",
        "reward_paid": "奖金已发放。",
        "set_passphrase": "设置口令",
        "passphrase_flash": "领奖口令已设置。请将它与回执码一起妥善保管：领取奖励时两者都需要。",
        "passphrase_state": "本举报已设置领奖口令。领取奖励时，您需要同时提供回执码和该口令。",
        "passphrase_wrong": "口令与本举报设置的领奖口令不符。",
    },
    "en": {
        "send": "Send report", "receipt_heading": "Your report has been received", "saved_code": "I have saved my code",
        "open": "Open my report",
        "status_received": "Received. Your report is waiting to be reviewed.",
        "status_filed": "A case has been filed and is under investigation.",
        "status_decided": "The case has been decided.",
        "status_concluded": "Concluded.",
        "status_reward": "Concluded. A reward is available: see below how to claim it.",
        "queue": "Triage queue", "send_to_reporter": "Send to reporter",
        "message_sent": "Message sent to the reporter.",
        "officer_label": "The officer handling your report", "you": "You", "reporter_label": "Reporter",
        "reply": "Send message", "reply_sent": "Your message was sent.",
        "file": "Accept and file a case", "saved": "Saved.", "under_investigation": "Under investigation",
        "draw": "Investigators drawn at random",
        "natural_person": "The reporter is a natural person",
        "unknown_to_regulator": "The regulator did not already know of the matter", "yes": "Yes",
        "propose": "Propose", "confirm": "Confirm level and amount", "approve": "Approve",
        "proposed": "Proposed, awaiting the supervisor", "reviewed": "Reviewed, awaiting finance",
        "notified": "Reporter notified, awaiting claim", "claimed": "Claimed, awaiting payment", "paid": "Paid",
        "reward_granted": "A reward has been granted for your report. Claim it below before the deadline.",
        "amount": "Amount: {} yuan", "claim": "Claim the reward", "claim_by": "Claim by",
        "claim_flash": "Your claim was received.",
        "reward_claimed": "We have received your claim. Finance will check it and pay the reward to your account.",
        "reward_paid": "The reward has been paid.",
        "set_passphrase": "Set the passphrase",
        "passphrase_flash": "Your claim passphrase is set. Keep it with your receipt code: "
                            "you will need both to claim a reward.",
        "passphrase_state": "A claim passphrase is set for this report. "
                            "To claim a reward you will need it together with your receipt code.",
        "passphrase_wrong": "This passphrase is not the one set for this report.",
    },
}

QUESTION = "请问检验报告是哪一天出具的？您是否见过样品？"
ANSWER = "报告是2月11日出具的，样品一直放在公司仓库，从未送检。"
PASSPHRASE = "黄河岸边的老槐树2026"
CLAIMANT = {"name": "王小明", "id_number": "11010519491231002X", "bank": "中国银行郑州分行",
            "account_number": "6216610000001234567"}


def flash(page: Page):
    """The one-line notice a redirect shows after a form was saved."""
    return page.get_by_role("status")


def open_action(page: Page, title: str):
    """Unfold a workflow action (details/summary) and return its form."""
    summary = page.locator("summary", has_text=re.compile("^" + re.escape(title) + "$"))
    panel = page.locator("details.action", has=summary)
    panel.locator("summary").click()
    expect(panel).to_have_attribute("open", "")
    return panel.locator("form")


def file_case(officer: Page, t: dict, filing_number: str) -> None:
    """On a tip page: accept the tip and file a case; the browser ends on the new case page."""
    form = open_action(officer, t["file"])
    form.locator("#file_case-document").fill(filing_number)
    form.get_by_role("button", name=t["file"], exact=True).click()
    expect(flash(officer)).to_have_text(t["saved"])
    expect(officer.get_by_test_id("case-state")).to_have_text(t["under_investigation"])
    expect(officer.get_by_test_id("timeline")).to_contain_text(t["draw"])


def reward_page(staff: Page, base: str) -> str:
    """From the reward register, open the reward waiting for the officer's proposal; returns its URL."""
    staff.goto(base + "/staff/rewards/")
    staff.get_by_test_id("queue-review").get_by_role("link").first.click()
    expect(staff.get_by_test_id("reward-status")).to_be_visible()
    return staff.url


def propose_reward(staff: Page, t: dict, level: str, amount: str) -> None:
    # The two Yes/No questions are radio groups named by their question (fieldset and legend).
    for question in (t["natural_person"], t["unknown_to_regulator"]):
        group = staff.get_by_role("group", name=question, exact=True)
        expect(group.get_by_role("radio", name=t["yes"])).to_have_count(1)
    staff.select_option("#level", level)
    staff.get_by_role("button", name=t["propose"], exact=True).click()
    expect(flash(staff)).to_have_text(t["saved"])
    expect(staff.get_by_test_id("reward-amount")).to_have_text(amount)
    expect(staff.get_by_test_id("reward-status")).to_have_text(t["proposed"])


def confirm_reward(staff: Page, t: dict, reward_url: str) -> None:
    staff.goto(reward_url)
    staff.get_by_role("button", name=t["confirm"], exact=True).click()
    expect(flash(staff)).to_have_text(t["saved"])
    expect(staff.get_by_test_id("reward-status")).to_have_text(t["reviewed"])


def approve_reward(staff: Page, t: dict, reward_url: str) -> None:
    staff.goto(reward_url)
    staff.get_by_role("button", name=t["approve"], exact=True).click()
    expect(flash(staff)).to_have_text(t["saved"])


def set_passphrase(page: Page, t: dict) -> None:
    """On the receipt page, right after reporting: the reporter chooses a claim passphrase."""
    section = page.get_by_test_id("passphrase-section")
    section.locator("#passphrase").fill(PASSPHRASE)
    section.locator("#passphrase_confirm").fill(PASSPHRASE)
    section.get_by_role("button", name=t["set_passphrase"]).click()
    expect(flash(page)).to_have_text(t["passphrase_flash"])
    expect(page.get_by_test_id("passphrase-state")).to_have_text(t["passphrase_state"])
    expect(page.locator("#passphrase")).to_have_count(0)  # set once, never shown again


def claim_reward(page: Page, t: dict, amount: str, passphrase: str | None = None) -> None:
    """On the reporter's status page: the granted reward, claimed with identity and an own-name account
    (and, where the reporter set one, the claim passphrase: first mistyped, then right)."""
    section = page.get_by_test_id("reward-section")
    expect(section.get_by_test_id("reward-text")).to_have_text(t["reward_granted"])
    expect(section).to_contain_text(t["amount"].format(amount))
    expect(section).to_contain_text(t["claim_by"])
    if passphrase is None:
        expect(section.locator("#claim_passphrase")).to_have_count(0)
    page.fill("#name", CLAIMANT["name"])
    page.fill("#id_number", CLAIMANT["id_number"])
    page.fill("#bank", CLAIMANT["bank"])
    page.fill("#account_number", CLAIMANT["account_number"])
    page.fill("#account_holder", CLAIMANT["name"])
    if passphrase is not None:
        page.fill("#claim_passphrase", passphrase[::-1])
        section.get_by_role("button", name=t["claim"]).click()
        expect(page.locator("#claim_passphrase-err")).to_have_text(t["passphrase_wrong"])
        expect(page.locator("#claim_passphrase")).to_have_attribute("aria-invalid", "true")
        expect(page.locator("#id_number")).to_have_value(CLAIMANT["id_number"])  # what was typed is kept,
        expect(page.locator("#claim_passphrase")).to_have_value("")  # but not the passphrase
        expect(page.locator("#account_number")).to_have_value("")  # nor the account number
        page.fill("#claim_passphrase", passphrase)
        page.fill("#account_number", CLAIMANT["account_number"])
    section.get_by_role("button", name=t["claim"]).click()
    expect(flash(page)).to_have_text(t["claim_flash"])
    expect(page.get_by_test_id("reward-text")).to_have_text(t["reward_claimed"])
    expect(page.locator("#account_number")).to_have_count(0)  # the form is gone once claimed


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_citizen_from_anonymous_report_to_claimed_reward(browser, page, live_server, session, clock, artifacts,
                                                         tmp_path, lang):
    from tipline.auth.models import User
    from tipline.cases import investigation
    from tipline.cases.models import Case

    t = TEXT[lang]
    base = live_server.url
    names = {"tri": "分办员", "inv1": "办案甲", "inv2": "办案乙", "boss": "科长", "boss2": "副科长", "fin1": "财务甲"}
    roles = {"boss": "supervisor", "boss2": "supervisor", "fin1": "finance"}
    for username, display in names.items():
        factories.user(session, now=clock(), username=username, role=roles.get(username, "officer"),
                       division_code="410105", display_name=display)
    session.commit()
    staff_pages: list[Page] = []

    def sign_in(username: str) -> Page:
        staff = _sign_in(browser, base, username, lang)
        staff.context.set_default_timeout(20_000)
        staff_pages.append(staff)
        return staff

    try:
        # 1. The citizen reports anonymously, with a photo, and gets the receipt code.
        page.set_default_timeout(20_000)
        page.goto(base + "/report")
        choose_language(page, lang)
        _fill_report(page)
        page.set_input_files("#evidence", str(_photo(tmp_path)))
        page.get_by_role("button", name=t["send"]).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(t["receipt_heading"])
        shown = page.get_by_test_id("receipt-code").inner_text()
        code = shown.replace(" ", "")
        assert re.fullmatch(r"\d{16}", code), shown
        page.screenshot(path=str(artifacts / "01-receipt.png"), full_page=True)
        # ... and, while only they have the code, sets the passphrase a reward claim will need.
        set_passphrase(page, t)
        expect(page.get_by_test_id("receipt-code")).to_have_text(shown)
        page.screenshot(path=str(artifacts / "01b-receipt-passphrase-set.png"), full_page=True)

        # 2. "I have saved my code" opens their own report page in this browser: nothing to retype.
        page.get_by_role("button", name=t["saved_code"]).click()
        expect(page).to_have_url(base + "/status/report")
        expect(page.get_by_test_id("status-text")).to_have_text(t["status_received"])
        expect(page.get_by_test_id("evidence-list")).to_contain_text("现场照片.jpg")
        expect(page.get_by_test_id("message")).to_have_count(0)
        page.screenshot(path=str(artifacts / "02-status-received.png"), full_page=True)

        # 3. An officer of the district opens the tip from the queue and asks the reporter a question.
        clock.advance(minutes=20)
        officer = sign_in("tri")
        officer.get_by_role("link", name=t["queue"]).first.click()
        officer.get_by_role("link", name=re.compile(r"T\d{4}-")).first.click()
        expect(officer.get_by_test_id("tip-description")).to_contain_text("水泥检验报告")
        expect(officer.locator("main")).to_contain_text("现场照片.jpg")
        tip_url = officer.url
        officer.fill("#body", QUESTION)
        officer.get_by_role("button", name=t["send_to_reporter"]).click()
        expect(flash(officer)).to_have_text(t["message_sent"])
        expect(officer.locator("article.message.staff")).to_contain_text(QUESTION)

        # 4. The citizen sees the question on /status and answers it.
        clock.advance(minutes=15)
        _reporter_status(page, base, code)
        expect(page.get_by_test_id("status-text")).to_have_text(t["status_received"])
        question = page.get_by_test_id("message")
        expect(question).to_have_count(1)
        expect(question.locator(".meta")).to_contain_text(t["officer_label"])
        expect(question.locator(".body")).to_have_text(QUESTION)
        page.fill("#body", ANSWER)
        page.get_by_role("button", name=t["reply"], exact=True).click()
        expect(flash(page)).to_have_text(t["reply_sent"])
        expect(page.get_by_test_id("message")).to_have_count(2)
        answer = page.get_by_test_id("message").last
        expect(answer.locator(".meta")).to_contain_text(t["you"])
        expect(answer.locator(".body")).to_have_text(ANSWER)
        page.screenshot(path=str(artifacts / "03-status-answered.png"), full_page=True)

        # 5. The officer sees the answer on the tip page, then files a case in the browser.
        clock.advance(minutes=10)
        officer.goto(tip_url)
        reply = officer.locator("article.message.reporter")
        expect(reply.locator(".meta")).to_contain_text(t["reporter_label"])
        expect(reply.locator(".body")).to_have_text(ANSWER)
        officer.screenshot(path=str(artifacts / "04-officer-sees-answer.png"), full_page=True)
        file_case(officer, t, "豫市监金立〔2026〕21号")
        investigators = officer.get_by_test_id("investigators")
        expect(investigators).to_contain_text(names["inv1"])
        expect(investigators).to_contain_text(names["inv2"])
        expect(investigators).not_to_contain_text(names["tri"])  # whoever triaged is not drawn
        officer.screenshot(path=str(artifacts / "05-case-filed.png"), full_page=True)

        # 6. The citizen's status now says a case was filed.
        assert _reporter_status(page, base, code) == t["status_filed"]
        expect(page.get_by_test_id("reward-section")).to_have_count(0)
        page.screenshot(path=str(artifacts / "06-status-case-filed.png"), full_page=True)

        # 7. Decision with a fine, then closing, through the service layer; the citizen follows each.
        def boss_and_case():
            session.expire_all()
            return (session.scalar(select(User).where(User.username == "boss")),
                    session.scalar(select(Case).where(Case.filing_number == "豫市监金立〔2026〕21号")))
        boss, case = boss_and_case()
        investigation.decide(session, now=clock(), case=case, actor=boss, version=case.version,
                             outcome="violation", decision_number="豫市监金罚〔2026〕30号",
                             decision_date=clock().date(), fines="800000",
                             legal_basis="《检验检测机构监督管理办法》第二十六条")
        session.commit()
        assert _reporter_status(page, base, code) == t["status_decided"]
        boss, case = boss_and_case()
        investigation.close(session, now=clock(), case=case, actor=boss, version=case.version,
                            executed_on=clock().date(), closed_on=clock().date())
        session.commit()
        assert _reporter_status(page, base, code) == t["status_concluded"]
        expect(page.get_by_test_id("reward-section")).to_have_count(0)  # nothing to say until approved

        # 8. A reward: an investigator proposes level 2 (3 % of 800,000 = 24,000.00), a supervisor
        #    confirms, finance approves (one approval suffices below the joint-approval threshold).
        investigator = sign_in("inv1")
        reward_url = reward_page(investigator, base)
        propose_reward(investigator, t, "2", "24,000.00")
        confirm_reward(sign_in("boss2"), t, reward_url)
        # Still hidden from the reporter while finance has not approved.
        _reporter_status(page, base, code)
        expect(page.get_by_test_id("reward-section")).to_have_count(0)
        finance = sign_in("fin1")
        approve_reward(finance, t, reward_url)
        expect(finance.get_by_test_id("reward-status")).to_have_text(t["notified"])
        finance.screenshot(path=str(artifacts / "07-reward-approved.png"), full_page=True)

        # 9. The citizen claims with what the receipt page gave them: the code and their passphrase.
        clock.advance(days=1)
        assert _reporter_status(page, base, code) == t["status_reward"]
        page.screenshot(path=str(artifacts / "08-status-reward-granted.png"), full_page=True)
        claim_reward(page, t, "24,000.00", passphrase=PASSPHRASE)
        page.screenshot(path=str(artifacts / "09-status-claim-received.png"), full_page=True)

        # Finance now sees it waiting for payment.
        finance = sign_in("fin1")
        finance.goto(reward_url)
        expect(finance.get_by_test_id("reward-status")).to_have_text(t["claimed"])
    finally:
        for staff in staff_pages:
            staff.context.close()
