"""/api/v1/chains: the analysis document with its reasons in words, what-if and introduction
paths over HTTP, who may ask, and the kept analysis following the data's change counter."""

import pytest
from sqlalchemy import func, select

from chainmap.facts import data_version
from crm.models import ChainSegment, Enterprise, SupplyLink
from tests.chainmap.mini_city import SETTINGS, build


@pytest.fixture
def city(app, session):
    app.config["CHAIN_ANALYSIS"] = {
        name: getattr(SETTINGS, name)
        for name in ("strong_min_enterprises", "strong_min_output_wan",
                     "leader_min_local_suppliers", "leading_min_output_wan",
                     "leading_top_per_segment", "weakly_linked_below")
    }  # fmt: skip
    yield build(session)
    app.config.pop("CHAIN_ANALYSIS")


@pytest.fixture
def headers(make_user, bearer):
    return bearer(make_user("official"))


def test_the_chains_are_listed(client, city, headers):
    answer = client.get("/api/v1/chains", headers=headers)
    assert answer.status_code == 200
    assert {"key": "mini", "name": "迷你汽车链"} in answer.json["items"]


def test_the_analysis_document_says_why_in_chinese_and_english(client, city, headers):
    answer = client.get("/api/v1/chains/mini/analysis", headers=headers)
    assert answer.status_code == 200
    document = answer.json
    segments = {segment["code"]: segment for segment in document["segments"]}
    assert segments["A102"]["coverage"] == "gap"
    assert segments["A102"]["reasons"][0] == "本地没有该环节的企业：缺失环节"
    assert segments["A101"]["local_output_wan"] == "50000.00"
    assert segments["A101"]["local_sourcing_share"] == 1.0
    assert {risk["kind"] for risk in document["risks"]} == {
        "single_source", "concentration", "local_sourcing", "cut_point"}  # fmt: skip
    single = next(risk for risk in document["risks"] if risk["kind"] == "single_source")
    assert single["reasons"] == ["十堰整车厂 在「芯片」只有一家供应商：上海芯片一"]
    top = document["recommendations"][0]
    assert (top["segment"], top["name"], top["rank"]) == ("A102", "芯片", 1)
    assert top["targets"][0]["enterprise"]["name"] == "上海芯片一"
    assert top["targets"][0]["parts"][2]["reason"] == "已向本地链主供货"
    assert [flow for flow in document["flows"] if flow["buyer"] == "B102"] == [
        {"supplier": "B101", "buyer": "B102"}]  # fmt: skip

    english = client.get(
        "/api/v1/chains/mini/analysis", headers={**headers, "Accept-Language": "en"}
    ).json
    segments = {segment["code"]: segment for segment in english["segments"]}
    assert segments["A102"]["name"] == "Chips"
    assert segments["A102"]["reasons"][0] == "No local enterprise in this segment: a gap"
    assert english["chain"]["name"] == "Mini vehicle chain"


def test_what_if_and_introduction_paths(client, city, headers):
    answer = client.get(f"/api/v1/chains/mini/what-if?enterprise={city['L1'].id}", headers=headers)
    assert answer.status_code == 200
    assert answer.json["counts"] == {"cut": 1, "exposed": 1}
    assert answer.json["affected"][0]["reason"] == "十堰维修站 失去在「整车」的唯一供应商"

    paths = client.get(
        f"/api/v1/enterprises/{city['O3'].id}/introduction-paths?chain=mini", headers=headers
    ).json["paths"]
    assert [node["name"] for node in paths[0]["nodes"]][-1] == "甲大使"
    assert paths[0]["steps"][0]["reason"] == "外地电池一 向 外地整车 供应「电池」（占其采购 50%）"
    assert paths[0]["steps"][2]["reason"] == "甲大使 的人脉覆盖长三角与「维修」，包括 上海维修"


def test_bad_questions_get_clear_answers(client, city, headers):
    assert client.get("/api/v1/chains/nowhere/analysis", headers=headers).status_code == 404
    missing = client.get("/api/v1/chains/mini/what-if", headers=headers)
    assert missing.status_code == 422 and "enterprise" in missing.json["error"]["fields"]
    wrong = client.get("/api/v1/chains/mini/what-if?enterprise=x1", headers=headers)
    assert wrong.status_code == 422
    unknown = client.get("/api/v1/chains/mini/what-if?enterprise=999999", headers=headers)
    assert unknown.status_code == 404
    assert (
        client.get("/api/v1/enterprises/999999/introduction-paths", headers=headers).status_code
        == 404
    )


