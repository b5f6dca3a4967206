"""Rewards in headless Chromium: staff sort the leaderboard; an ambassador on a 360 px phone
opens 我的荣誉 and the certificate, and is refused the leaderboard."""

from playwright.sync_api import expect

from tests.support import PASSWORD


def log_in(page, live_server, name):
    page.goto(f"{live_server}/login")
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def test_staff_sort_the_leaderboard_and_read_the_rules(page, live_server, screenshot):
    log_in(page, live_server, "li.staff")
    page.goto(f"{live_server}/ambassadors")
    page.get_by_test_id("leaderboard-link").click()
    expect(page.get_by_role("heading", name="大使榜单")).to_be_visible()
    expect(page.get_by_test_id("kind-row")).to_have_count(3)
    page.get_by_test_id("sort-referrals").click()
    expect(page.locator("th[aria-sort]")).to_contain_text("推荐")
    counts = [
        int(text)
        for text in page.locator("[data-testid=leaderboard-row] td:nth-child(4)").all_inner_texts()
    ]
    assert counts == sorted(counts, reverse=True) and counts
    screenshot("leaderboard")
    page.goto(f"{live_server}/ambassadors/reward-rules")
    expect(page.get_by_test_id("reward-rule")).to_have_count(1)
    expect(page.get_by_test_id("reward-rule")).to_contain_text("10,000 及以上")


def test_an_ambassador_on_a_phone_opens_recognition_and_certificate(browser, live_server):
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    page = context.new_page()
    log_in(page, live_server, "chen.ambassador")
    expect(page).to_have_url(f"{live_server}/portal")
    page.get_by_test_id("recognition-link").click()
    expect(page.get_by_role("heading", name="我的荣誉")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.get_by_test_id("certificate-link").click()
    expect(page.get_by_test_id("certificate-name")).to_have_text("陈大使")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    response = page.goto(f"{live_server}/ambassadors/leaderboard")
    assert response.status == 403
    context.close()
