"""Lead journeys in a real browser: log a lead for a new enterprise, add a visit, try to sign
it without the verify right (refused), sign it as an administrator, and read the stage log."""

import itertools

from playwright.sync_api import expect

from crm.clock import city_today
from demo.seed import DEMO_PASSWORD
from tests.e2e.test_enterprise_journeys import log_in

_COUNTER = itertools.count(1)


def test_a_lead_from_first_contact_to_signing(page, live_server, live_app, screenshot):
    number = next(_COUNTER)
    lead_name = f"年产十万套电驱动系统项目{number}号"
    enterprise_name = f"襄阳新能源驱动科技有限公司{number}号"
    with live_app.app_context():
        today = city_today().isoformat()

    log_in(page, live_server, "li.staff")
    page.goto(f"{live_server}/leads/new")
    page.get_by_label("线索名称", exact=True).fill(lead_name)
    page.get_by_label("线索来源", exact=True).select_option("exhibition")
    page.get_by_label("新企业名称", exact=True).fill(enterprise_name)
    page.get_by_label("意向投资额（万元）").fill("12000")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("lead-name")).to_have_text(lead_name)
    expect(page.get_by_role("link", name=enterprise_name)).to_be_visible()

    # A visit, on the lead's timeline.
    page.get_by_test_id("add-activity").click()
    page.get_by_label("方式", exact=True).select_option("visit")
    page.get_by_label("参加人员").fill("李招商；王总经理")
    page.get_by_label("情况记录").fill("参观了新能源产业园的标准厂房")
    page.get_by_label("跟进事项").fill("寄送用地政策")
    page.get_by_test_id("save-activity").click()
    expect(page.get_by_test_id("timeline-item").first).to_contain_text(
        "参观了新能源产业园的标准厂房"
    )
    lead_url = page.url.split("#")[0]

    # Staff without the verify right drag the card to 签约: the dialog asks for the amount and
    # the date, and the server refuses.
    page.goto(f"{live_server}/leads/board?q={lead_name}")  # the board takes the filters
    card = page.locator(f'[data-testid="card"][data-name="{lead_name}"]')
    # Dropped on the column's head, beside the card: a column of a hundred cards is tall.
    card.drag_to(page.get_by_test_id("column-signed"), target_position={"x": 40, "y": 12})
    dialog = page.get_by_test_id("move-dialog")
    expect(dialog).to_contain_text(lead_name)
    expect(dialog).to_be_visible()
    dialog.get_by_label("签约金额（万元）").fill("10000")
    dialog.get_by_label("签约日期").fill(today)
    dialog.get_by_test_id("move-save").click()
    expect(page.locator(".flash-error")).to_contain_text("签约须经核实")
    expect(page.get_by_test_id("column-clue").locator(f'[data-name="{lead_name}"]')).to_be_visible()

    # An administrator signs it.
    page.context.clear_cookies()
    log_in(page, live_server, "admin", DEMO_PASSWORD)
    page.goto(f"{live_server}/leads/board?q={lead_name}")  # the board takes the filters
    card = page.locator(f'[data-testid="card"][data-name="{lead_name}"]')
    # Dropped on the column's head, beside the card: a column of a hundred cards is tall.
    card.drag_to(page.get_by_test_id("column-signed"), target_position={"x": 40, "y": 12})
    dialog = page.get_by_test_id("move-dialog")
    expect(dialog).to_contain_text(lead_name)
    dialog.get_by_label("签约金额（万元）").fill("10000")
    dialog.get_by_label("签约日期").fill(today)
    dialog.get_by_test_id("move-save").click()
    expect(
        page.get_by_test_id("column-signed").locator(f'[data-name="{lead_name}"]')
    ).to_be_visible()

    page.goto(lead_url)
    expect(page.get_by_test_id("lead-stage")).to_have_text("签约")
    rows = page.get_by_test_id("stage-log-row")
    expect(rows).to_have_count(2)
    expect(rows.nth(1)).to_contain_text("线索 → 签约")
    expect(page.get_by_test_id("signed-amount")).to_contain_text("1.00 亿元")
    screenshot("signed")

    # The signed lead becomes a project that keeps its history.
    page.get_by_test_id("convert").click()
    page.get_by_label("牵头领导").select_option(index=1)
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("project-name")).to_have_text(lead_name)
    expect(page.get_by_test_id("project-pool")).to_have_text("储备库")
    expect(page.get_by_test_id("enterprise")).to_have_text(enterprise_name)
    page.get_by_test_id("apply-template").click()
    expect(page.get_by_test_id("milestone")).to_have_count(6)
    page.get_by_role("button", name="标记“立项”为已完成").click()
    expect(page.get_by_test_id("milestone").first).to_contain_text("已完成")
    page.get_by_label("问题").fill("用地指标需市里协调")
    page.get_by_role("button", name="添加问题").click()
    expect(page.get_by_test_id("problem")).to_contain_text("用地指标需市里协调")
    # The history: the lead's stage changes, then the project's own start.
    log = page.get_by_test_id("stage-change")
    expect(log.filter(has_text="线索 → 签约")).to_have_count(1)
    expect(log.filter(has_text="正在谋划")).to_have_count(1)
    screenshot("converted")
