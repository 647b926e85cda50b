"""A supervisor imports 200 bodies, sees a reported body move up a tier, makes and draws a plan,
records an inspection that orders rectification; anyone sees it on the public page without JavaScript."""
from __future__ import annotations

from playwright.sync_api import expect

from tipline.inspections import register

from .. import factories


def test_register_plan_draw_inspect_and_publish(browser, page, phone_page, live_server, session, clock, artifacts,
                                                 tmp_path):
    from tipline import public_pages
    public_pages.clear_cache()
    factories.user(session, now=clock(), username="zhao", role="supervisor", division_code="410100")
    for n in range(3):
        factories.user(session, now=clock(), username=f"insp{n}", role="officer", division_code="410100")
    session.commit()
    session.close()
    items = register.rows("410100", 200)
    csv_path = tmp_path / "郑州检验检测机构名录.csv"
    csv_path.write_bytes(register.as_csv(items))
    base = live_server.url

    page.goto(base + "/staff/login")
    page.fill("#username", "zhao")
    page.fill("#password", factories.PASSWORD)
    page.locator("main button[type=submit]").click()
    page.get_by_role("link", name="抽查计划").click()
    page.get_by_role("link", name="检查对象名录库").click()
    page.set_input_files("#file", str(csv_path))
    page.get_by_role("button", name="导入").click()
    expect(page.get_by_test_id("import-result")).to_contain_text("新增 200 家")

    # A report about one of the bodies arrives: its tier goes from normal to "under watch", explained.
    reported = items[17]
    page.fill("#q", reported["uscc"])
    page.get_by_role("button", name="搜索").click()
    page.get_by_role("link", name=reported["name"]).click()
    expect(page.get_by_test_id("tier-name")).to_have_text("一般")
    body_url = page.url
    factories.tip(session, now=clock(), entity_name=reported["name"], entity_uscc=reported["uscc"],
                  division_code=reported["division_code"])
    session.commit()
    session.close()
    page.goto(body_url)
    expect(page.get_by_test_id("tier-name")).to_have_text("关注")
    expect(page.get_by_test_id("tier-events")).to_contain_text("正在处理的举报")
    page.screenshot(path=str(artifacts / "body-tier.png"), full_page=True)

    page.get_by_role("link", name="抽查计划").first.click()
    page.fill("#departments", "郑州市市场监督管理局\n郑州市城乡建设局")
    page.get_by_role("button", name="创建计划").click()
    page.get_by_role("button", name="抽取检查对象和执法检查人员").click()
    expect(page.get_by_test_id("plan-state")).to_have_text("已抽取")
    # ceil(199 x 0.05) = 10 normal bodies and ceil(1 x 0.15) = 1 under watch: the reported one.
    expect(page.get_by_test_id("tasks").locator("tbody tr")).to_have_count(11)
    expect(page.get_by_test_id("tasks")).to_contain_text(reported["name"])
    page.screenshot(path=str(artifacts / "plan-drawn.png"), full_page=True)

    page.get_by_test_id("tasks").get_by_role("link", name=reported["name"]).click()
    expect(page.get_by_test_id("officers")).to_contain_text("insp")
    page.select_option("#result", "rectification")
    page.get_by_label("记录缺失或无法溯源").check()
    page.fill("#problems_count", "2")
    page.fill("#findings", "原始记录缺少检测人员签名。")
    page.get_by_role("button", name="记录检查结果").click()
    expect(page.get_by_test_id("result")).to_have_text("责令整改")
    expect(page.get_by_test_id("rectification")).to_contain_text("2026-03-30")

    public_pages.clear_cache()
    phone_page.goto(base + "/public/inspections?year=2026&division=410100")  # JavaScript off
    expect(phone_page.get_by_test_id("public-inspections")).to_contain_text(reported["name"])
    expect(phone_page.get_by_test_id("public-inspections")).to_contain_text("整改中")
    expect(phone_page.locator('[data-figure="rectification_notices"]')).to_have_text("1")
    expect(phone_page.get_by_test_id("public-plans")).to_contain_text("郑州市城乡建设局")
    phone_page.screenshot(path=str(artifacts / "public-inspections.png"), full_page=True)
    phone_page.goto(base + "/public/statistics?year=2026&division=410100")
    expect(phone_page.locator('[data-figure="inspection_rectification_notices"]')).to_have_text("1")
