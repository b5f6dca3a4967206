"""A staff member and an ambassador log in, in real headless Chromium."""

from playwright.sync_api import expect

from tests.support import PASSWORD


def log_in(page, live_server, name):
    page.goto(f"{live_server}/login")
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def test_staff_sees_chinese_home_switches_to_english_and_logs_out(page, live_server, screenshot):
    log_in(page, live_server, "li.staff")
    expect(page).to_have_url(f"{live_server}/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_role("heading", name="首页")).to_be_visible()
    expect(page.get_by_test_id("current-user")).to_contain_text("李招商")
    nav = page.get_by_role("navigation")
    for section in ("线索", "项目", "企业", "产业链", "产业地图", "大使", "报表"):
        expect(nav.get_by_role("link", name=section, exact=True)).to_be_visible()
    screenshot("home-zh")

    page.get_by_test_id("language-switch").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Home")).to_be_visible()
    expect(page.get_by_role("navigation").get_by_role("link", name="Industry map")).to_be_visible()
    screenshot("home-en")

    page.get_by_role("navigation").get_by_role("link", name="Reports").click()
    expect(page.get_by_test_id("report-kind-weekly")).to_contain_text("Weekly dispatch")

    # The choice is remembered for the user: back to Chinese, which the other journeys read.
    page.get_by_test_id("language-switch").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    page.get_by_role("button", name="退出").click()
    expect(page).to_have_url(f"{live_server}/login")
    page.goto(f"{live_server}/")
    expect(page).to_have_url(f"{live_server}/login?next=/")


def test_wrong_password_shows_a_message_at_the_field(page, live_server, screenshot):
    page.goto(f"{live_server}/login")
    page.get_by_label("用户名").fill("li.staff")
    page.get_by_label("密码").fill("wrong-password")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_text("用户名或密码不正确。")).to_be_visible()
    screenshot("login-error")


def test_ambassador_lands_on_the_portal_on_a_phone(browser, live_server):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    log_in(page, live_server, "chen.ambassador")
    expect(page).to_have_url(f"{live_server}/portal")
    expect(page.get_by_test_id("ambassador-profile")).to_contain_text("招商大使")
    expect(page.get_by_role("link", name="项目")).to_have_count(0)
    page.goto(f"{live_server}/projects")
    expect(page.get_by_text("您的角色无权访问此页面。")).to_be_visible()
    context.close()
