"""Staff sign-in journeys in a real browser, in Chinese and in English."""
from __future__ import annotations

import re

import pyotp
import pytest
from playwright.sync_api import Page, expect

from ..factories import PASSWORD
from .conftest import PHONE

# Visible text per language (Chinese from tipline/translations/zh/LC_MESSAGES/messages.po).
TEXT = {
    "zh": {
        "label": "中文",
        "html_lang": "zh-CN",
        "staff_sign_in": "工作人员登录",
        "username": "用户名",
        "password": "密码",
        "sign_in": "登录",
        "bad_password": "用户名或密码错误。",
        "enrol_heading": "设置双因素认证",
        "qr_alt": "身份验证器应用二维码",
        "enrol_code": "应用中显示的6位验证码",
        "turn_on": "启用双因素认证",
        "enabled_heading": "双因素认证已启用",
        "continue": "已保存，继续",
        "welcome": "欢迎您，王五",
        "sign_out": "退出登录",
        "signed_out": "您已退出登录。",
        "second_factor": "双因素认证",
        "code": "验证码或恢复码",
        "verify": "验证",
        "home_heading": "举报虚假检验检测报告、虚假认证和伪造证书",
    },
    "en": {
        "label": "English",
        "html_lang": "en",
        "staff_sign_in": "Staff sign-in",
        "username": "Username",
        "password": "Password",
        "sign_in": "Sign in",
        "bad_password": "Username or password is incorrect.",
        "enrol_heading": "Set up two-factor authentication",
        "qr_alt": "QR code for your authenticator app",
        "enrol_code": "6-digit code from your app",
        "turn_on": "Turn on two-factor authentication",
        "enabled_heading": "Two-factor authentication is on",
        "continue": "I have saved them, continue",
        "welcome": "Welcome, 王五",
        "sign_out": "Sign out",
        "signed_out": "You have signed out.",
        "second_factor": "Two-factor authentication",
        "code": "Authentication code or recovery code",
        "verify": "Verify",
        "home_heading": "Report false test reports, false certification and forged certificates",
    },
}
OTHER = {"zh": "en", "en": "zh"}


def _path(page: Page) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url).split("?")[0]


def switch_language(page: Page, lang: str) -> None:
    """Click the header's language link and check the page came back in that language, same path."""
    path = _path(page)
    # A link; on /report a button of the form, so what was typed comes back in the other language.
    label = TEXT[lang]["label"]
    page.locator("header nav.lang").locator(f"a:text-is('{label}'), button:text-is('{label}')").click()
    expect(page.locator("html")).to_have_attribute("lang", TEXT[lang]["html_lang"])
    assert _path(page) == path
    # The chosen language is now the current one: shown as text, no longer a link.
    expect(page.locator("header nav.lang [aria-current]")).to_have_text(TEXT[lang]["label"])


def choose_language(page: Page, lang: str) -> None:
    """Chinese is the default, so for zh go to English and back: both links get clicked."""
    expect(page.locator("html")).to_have_attribute("lang", TEXT["zh"]["html_lang"])
    switch_language(page, "en")
    if lang == "zh":
        switch_language(page, "zh")


