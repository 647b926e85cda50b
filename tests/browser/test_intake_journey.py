"""A citizen's report in a real browser: anonymous with a photo, receipt, follow-up, reply, more evidence."""
from __future__ import annotations

import re

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from ..factories import PASSWORD
from .test_login_journey import choose_language

TEXT = {
    "zh": {"received": "已收到", "send": "提交举报", "open": "查看我的举报", "not_found": "找不到",
           "uscc_error": "最后一位", "officer_says": "请补充报告编号的照片。", "reply": "发送留言"},
    "en": {"received": "Received", "send": "Send report", "open": "Open my report", "not_found": "could not find",
           "uscc_error": "does not match", "officer_says": "请补充报告编号的照片。", "reply": "Send message"},
}


def _photo(tmp_path, name="现场照片.jpg"):
    img = Image.new("RGB", (120, 80), (20, 120, 200))
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (34.0, 45.0, 30.0), 3: "E", 4: (113.0, 39.0, 10.0)}
    path = tmp_path / name
    img.save(path, "JPEG", exif=exif)
    return path


def _fill_report(page: Page, uscc: str = "") -> None:
    page.locator("input[name=kind][value=report]").check()
    page.select_option("#category_code", "test.false_report")
    page.fill("#entity_name", "郑州某检测技术有限公司")
    if uscc:
        page.fill("#entity_uscc", uscc)
    page.select_option("#division_code", "410105")
    page.fill("#description", "该公司未做检测即出具水泥检验报告，报告编号 2026-0211，样品从未送到实验室。")
    page.locator("input[name=knowledge][value=witness]").check()
    question = page.locator("#challenge_answer-hint").inner_text()
    a, b = map(int, re.findall(r"\d+", question)[:2])
    page.fill("#challenge_answer", str(a + b))


def _sign_in_staff(page: Page, base: str, username: str) -> None:
    page.goto(base + "/staff/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.locator("main button[type=submit]").click()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_anonymous_report_with_photo_then_follow_up(page, browser, live_server, make_user, artifacts, tmp_path, lang):
    t = TEXT[lang]
    base = live_server.url
    page.goto(base + "/report")
    choose_language(page, lang)
    _fill_report(page)
    page.set_input_files("#evidence", str(_photo(tmp_path)))
    page.get_by_role("button", name=t["send"]).click()
    code_el = page.get_by_test_id("receipt-code")
    expect(code_el).to_be_visible()
    code = code_el.inner_text().replace(" ", "")
    assert re.fullmatch(r"\d{16}", code)
    page.screenshot(path=str(artifacts / "receipt.png"), full_page=True)
    with page.expect_download() as dl:
        page.locator("form[action$='receipt.txt'] button").click()
    assert code[:4] in dl.value.path().read_text(encoding="utf-8-sig")

    # An officer of the district reads it and asks a question.
    make_user(username="jinshui", division_code="410105")
    staff = browser.new_context(locale="zh-CN").new_page()
    _sign_in_staff(staff, base, "jinshui")
    staff.goto(base + "/staff/tips")
    staff.get_by_role("link", name=re.compile(r"T\d{4}-")).first.click()
    expect(staff.get_by_test_id("tip-description")).to_contain_text("水泥检验报告")
    expect(staff.locator("main")).to_contain_text("现场照片.jpg")
    staff.fill("#body", t["officer_says"])
    staff.locator("form[action$='/messages'] button").click()
    staff.context.close()

    # The reporter comes back with the receipt code.
    page.goto(base + "/status")
    page.fill("#receipt", " ".join(code[i:i + 4] for i in range(0, 16, 4)))
    page.get_by_role("button", name=t["open"]).click()
    expect(page.get_by_test_id("status-text")).to_contain_text(t["received"])
    expect(page.get_by_test_id("message")).to_contain_text(t["officer_says"])
    page.fill("#body", "照片已补充。")
    page.get_by_role("button", name=t["reply"]).click()
    expect(page.get_by_test_id("message").last).to_contain_text("照片已补充。")
    page.set_input_files("#evidence", str(_photo(tmp_path, "报告编号.jpg")))
    page.locator("form[action$='/evidence'] button").click()
    expect(page.get_by_test_id("evidence-list")).to_contain_text("报告编号.jpg")
    page.screenshot(path=str(artifacts / "status.png"), full_page=True)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_invalid_credit_code_error_beside_field_rest_kept(page, live_server, artifacts, lang):
    t = TEXT[lang]
    page.goto(live_server.url + "/report")
    choose_language(page, lang)
    _fill_report(page, uscc="91350200MA2YJ1XR9H")
    page.fill("#reporter_name", "张三")
    page.get_by_role("button", name=t["send"]).click()
    field = page.locator(".field", has=page.locator("#entity_uscc"))
    expect(field.locator(".error")).to_contain_text(t["uscc_error"])
    expect(page.locator("#entity_uscc")).to_have_value("91350200MA2YJ1XR9H")
    expect(page.locator("#entity_name")).to_have_value("郑州某检测技术有限公司")
    expect(page.locator("#description")).to_contain_text("水泥检验报告")
    expect(page.locator("#reporter_name")).to_have_value("张三")
    expect(page.locator("#division_code")).to_have_value("410105")
    page.screenshot(path=str(artifacts / "uscc-error.png"), full_page=True)


def test_report_on_a_phone_without_javascript(phone_page, live_server, artifacts, tmp_path):
    page = phone_page
    page.goto(live_server.url + "/")
    page.locator("main").get_by_role("link", name="我要举报").click()
    _fill_report(page)
    page.set_input_files("#evidence", str(_photo(tmp_path)))
    page.locator("form.report-form button[type=submit]").click()
    code = page.get_by_test_id("receipt-code").inner_text().replace(" ", "")
    assert len(code) == 16
    page.screenshot(path=str(artifacts / "phone-receipt.png"), full_page=True)
    page.goto(live_server.url + "/status")
    page.fill("#receipt", code)
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_test_id("status-text")).to_contain_text("已收到")
    page.screenshot(path=str(artifacts / "phone-status.png"), full_page=True)
