"""Issue 23 in a real browser at phone width: the language switch on /report keeps what was typed
(without JavaScript), the receipt code never breaks inside a digit group, the receipt opens the
reporter's page, and the public statistics fit a 390px phone with labels large enough to read.
Every page visited here is also checked by pagecheck.py (axe-core, language) at both widths."""
from __future__ import annotations

import re

from playwright.sync_api import Expect

from .test_intake_journey import _fill_report

expect = Expect()
expect.set_options(timeout=20_000)


def test_language_switch_keeps_the_report_and_the_receipt_code_stays_whole(phone_page, live_server):
    page = phone_page  # 390px, JavaScript off
    base = live_server.url
    page.goto(base + "/report")
    _fill_report(page)
    page.fill("#occurred_on", "2026-02-10")
    # Radio groups are named by their question (fieldset and legend).
    expect(page.get_by_role("group", name="您是怎么知道的？")
           .get_by_role("radio", name=re.compile("亲眼"))).to_be_checked()
    page.locator("header nav.lang").get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Make a report")
    expect(page.locator("#entity_name")).to_have_value("郑州某检测技术有限公司")
    expect(page.locator("#description")).to_contain_text("水泥检验报告")
    expect(page.locator("#division_code")).to_have_value("410105")
    expect(page.locator("#occurred_on")).to_have_value("2026-02-10")
    expect(page.get_by_role("group", name="How do you know?")
           .get_by_role("radio", name=re.compile("saw it"))).to_be_checked()
    expect(page.get_by_label(re.compile(r"year-month-day"))).to_have_value("2026-02-10")
    expect(page.locator("label.file-button")).to_have_text("Choose files")
    # Back to Chinese, then send: the answer to the check was kept too.
    page.locator("header nav.lang").get_by_role("button", name="中文").click()
    expect(page.locator("#entity_name")).to_have_value("郑州某检测技术有限公司")
    page.locator("form.report-form button[type=submit]").click()
    code = page.get_by_test_id("receipt-code")
    expect(code).to_be_visible()
    groups = code.locator("span.group")
    expect(groups).to_have_count(4)
    for i in range(4):  # each group of digits is on one line: its box is one line high
        box = groups.nth(i).bounding_box()
        line = page.evaluate("e => parseFloat(getComputedStyle(e).lineHeight) || e.getBoundingClientRect().height",
                             groups.nth(i).element_handle())
        assert box["height"] <= line * 1.5, (i, box, line)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_role("button", name="我已保存回执码").click()
    expect(page.get_by_test_id("status-text")).to_contain_text("已收到")


def test_public_statistics_fit_a_phone(phone_page, live_server):
    page = phone_page
    page.goto(live_server.url + "/public/statistics")
    for lang in ("zh", "en"):
        if lang == "en":
            page.locator("header nav.lang").get_by_role("link", name="English").click()
            expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.get_by_test_id("monthly")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        # The fake clock says 2 March 2026: January to March, nothing plotted for later months.
        expect(page.get_by_test_id("monthly").locator("tbody tr")).to_have_count(3)
        # Chart labels: the drawn font size times the scale the phone shows the chart at.
        sizes = page.evaluate("""() => [...document.querySelectorAll('figure.chart svg')].map(svg => {
            const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
            return parseFloat(svg.getAttribute('font-size')) * scale; })""")
        assert sizes and min(sizes) >= 13, sizes  # body text is 16px; the old charts were under 8px
