"""The enterprise form's map: a click sets the location and fills in the district; a drawn
parcel fills in the land area in 亩."""

from playwright.sync_api import expect

from tests.e2e.test_enterprise_journeys import log_in


def test_click_and_draw_on_the_form_map(page, live_server):
    log_in(page, live_server, "li.staff")
    page.goto(f"{live_server}/enterprises/new")
    picker = page.get_by_test_id("place-picker")
    expect(picker.locator("path").first).to_be_attached()  # the district outlines
    picker.scroll_into_view_if_needed()
    box = picker.bounding_box()
    centre = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.click(*centre)
    status = page.get_by_test_id("picker-status")
    expect(status).to_contain_text("已选点")
    assert page.locator("input[name=lon]").input_value() != ""
    assert page.locator("select[name=coordinate_system]").input_value() == "wgs84"
    district = page.locator("select[name=district]").input_value()

    page.get_by_test_id("draw-parcel").click()
    box = picker.bounding_box()  # the button's click may have scrolled the page
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    for dx, dy in ((-20, -20), (20, -20), (20, 20), (-20, 20)):
        page.mouse.click(x + dx, y + dy)
    page.get_by_test_id("finish-parcel").click()
    expect(status).to_contain_text("地块面积")
    area = float(page.locator("input[name=land_mu]").input_value())
    assert area > 0
    if "不在本市区县内" not in status.text_content():
        assert page.locator("select[name=district]").input_value() == district != ""
