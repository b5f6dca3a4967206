"""The chain page in a real browser: click a gap segment, read a recommended target's reasons,
open its introduction path and make a lead of it; a hostile enterprise name stays text."""

import itertools

from playwright.sync_api import expect
from sqlalchemy import select

from chainmap import kept
from chainmap.api import chain_settings
from crm.extensions import db
from crm.models import ChainSegment, Enterprise, SupplyLink
from crm.services.enterprises import create_enterprise
from tests.e2e.test_enterprise_journeys import log_in

HOSTILE = "<img src=x onerror=alert(1)>链测试{}"
_COUNTER = itertools.count(1)


def plant_target(live_app) -> tuple[str, str, str]:
    """An outside firm with a hostile name in the top gap segment, supplying a local 链主:
    the top target of that segment, with a one-hop introduction path. Returns (segment code,
    target name, chain leader name)."""
    name = HOSTILE.format(next(_COUNTER))
    with live_app.test_request_context():
        analysis = kept.current(db.session, "automotive", chain_settings()).analysis
        gap = next(item for item in analysis.recommendations if item["coverage"] == "gap")
        segment = db.session.scalar(
            select(ChainSegment).where(
                ChainSegment.chain_key == "automotive", ChainSegment.code == gap["segment"]
            )
        )
        leader = db.session.scalar(
            select(Enterprise).where(Enterprise.is_chain_leader, Enterprise.is_local).limit(1)
        )
        target = create_enterprise(
            db.session,
            {"name": name, "is_local": False, "output_wan": "9000000",
             "safety_rating": "A", "environment_rating": "A"},
            None,
        )  # fmt: skip
        target.segments.append(segment)
        db.session.flush()
        db.session.add(
            SupplyLink(
                supplier_id=target.id, customer_id=leader.id, segment_id=segment.id, share=0.9
            )
        )
        db.session.commit()
        result = (gap["segment"], name, leader.name)
        db.session.remove()
    return result


def click_segment(page, code: str) -> None:
    """Click the diagram's node of a segment: the canvas has no elements, so ask ECharts where."""
    x, y = page.evaluate(
        """code => {
            const chart = echarts.getInstanceByDom(document.getElementById('chain-diagram'));
            const data = chart.getModel().getSeriesByIndex(0).getData();
            for (let i = 0; i < data.count(); i++) {
                if (data.getId(i) === code) {
                    return chart.convertToPixel({seriesIndex: 0}, data.getItemLayout(i));
                }
            }
        }""",
        code,
    )
    box = page.locator("#chain-diagram").bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)


def test_a_gap_segment_to_a_target_its_path_and_a_lead(page, live_server, live_app, screenshot):
    code, name, leader = plant_target(live_app)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    log_in(page, live_server, "li.staff")
    page.goto(f"{live_server}/chain")
    expect(page.locator("#chain-app")).to_have_attribute("data-ready", "true")
    click_segment(page, code)
    panel = page.get_by_test_id("segment-panel")
    expect(panel.get_by_test_id("segment-coverage")).to_have_text("缺")
    target = panel.get_by_test_id("target").first
    expect(target.get_by_test_id("enterprise-link")).to_have_text(name)  # as text, not a tag
    expect(target).to_contain_text("已向本地链主供货")
    expect(target).to_contain_text("安全生产评级 A，环保评级 A")

    target.get_by_test_id("show-paths").click()
    path = target.get_by_test_id("path").first
    expect(path).to_contain_text(leader)
    expect(path).to_contain_text("占其采购 90%")
    screenshot("target-path")

    path.get_by_test_id("make-lead").click()
    expect(page.get_by_test_id("lead-name")).to_contain_text(name)
    basis = page.get_by_test_id("lead-basis")
    expect(basis).to_contain_text("产业链招商推荐")
    expect(basis).to_contain_text(f"引荐人：{leader}")
    assert dialogs == []
    assert page.locator("img[src=x]").count() == 0


def test_the_diagram_exports_a_png(page, live_server):
    log_in(page, live_server, "li.staff")
    page.goto(f"{live_server}/chain")
    expect(page.locator("#chain-app")).to_have_attribute("data-ready", "true")
    with page.expect_download() as download:
        page.get_by_test_id("export-png").click()
    assert download.value.suggested_filename == "automotive-chain.png"
    with open(download.value.path(), "rb") as file:
        assert file.read(8) == b"\x89PNG\r\n\x1a\n"
