"""Project journey in a real browser: a project for an existing enterprise, its milestone
template, one milestone done, a problem, the move to 新开工, all on the project page and log."""

from playwright.sync_api import expect
from sqlalchemy import select

from crm.clock import city_today
from crm.extensions import db
from crm.models import Enterprise
from tests.e2e.test_enterprise_journeys import log_in


def test_project_from_plan_to_construction(page, live_server, live_app):
    with live_app.app_context():
        enterprise = db.session.scalar(
            select(Enterprise).where(Enterprise.is_local.is_(True), Enterprise.deleted_at.is_(None))
            .order_by(Enterprise.id).limit(1)
        )  # fmt: skip
        enterprise_id, enterprise_name = enterprise.id, enterprise.name
        today = city_today().isoformat()
        db.session.remove()
    log_in(page, live_server, "li.staff")

    page.goto(f"{live_server}/projects/new?enterprise_id={enterprise_id}")
    expect(page.get_by_text(enterprise_name)).to_be_visible()
    page.get_by_label("项目名称").fill("浏览器技改项目")
    page.get_by_label("项目类型").select_option("upgrade")
    page.get_by_label("总投资（万元）").fill("25000")
    page.get_by_label("牵头领导").select_option(index=1)
    page.get_by_label("推进方案").fill("年内完成前期手续")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("project-name")).to_have_text("浏览器技改项目")
    expect(page.get_by_test_id("project-pool")).to_have_text("储备库")
    expect(page.get_by_test_id("enterprise")).to_have_text(enterprise_name)

    page.get_by_test_id("apply-template").click()
    milestones = page.get_by_test_id("milestone")
    expect(milestones).to_have_count(6)
    page.get_by_role("button", name="标记“立项”为已完成").click()
    expect(milestones.filter(has_text="立项")).to_contain_text("已完成")

    page.get_by_label("问题").fill("施工用电需协调")
    page.get_by_role("button", name="添加问题").click()
    expect(page.get_by_test_id("problem")).to_contain_text("施工用电需协调")

    page.get_by_label("进入阶段").select_option("newly_started")
    page.get_by_role("button", name="保存阶段").click()
    expect(page.get_by_text("须填写实际开工日期")).to_be_visible()
    page.get_by_label("进入阶段").select_option("newly_started")
    page.get_by_label("实际开工日期").fill(today)
    page.get_by_role("button", name="保存阶段").click()
    expect(page.get_by_test_id("project-pool")).to_have_text("建设库")
    expect(page.get_by_test_id("project-stage")).to_have_text("新开工")
    expect(page.get_by_test_id("started-on")).to_have_text(today)
    log = page.get_by_test_id("stage-change")
    expect(log).to_have_count(2)
    expect(log.nth(1)).to_contain_text("正在谋划 → 新开工")
    expect(log.nth(1)).to_contain_text("李招商")
