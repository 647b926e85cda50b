"""A supervisor reads the dashboard; anyone reads the published decisions and statistics."""
from __future__ import annotations

from playwright.sync_api import expect

from .. import factories
from ..oversight import data


def test_dashboard_and_public_pages(browser, page, phone_page, live_server, session, clock, artifacts):
    from tipline import public_pages
    public_pages.clear_cache()
    data.build(live_server.app, session, clock)
    session.close()
    base = live_server.url

    page.goto(base + "/staff/login")
    page.fill("#username", "boss")
    page.fill("#password", factories.PASSWORD)
    page.locator("main button[type=submit]").click()
    page.get_by_role("link", name="数据看板").click()
    expect(page.locator('[data-figure="cases_filed"]').first).to_have_text("3")
    expect(page.locator("svg[role=img]").first).to_be_visible()
    page.screenshot(path=str(artifacts / "dashboard.png"), full_page=True)

    phone_page.goto(base + "/public/results")  # no JavaScript on this phone
    expect(phone_page.get_by_test_id("results")).to_contain_text(data.ENTITY_A)
    assert data.REPORTER_NAME not in phone_page.content()
    phone_page.screenshot(path=str(artifacts / "public-results.png"), full_page=True)

    page.goto(base + "/public/statistics")
    expect(page.locator('[data-figure="answered"]')).to_have_text("87.5%")
    expect(page.locator("#chart-monthly")).to_be_visible()
    page.screenshot(path=str(artifacts / "public-statistics.png"), full_page=True)
