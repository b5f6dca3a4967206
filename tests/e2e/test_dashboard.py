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


CHARTS = ("funnel", "rates", "trend", "sectors", "segments", "districts", "top", "enterprises")


def test_the_charts_render_in_chinese_and_open_the_list_behind_them(page, live_app, live_server):
    problems = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{live_server}/login")
    page.get_by_label("用户名").fill("admin")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_test_id("charts")).to_be_visible()
    for key in CHARTS:
        chart = page.get_by_test_id(f"chart-{key}")
        expect(chart).to_have_attribute("data-rendered", "true")
        expect(chart.locator("canvas")).to_have_count(1)
    # ECharts draws with the CJK font stack the page hands it (fonts-noto-cjk has the glyphs).
    font = page.evaluate(
        "[echarts.getInstanceByDom(document.querySelector('[data-chart=funnel]'))"
        ".getOption().textStyle].flat()[0].fontFamily"
    )
    assert "Noto Sans CJK SC" in font
    assert page.evaluate("document.fonts.check('16px \"Noto Sans CJK SC\"', '签约')")
    # The funnel is drawn, not blank: its canvas holds more than one colour.
    colours = page.evaluate(
        """() => {
        const canvas = document.querySelector('[data-chart=funnel] canvas');
        const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        const seen = new Set();
        for (let i = 0; i < pixels.length; i += 4 * 97) seen.add(pixels.slice(i, i + 4).join());
        return seen.size;
    }"""
    )
    assert colours > 3
    assert problems == []

    # Clicking the funnel's 深度洽谈 slice opens the leads in that stage.
    box = page.get_by_test_id("chart-funnel").bounding_box()
    slice_at = page.evaluate(
        """() => {
        const chart = echarts.getInstanceByDom(document.querySelector('[data-chart=funnel]'));
        const layout = chart.getModel().getSeriesByIndex(0).getData().getItemLayout(3);
        const xs = layout.points.map((p) => p[0]), ys = layout.points.map((p) => p[1]);
        return [(Math.min(...xs) + Math.max(...xs)) / 2, (Math.min(...ys) + Math.max(...ys)) / 2];
    }"""
    )
    page.mouse.click(box["x"] + slice_at[0], box["y"] + slice_at[1])
    expect(page).to_have_url(f"{live_server}/leads?stage=negotiation")
