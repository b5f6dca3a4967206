"""An administrator creates a staff user and hands over the one-time link; the user sets a
password, logs in with remember-me, changes the password elsewhere, and the first browser is
logged out: in real headless Chromium."""

from playwright.sync_api import expect

from demo.seed import DEMO_PASSWORD

FIRST_PASSWORD = "wudang mountains in the rain"
SECOND_PASSWORD = "han river runs past shiyan"


def log_in(page, live_server, name, password, remember=False):
    page.goto(f"{live_server}/login")
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill(password)
    if remember:
        page.get_by_label("记住我").check()
    page.locator("main button.primary").click()


def test_admin_hands_over_a_link_and_a_password_change_ends_the_other_browser(
    browser, live_server, screenshot, page
):
    # The administrator (the page fixture's context) creates the user.
    log_in(page, live_server, "admin", DEMO_PASSWORD)
    page.get_by_role("link", name="系统管理", exact=True).click()
    page.get_by_test_id("new-user").click()
    page.get_by_label("用户名").fill("zhou.newcomer")
    page.get_by_label("姓名").fill("周新人")
    page.get_by_label("角色").select_option("staff")
    page.get_by_label("单位", exact=True).select_option(label="茅箭区招商局")
    page.get_by_role("button", name="创建并生成设置密码链接").click()
    expect(page.get_by_test_id("password-link")).to_contain_text("只显示这一次")
    link = page.get_by_test_id("link-value").input_value()
    assert "/password/" in link
    screenshot("admin-link")

    # The newcomer opens the link on a phone, sets a password, logs in with remember-me.
    phone_context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    phone = phone_context.new_page()
    phone.goto(link)
    expect(phone.get_by_test_id("link-user")).to_have_text("zhou.newcomer")
    phone.get_by_label("新密码", exact=True).fill("short")
    phone.get_by_label("再次输入新密码").fill("short")
    phone.get_by_role("button", name="设置密码").click()
    expect(phone.locator(".error")).to_contain_text("至少需要 12 个字符")
    phone.get_by_label("新密码", exact=True).fill(FIRST_PASSWORD)
    phone.get_by_label("再次输入新密码").fill(FIRST_PASSWORD)
    phone.get_by_role("button", name="设置密码").click()
    expect(phone).to_have_url(f"{live_server}/login")
    log_in(phone, live_server, "zhou.newcomer", FIRST_PASSWORD, remember=True)
    expect(phone.get_by_test_id("current-user")).to_contain_text("周新人")
    assert any(c["name"] == "remember_token" for c in phone_context.cookies())

    # The same user changes the password on a desktop browser.
    desk_context = browser.new_context(locale="zh-CN")
    desk = desk_context.new_page()
    log_in(desk, live_server, "zhou.newcomer", FIRST_PASSWORD)
    desk.get_by_test_id("current-user").click()
    expect(desk.get_by_test_id("sessions")).to_contain_text("当前设备")
    form = desk.get_by_test_id("password-form")
    form.get_by_label("当前密码").fill(FIRST_PASSWORD)
    form.get_by_label("新密码", exact=True).fill(SECOND_PASSWORD)
    form.get_by_label("再次输入新密码").fill(SECOND_PASSWORD)
    form.get_by_role("button", name="修改密码").click()
    expect(desk.get_by_role("status")).to_contain_text("密码已修改")
    screenshot_desk = desk  # the desktop stays logged in
    expect(screenshot_desk.get_by_test_id("current-user")).to_contain_text("周新人")

    # The phone, remember-me cookie and all, is logged out.
    phone.goto(f"{live_server}/")
    expect(phone).to_have_url(f"{live_server}/login?next=/")
    # And the used link no longer works.
    phone.goto(link)
    expect(phone.get_by_test_id("link-problem")).to_contain_text("已使用过")
    phone_context.close()
    desk_context.close()
