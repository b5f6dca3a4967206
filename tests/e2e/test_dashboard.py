"""The dashboard shows the demo city's numbers, in Chinese, in a real browser."""

from playwright.sync_api import expect
from sqlalchemy import text

from crm.clock import city_today
from crm.extensions import db
from demo.seed import DEMO_PASSWORD


def counted(live_app, sql: str, **params) -> list[tuple]:
    """The answer straight from SQL, not from the dashboard's own code."""
    with live_app.app_context():
        return [tuple(row) for row in db.session.execute(text(sql), params)]


def test_dashboard_shows_the_seeded_numbers_in_chinese(page, live_app, live_server, screenshot):
    page.goto(f"{live_server}/login")
    page.get_by_label("用户名").fill("admin")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_test_id("demo-badge")).to_have_text("示例数据")

    with live_app.app_context():
        year = city_today().year
    by_stage = dict(counted(live_app, "SELECT stage, COUNT(*) FROM leads GROUP BY stage"))
    table = page.get_by_test_id("leads-by-stage")
    for label, stage in (("线索", "clue"), ("初步接洽", "initial_contact"), ("实地考察", "site_visit"),
                         ("深度洽谈", "negotiation"), ("签约", "signed")):  # fmt: skip
        row = table.get_by_role("row").filter(has=page.get_by_role("link", name=label, exact=True))
        expect(row.get_by_role("cell").first).to_have_text(str(by_stage.get(stage, 0)))

    [(signed,)] = counted(
        live_app,
        "SELECT COUNT(*) FROM leads WHERE signed_on >= :start AND signed_on < :end",
        start=f"{year}-01-01",
        end=f"{year + 1}-01-01",
    )
    expect(page.get_by_test_id("signed")).to_contain_text(f"{signed} 个")
    expect(page.get_by_test_id("signed")).to_contain_text(f"{year}年签约项目")
    expect(page.get_by_test_id("landing-rate")).to_contain_text("签约项目落地率")

    pools = counted(
        live_app,
        "SELECT COUNT(*) FILTER (WHERE stage IN ('planning', 'ready_to_start')),"
        " COUNT(*) FILTER (WHERE stage IN ('newly_started', 'under_construction')),"
        " COUNT(*) FILTER (WHERE stage IN ('completed', 'in_production')) FROM projects",
    )[0]
    pool_table = page.get_by_test_id("projects-by-pool")
    for label, number in zip(("储备库", "建设库", "达效库"), pools, strict=True):
        row = pool_table.get_by_role("row").filter(has=page.get_by_role("link", name=label))
        expect(row.get_by_role("cell").first).to_have_text(str(number))
    screenshot("dashboard")

    page.get_by_test_id("projects-by-pool").get_by_role("link", name="建设库").click()
    expect(page).to_have_url(f"{live_server}/projects?pool=construction")
