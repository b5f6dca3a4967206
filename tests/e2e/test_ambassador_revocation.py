"""Staff appoint an ambassador and hand over the invitation link; the ambassador sets a password
and logs in on a phone; staff revoke them in another browser, and the phone's next page load is
refused and sent to log in: in real headless Chromium."""

import re

from playwright.sync_api import expect

from tests.support import PASSWORD

AMBASSADOR_PASSWORD = "wudang mountains in the rain"


def log_in(page, live_server, name, password):
    page.goto(f"{live_server}/login")
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill(password)
    page.locator("main button.primary").click()


def test_revocation_ends_the_session_open_in_another_browser(browser, live_server, page):
    # Staff (the page fixture's context) appoint the ambassador.
    log_in(page, live_server, "li.staff", PASSWORD)
    page.goto(f"{live_server}/ambassadors")
    page.get_by_test_id("new-ambassador").click()
    page.get_by_label("用户名").fill("he.dashi")
    page.get_by_label("姓名").fill("何大使")
    page.get_by_label("类别").select_option("honorary_citizen")
    page.get_by_label("电话").fill("13812345678")
    page.get_by_role("button", name="聘任并生成邀请链接").click()
    expect(page.get_by_test_id("password-link")).to_contain_text("只显示这一次")
    link = page.get_by_test_id("link-value").input_value()

    # The ambassador sets a password on a phone and logs in to the portal.
    phone_context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    phone = phone_context.new_page()
    phone.goto(link)
    phone.get_by_label("新密码", exact=True).fill(AMBASSADOR_PASSWORD)
    phone.get_by_label("再次输入新密码").fill(AMBASSADOR_PASSWORD)
    phone.get_by_role("button", name="设置密码").click()
    expect(phone).to_have_url(f"{live_server}/login")
    log_in(phone, live_server, "he.dashi", AMBASSADOR_PASSWORD)
    expect(phone).to_have_url(f"{live_server}/portal")

    # Staff revoke them.
    page.get_by_role("link", name="返回大使").click()
    page.get_by_label("撤销原因").fill("本人请辞")
    page.get_by_test_id("revoke").click()
    expect(page.get_by_test_id("ambassador-status")).to_have_text("已撤销")

    # The phone's next request is refused: it lands on the log-in page, and logging in fails.
    phone.reload()
    expect(phone).to_have_url(re.compile(rf"^{re.escape(live_server)}/login"))
    log_in(phone, live_server, "he.dashi", AMBASSADOR_PASSWORD)
    expect(phone).to_have_url(re.compile(rf"^{re.escape(live_server)}/login"))
    phone_context.close()