def submit_login(page: Page, t: dict, username: str, password: str) -> None:
    expect(page.get_by_role("heading", name=t["staff_sign_in"])).to_be_visible()
    page.get_by_label(t["username"], exact=True).fill(username)
    page.get_by_label(t["password"], exact=True).fill(password)
    page.locator("main").get_by_role("button", name=t["sign_in"], exact=True).click()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_first_login_enrols_2fa_then_signs_in_with_code(page, live_server, make_user, clock, artifacts, lang):
    t = TEXT[lang]
    make_user(username="journey", totp_required=True, display_name="王五")

    page.goto(live_server.url + "/staff/login")
    choose_language(page, lang)
    submit_login(page, t, "journey", PASSWORD)

    # Mandatory enrolment: QR code and manual key.
    expect(page).to_have_url(live_server.url + "/staff/account/2fa")
    expect(page.get_by_role("heading", name=t["enrol_heading"])).to_be_visible()
    qr = page.get_by_role("img", name=t["qr_alt"])
    expect(qr).to_be_visible()
    assert qr.get_attribute("src").startswith("data:image/svg+xml;base64,")
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0"), "QR code image did not load"
    secret = page.get_by_test_id("totp-secret").inner_text().replace(" ", "").strip()
    assert re.fullmatch(r"[A-Z2-7]{16,}", secret), secret
    totp = pyotp.TOTP(secret)
    page.get_by_label(t["enrol_code"], exact=True).fill(totp.at(clock()))
    page.get_by_role("button", name=t["turn_on"], exact=True).click()

    # Recovery codes, shown once.
    expect(page.get_by_role("heading", name=t["enabled_heading"])).to_be_visible()
    codes = page.get_by_test_id("recovery-codes").locator("li")
    expect(codes).to_have_count(10)
    for text in codes.all_inner_texts():
        assert re.fullmatch(r"\d{5}-\d{5}", text.strip()), text
    page.get_by_role("link", name=t["continue"], exact=True).click()

    # Staff home, still in the chosen language.
    expect(page).to_have_url(live_server.url + "/staff/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(t["welcome"])
    page.screenshot(path=str(artifacts / "welcome.png"), full_page=True)

    # Sign out from the header.
    page.locator("header").get_by_role("button", name=re.compile("^" + re.escape(t["sign_out"]))).click()
    expect(page).to_have_url(live_server.url + "/staff/login")
    expect(page.get_by_role("status")).to_have_text(t["signed_out"])
    expect(page.get_by_role("button", name=re.compile("^" + re.escape(t["sign_out"])))).to_have_count(0)

    # Second sign-in: now the password is followed by a code.
    submit_login(page, t, "journey", PASSWORD)
    expect(page).to_have_url(live_server.url + "/staff/login/2fa")
    expect(page.get_by_role("heading", name=t["second_factor"], exact=True)).to_be_visible()
    clock.advance(seconds=30)
    page.get_by_label(t["code"], exact=True).fill(totp.at(clock()))
    page.get_by_role("button", name=t["verify"], exact=True).click()

    expect(page).to_have_url(live_server.url + "/staff/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(t["welcome"])
    sign_out = re.compile("^" + re.escape(t["sign_out"]))
    expect(page.locator("header").get_by_role("button", name=sign_out)).to_be_visible()
    page.screenshot(path=str(artifacts / "home-after-code.png"), full_page=True)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_wrong_password_error_beside_field_and_username_kept(page, live_server, make_user, artifacts, lang):
    t = TEXT[lang]
    make_user(username="journey", display_name="王五")

    page.goto(live_server.url + "/staff/login")
    choose_language(page, lang)
    submit_login(page, t, "journey", "not the password")

    expect(page).to_have_url(live_server.url + "/staff/login")
    password = page.get_by_label(t["password"], exact=True)
    expect(password).to_have_attribute("aria-invalid", "true")
    expect(password).to_have_value("")
    error = page.locator("#" + password.get_attribute("aria-describedby"))
    expect(error).to_have_text(t["bad_password"])
    expect(error).to_be_visible()
    # Beside the field: in the same field block as the password input, not a banner elsewhere.
    password_field = page.locator("div.field").filter(has=page.locator("#password"))
    expect(password_field.locator(".error")).to_have_text(t["bad_password"])
    username = page.get_by_label(t["username"], exact=True)
    expect(username).to_have_value("journey")
    assert username.get_attribute("aria-invalid") is None  # not "None", which would read as invalid
    page.screenshot(path=str(artifacts / "wrong-password.png"), full_page=True)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_home_on_a_phone_without_javascript(phone_page, browser, live_server, artifacts, lang):
    t = TEXT[lang]
    page = phone_page
    page.goto(live_server.url + "/")
    assert page.viewport_size == {"width": 390, "height": 844}
    expect(page.get_by_role("heading", level=1)).to_have_text(TEXT["zh"]["home_heading"])
    if lang == "en":
        switch_language(page, "en")  # a plain link and a redirect: no JavaScript needed
    else:
        switch_language(page, "en")
        switch_language(page, "zh")
    expect(page.get_by_role("heading", level=1)).to_have_text(t["home_heading"])
    expect(page.get_by_role("link", name=t["staff_sign_in"], exact=True)).to_be_visible()
    page.screenshot(path=str(artifacts / "home-phone.png"), full_page=True)

    # No horizontal scroll: measured in a JavaScript-enabled phone context with the same cookie.
    context = browser.new_context(locale="zh-CN", **PHONE)
    try:
        context.add_cookies(page.context.cookies())
        measure = context.new_page()
        measure.goto(live_server.url + "/")
        expect(measure.get_by_role("heading", level=1)).to_have_text(t["home_heading"])
        width = measure.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"home page scrolls sideways on a 390px phone: scrollWidth={width}"
    finally:
        context.close()
