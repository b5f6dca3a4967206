"""An ambassador on a small phone (360×740) refers an investor on the portal and finds it under
"my referrals" as submitted: in real headless Chromium."""

from playwright.sync_api import expect

from tests.support import PASSWORD


def test_an_ambassador_refers_an_investor_on_a_small_phone(browser, live_server, screenshot):
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
    phone = context.new_page()
    phone.goto(f"{live_server}/login")
    phone.get_by_label("用户名").fill("chen.ambassador")
    phone.get_by_label("密码").fill(PASSWORD)
    phone.locator("main button.primary").click()
    expect(phone).to_have_url(f"{live_server}/portal")

    form = phone.get_by_test_id("referral-form")
    form.get_by_label("企业名称").fill("<b>深圳</b>某新能源科技有限公司")
    form.get_by_label("统一社会信用代码").fill("91110108551385082Q")
    form.get_by_label("联系人").fill("李总")
    form.get_by_label("联系电话").fill("13812345678")
    form.get_by_label("意向项目").fill("动力电池电芯生产线")
    form.get_by_label("预计投资（万元）").fill("50000")
    form.get_by_label("您如何认识对方").fill("商会同事")
    # Nothing is wider than the phone.
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    form.get_by_role("button", name="提交推荐").click()

    mine = phone.get_by_test_id("my-referrals")
    row = mine.get_by_test_id("referral").filter(has_text="<b>深圳</b>某新能源科技有限公司")
    expect(row).to_have_count(1)
    expect(row.get_by_test_id("referral-status")).to_have_text("已提交")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot("my-referrals")
    context.close()
