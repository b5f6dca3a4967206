"""月督办 in a real browser: staff generate the month's items; the responsible leader logs in,
sees the item at the top of the home page, opens it and answers it; staff then see the answer
in the item's history and close it."""

from datetime import timedelta
from decimal import Decimal

from playwright.sync_api import expect
from sqlalchemy import select

from crm.clock import city_today
from crm.extensions import db
from crm.models import Milestone, Project, Unit
from crm.services.users import create_user
from tests.e2e.test_enterprise_journeys import log_in
from tests.support import PASSWORD


def test_the_leader_answers_a_supervision_item(page, live_server, live_app, screenshot):
    with live_app.app_context():
        city = db.session.scalar(select(Unit).where(Unit.kind == "city_bureau"))
        leader = create_user(db.session, "zhao.leader", "official", PASSWORD,
                             display_name="赵副市长")  # fmt: skip
        today = city_today()
        project = Project(name="督办旅程项目", project_type="new_build", sector="industry",
                          total_investment_wan=Decimal(30000), leader_id=leader.id,
                          owner_unit_id=city.id, stage="under_construction",
                          signed_on=today - timedelta(days=10))  # fmt: skip
        db.session.add(project)
        db.session.flush()
        db.session.add(Milestone(project_id=project.id, name="厂房封顶",
                                 planned_on=today - timedelta(days=3)))  # fmt: skip
        db.session.commit()
        db.session.remove()

    log_in(page, live_server, "li.staff")
    page.goto(f"{live_server}/supervision")
    page.get_by_role("button", name="生成本月督办").click()
    expect(page.get_by_text("已生成督办事项")).to_be_visible()
    page.context.clear_cookies()

    log_in(page, live_server, "zhao.leader")
    panel = page.get_by_test_id("my-supervision")
    expect(panel).to_be_visible()
    item = panel.get_by_test_id("my-supervision-item").filter(has_text="厂房封顶")
    expect(item).to_contain_text("督办旅程项目")
    screenshot("home")
    item.get_by_role("link").click()
    expect(page.get_by_test_id("description")).to_contain_text("厂房封顶")
    page.get_by_label("反馈内容").fill("已组织施工单位加班，预计下周封顶。")
    page.get_by_role("button", name="提交反馈").click()
    expect(page.get_by_text("已提交反馈。")).to_be_visible()
    expect(page.get_by_test_id("status")).to_have_text("已反馈")
    expect(page.get_by_test_id("answer-form")).to_be_visible()  # may add to it until closed
    page.context.clear_cookies()

    log_in(page, live_server, "li.staff")
    page.goto(f"{live_server}/supervision?status=answered")
    row = page.get_by_test_id("supervision-row").filter(has_text="厂房封顶")
    expect(row).to_contain_text("已组织施工单位加班")
    row.get_by_role("link", name="厂房封顶", exact=False).first.click()
    history = page.get_by_test_id("history-row")
    expect(history.filter(has_text="反馈")).to_contain_text("赵副市长")
    page.get_by_role("button", name="销号").click()
    expect(page.get_by_test_id("status")).to_have_text("已销号")
    screenshot("closed")
