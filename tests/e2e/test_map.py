"""The industry map in Chromium with tiles off: nothing but the app is asked for anything,
filters change the count, hostile names stay text, and a marker's popup links to its record."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from sqlalchemy import delete, func, select

from crm.extensions import db
from crm.models import AuditEvent, District, Enterprise
from crm.services.enterprises import create_enterprise
from tests.support import PASSWORD

HOSTILE = ("<img src=x onerror=alert(1)>", "${alert(2)}`\\'\"</script>")
# Far above any demo firm, so this filter leaves the two hostile ones alone.
TAX_PER_MU = "900000"


@pytest.fixture(scope="module")
def tiles_off(live_app):
    before = live_app.config["TILE_URL"]
    live_app.config["TILE_URL"] = "off"
    yield
    live_app.config["TILE_URL"] = before


@pytest.fixture(scope="module")
def hostile(live_app):
    """Two enterprises with hostile names, half a degree apart (never one cluster)."""
    with live_app.app_context():
        made = [
            create_enterprise(
                db.session,
                {"name": name, "land_mu": "1", "tax_wan": "999999", "output_wan": "12345.6",
                 "segments": ["M201"], "location": {"lon": 110.3 + index * 0.5, "lat": 32.5}},
                None,
            )
            for index, name in enumerate(HOSTILE)
        ]  # fmt: skip
        db.session.commit()
        ids = [enterprise.id for enterprise in made]
        db.session.remove()
    yield ids
    with live_app.app_context():
        db.session.execute(
            delete(AuditEvent).where(
                AuditEvent.entity == Enterprise.__tablename__, AuditEvent.entity_id.in_(ids)
            )
        )
        db.session.execute(delete(Enterprise).where(Enterprise.id.in_(ids)))
        db.session.commit()
        db.session.remove()


def located(live_app, district: str | None = None) -> int:
    with live_app.app_context():
        statement = select(func.count()).where(
            Enterprise.deleted_at.is_(None), Enterprise.lon.isnot(None)
        )
        if district:
            statement = statement.join(District, District.id == Enterprise.district_id).where(
                District.code == district
            )
        return db.session.scalar(statement.select_from(Enterprise))


def test_the_map_with_tiles_off(page, live_app, live_server, tiles_off, hostile, screenshot):
    requests, dialogs, errors = [], [], []
    page.on("request", lambda request: requests.append(request.url))
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text))

    page.goto(f"{live_server}/login")
    page.get_by_label("用户名").fill("li.staff")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.goto(f"{live_server}/map")

    count = page.get_by_test_id("map-count")
    everyone = located(live_app)
    expect(count).to_have_text(f"{everyone:,} 家符合条件")
    expect(page.get_by_test_id("tiles-off")).to_be_visible()
    expect(page.locator(".leaflet-tile")).to_have_count(0)
    expect(page.get_by_test_id("map-legend")).to_contain_text("链主企业")
    # The project and park layers, in the legend and on the map.
    expect(page.get_by_test_id("map-legend")).to_contain_text("项目：建设库")
    expect(page.get_by_test_id("map-legend")).to_contain_text("园区")
    projects = page.locator("path.project-marker")
    expect(projects.first).to_be_attached()
    expect(page.locator(".leaflet-control-layers")).to_contain_text("项目")
    page.get_by_test_id("filter-pool").select_option("in_effect")
    expect(page.locator("path.project-marker:not([stroke='#059669'])")).to_have_count(0)
    page.get_by_test_id("filter-pool").select_option("")
    screenshot("all")
    # The heat layer: off at first, drawn on a canvas when chosen in the layer control.
    heat = page.locator(".leaflet-control-layers label", has_text="热力图").locator("input")
    expect(page.locator("canvas.leaflet-heatmap-layer")).to_have_count(0)
    heat.check()
    expect(page.locator("canvas.leaflet-heatmap-layer")).to_have_count(1)
    heat.uncheck()

    # The district choropleth: a measure colours the districts, with its classes in a legend.
    page.get_by_test_id("filter-shade").select_option("enterprises")
    expect(page.get_by_test_id("shade-legend")).to_be_visible()
    expect(page.get_by_test_id("shade-legend").locator(".legend-row").first).to_contain_text("≤")
    screenshot("choropleth")
    page.get_by_test_id("filter-shade").select_option("")
    expect(page.get_by_test_id("shade-legend")).to_be_hidden()
    assert "shade" not in page.url

    # A filter refetches: the count is the district's.
    page.get_by_test_id("filter-district").select_option("420303")
    expect(count).to_have_text(f"{located(live_app, '420303'):,} 家符合条件")
    assert "district=420303" in page.url

    # Only the two hostile firms pass this threshold; their names stay text and run nothing.
    page.get_by_test_id("filter-district").select_option("")
    page.get_by_test_id("filter-tax_per_mu_min").fill(TAX_PER_MU)
    page.get_by_role("button", name="筛选").click()
    expect(count).to_have_text("2 家符合条件")
    # The list under the map holds the same two, their names as text.
    rows = page.get_by_test_id("map-list-rows").locator("tr")
    expect(rows).to_have_count(2)
    assert sorted(rows.locator("a").all_inner_texts()) == sorted(HOSTILE)
    assert page.get_by_test_id("map-list").locator("img").count() == 0
    expect(page.get_by_test_id("map-export")).to_have_attribute(
        "href", f"/map/export.xlsx?tax_per_mu_min={TAX_PER_MU}"
    )
    expect(page.locator("path.enterprise-marker")).to_have_count(2)
    # The layer control turns the projects and parks off, leaving the markers clear to click.
    for layer in ("项目", "园区"):
        page.locator(".leaflet-control-layers label", has_text=layer).locator("input").uncheck()
    expect(projects).to_have_count(0)
    marker = page.locator("path.enterprise-marker[fill='#1f77b4']").first
    marker.click(force=True)
    popup = page.locator(".leaflet-popup-content .map-popup")
    expect(popup).to_be_visible()
    name = popup.locator("strong")
    assert name.inner_text() in HOSTILE
    assert popup.locator("img").count() == 0
    link = popup.get_by_role("link", name="查看企业档案")
    expect(link).to_have_attribute(
        "href", re.compile(rf"^/enterprises/({hostile[0]}|{hostile[1]})$")
    )
    expect(popup).to_contain_text("12,345.6 万元")
    screenshot("popup")
    link.click()
    expect(page).to_have_url(re.compile(r"/enterprises/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"<img|\$\{alert"))

    assert dialogs == []
    assert errors == []

    # A bad value answers with the API's message, shown as text (the browser logs the 422).
    page.goto(f"{live_server}/map?tax_per_mu_min=-5")
    expect(page.get_by_test_id("map-error")).to_contain_text("不能为负数")
    assert dialogs == []
    outside = [url for url in requests if not url.startswith(live_server)]
    assert outside == []
    assert any(url.startswith(f"{live_server}/api/v1/map/enterprises.geojson") for url in requests)


def test_the_tax_threshold_is_hand_checked(live_app, hostile):
    # 999,999 万元 of tax on 1 亩 passes 900,000 万元/亩; no demo enterprise comes close.
    with live_app.app_context():
        above = db.session.scalar(
            select(func.count()).where(
                Enterprise.land_mu > 0,
                Enterprise.tax_wan >= Enterprise.land_mu * Decimal(TAX_PER_MU),
            )
        )
    assert above == 2
