"""An ambassador on a small phone (360×740) refers an investor on the portal and finds it under
"my referrals" as submitted; an invited ambassador (390×844) refers one with a photo, staff
accept it in another browser, the ambassador sees it accepted, and another ambassador gets 404:
in real headless Chromium."""

import base64
from pathlib import Path

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


AMBASSADOR_PASSWORD = "wudang mountains in the mist"
ENTERPRISE = "襄阳驰远精密铸造有限公司"
# A real JPEG, drawn and encoded by the browser itself.
DRAW_JPEG = """() => {
  const canvas = document.createElement('canvas');
  canvas.width = 90; canvas.height = 54;
  const pen = canvas.getContext('2d');
  pen.fillStyle = '#ffffff'; pen.fillRect(0, 0, 90, 54);
  pen.fillStyle = '#b4232a'; pen.fillRect(6, 6, 30, 30);
  pen.fillStyle = '#1f2933'; pen.fillRect(42, 10, 40, 6); pen.fillRect(42, 24, 30, 4);
  return canvas.toDataURL('image/jpeg', 0.9);
}"""


def log_in(page, live_server, name, password):
    page.goto(f"{live_server}/login")
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill(password)
    page.locator("main button.primary").click()


def test_an_invited_ambassador_refers_with_a_photo_staff_accept_and_no_one_else_sees_it(
    browser, live_server, page
):
    # Staff (the page fixture's context) appoint the ambassador and copy the one-time link.
    log_in(page, live_server, "li.staff", PASSWORD)
    page.goto(f"{live_server}/ambassadors/new")
    page.get_by_label("用户名").fill("zhou.dashi")
    page.get_by_label("姓名").fill("周大使")
    page.get_by_label("类别").select_option("investment_ambassador")
    page.get_by_role("button", name="聘任并生成邀请链接").click()
    link = page.get_by_test_id("link-value").input_value()

    # (1) On a phone the ambassador opens the link, sets a password, logs in and refers an
    # investor with a photo of the business card.
    phone_context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    phone = phone_context.new_page()
    phone.goto(link)
    phone.get_by_label("新密码", exact=True).fill(AMBASSADOR_PASSWORD)
    phone.get_by_label("再次输入新密码").fill(AMBASSADOR_PASSWORD)
    phone.get_by_role("button", name="设置密码").click()
    expect(phone).to_have_url(f"{live_server}/login")
    log_in(phone, live_server, "zhou.dashi", AMBASSADOR_PASSWORD)
    expect(phone).to_have_url(f"{live_server}/portal")

    jpeg = base64.b64decode(phone.evaluate(DRAW_JPEG).split(",", 1)[1])
    assert jpeg[:3] == b"\xff\xd8\xff"
    form = phone.get_by_test_id("referral-form")
    form.get_by_label("企业名称").fill(ENTERPRISE)
    form.get_by_label("联系人").fill("赵总")
    form.get_by_label("意向项目").fill("汽车零部件精密铸造")
    form.get_by_label("附件").set_input_files(
        files=[{"name": "名片.jpg", "mimeType": "image/jpeg", "buffer": jpeg}]
    )
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    form.get_by_role("button", name="提交推荐").click()
    row = phone.get_by_test_id("referral").filter(has_text=ENTERPRISE)
    expect(row.get_by_test_id("referral-status")).to_have_text("已提交")
    row.get_by_role("link", name=ENTERPRISE).click()
    expect(phone.get_by_test_id("attachment")).to_have_text("名片.jpg")
    referral_url = phone.url
    file_url = phone.get_by_test_id("attachment").get_attribute("href")

    # (2) Staff find it in the inbox, download the photo, and accept it.
    page.goto(f"{live_server}/ambassadors/inbox")
    card = page.get_by_test_id("inbox-referral").filter(has_text=ENTERPRISE)
    with page.expect_download() as downloading:
        card.get_by_test_id("attachment").click()
    download = downloading.value
    assert download.suggested_filename == "名片.jpg"
    assert Path(download.path()).read_bytes() == jpeg
    card.get_by_test_id("accept-referral").click()
    expect(page.get_by_test_id("inbox-referral").filter(has_text=ENTERPRISE)).to_have_count(0)

    # (3) The ambassador reloads and sees it accepted.
    phone.reload()
    expect(phone.get_by_test_id("referral-status")).to_have_text("已受理")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    # (4) Another ambassador gets 404 on the referral and on its file.
    other_context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    other = other_context.new_page()
    log_in(other, live_server, "chen.ambassador", PASSWORD)
    expect(other).to_have_url(f"{live_server}/portal")
    assert other.goto(referral_url).status == 404
    assert other.request.get(f"{live_server}{file_url}").status == 404
    other_context.close()
    phone_context.close()


def test_the_phone_names_a_file_problem_before_sending_anything(browser, live_server):
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
    phone = context.new_page()
    log_in(phone, live_server, "chen.ambassador", PASSWORD)
    form = phone.get_by_test_id("referral-form")
    form.get_by_label("企业名称").fill("十堰某待补附件的企业")
    files = form.get_by_label("附件")
    problem = form.get_by_test_id("attachment-problem")
    photo = {"name": "名片.jpg", "mimeType": "image/jpeg", "buffer": b"\xff\xd8\xff" + bytes(64)}
    files.set_input_files(files=[photo | {"name": f"{n}.jpg"} for n in range(4)])
    expect(problem).to_have_text("最多 3 个附件。")
    files.set_input_files(files=[photo | {"name": "空.jpg", "buffer": b""}])
    expect(problem).to_have_text("“空.jpg”是空文件。")
    requests = []
    phone.on("request", lambda request: requests.append(request.method))
    form.get_by_role("button", name="提交推荐").click()
    expect(problem).to_be_visible()
    assert "POST" not in requests
    assert form.get_by_label("企业名称").input_value() == "十堰某待补附件的企业"
    files.set_input_files(files=[photo])
    expect(problem).to_be_hidden()
    context.close()