def test_only_those_who_may_read_the_chain_get_it(client, city, make_user, bearer):
    assert client.get("/api/v1/chains/mini/analysis").status_code == 401
    ambassador = bearer(make_user("ambassador"))
    assert client.get("/api/v1/chains/mini/analysis", headers=ambassador).status_code == 403
    assert client.get("/api/v1/chains", headers=ambassador).status_code == 403


def test_the_kept_analysis_follows_the_data(client, session, city, headers):
    first = client.get("/api/v1/chains/mini/analysis", headers=headers).json
    again = client.get("/api/v1/chains/mini/analysis", headers=headers).json
    assert again == first  # nothing changed: the kept one
    repair = session.scalar(
        select(ChainSegment).where(ChainSegment.chain_key == "mini", ChainSegment.code == "B102")
    )
    # A second supplier of repair for L5: it is no longer single-sourced.
    session.add(
        SupplyLink(supplier_id=city["O5"].id, customer_id=city["L5"].id, segment_id=repair.id)
    )
    session.commit()
    after = client.get("/api/v1/chains/mini/analysis", headers=headers).json
    assert after["version"] > first["version"]
    singles = [r["enterprise"]["name"] for r in after["risks"] if r["kind"] == "single_source"]
    assert "十堰车队" not in singles


def test_the_counter_moves_for_chain_data_only(session, city):
    before = data_version(session)
    enterprise = session.get(Enterprise, city["L4"].id)
    enterprise.address = "十堰市张湾区车城路 1 号"  # not read by any analysis
    session.commit()
    assert data_version(session) == before
    enterprise.is_local = False
    session.commit()
    moved = data_version(session)
    assert moved[0] > before[0] and moved[1] != before[1]
    session.delete(session.scalars(select(SupplyLink)).first())
    session.commit()
    assert data_version(session)[0] > moved[0]


def test_a_lead_from_a_recommendation_carries_its_reasoning_once(
    client, session, city, login, make_user
):
    from crm.models import Lead
    from tests.support import csrf_token

    login(make_user("staff"))
    token = csrf_token(client.get("/chain?chain=mini").text)
    form = {"csrf_token": token, "segment": "A102", "enterprise": city["O1"].id,
            "introducer": f"enterprise-{city['L1'].id}"}  # fmt: skip
    made = client.post("/chain/mini/leads", data=form)
    assert made.status_code == 302
    lead = session.scalar(select(Lead).where(Lead.enterprise_id == city["O1"].id))
    assert (lead.source, lead.name) == ("business_referral", "上海芯片一·芯片")
    assert lead.basis.startswith("产业链招商推荐：芯片，补链，第 1 位\n")
    assert "引荐人：十堰整车厂" in lead.basis
    assert [segment.code for segment in lead.segments] == ["A102"]
    # A second click finds the open lead instead of making another.
    again = client.post("/chain/mini/leads", data=form)
    assert again.headers["Location"].endswith(f"/leads/{lead.id}")
    assert session.scalar(select(func.count()).select_from(Lead)) == 1
    # A target that is no longer recommended (or never was) is refused with a reason.
    stale = client.post("/chain/mini/leads", data=form | {"enterprise": city["L2"].id},
                        follow_redirects=True)  # fmt: skip
    assert "该推荐已不在当前分析中" in stale.text


def test_officials_see_the_chain_but_make_no_leads(client, city, login, make_user):
    login(make_user("official"))
    page = client.get("/chain?chain=mini")
    assert page.status_code == 200 and 'data-lead-url=""' in page.text
    assert client.post("/chain/mini/leads", data={}).status_code in (400, 403)


def test_staff_confirm_a_suggested_flag_and_only_a_suggested_one(
    client, session, city, login, make_user
):
    from tests.support import csrf_token

    login(make_user("staff"))
    token = csrf_token(client.get("/chain?chain=mini").text)
    form = {"csrf_token": token, "enterprise": city["L1"].id, "flag": "is_leading", "value": "1"}
    page = client.post("/chain/mini/flags", data=form, follow_redirects=True)
    assert "已修改 十堰整车厂 的标注。" in page.text
    assert session.get(Enterprise, city["L1"].id, populate_existing=True).is_leading is True
    # Not (or no longer) suggested: refused, nothing changed.
    again = client.post("/chain/mini/flags", data=form | {"enterprise": city["L3"].id},
                        follow_redirects=True)  # fmt: skip
    assert "该建议已不在当前分析中" in again.text
    assert session.get(Enterprise, city["L3"].id, populate_existing=True).is_leading is False
