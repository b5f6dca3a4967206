"""Rewards and recognition through pages, the API and the CLI: the leaderboard's figures on a
small hand-built dataset, the rules' form and resource, the .xlsx read back, who may reach what,
and the ambassador's own recognition and certificate."""

import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from crm.models import FundsArrival, Lead, Project, Referral, RewardRule, TalentReferral
from crm.services import ambassador_leaderboard
from tests.support import csrf_token

CITY = "十堰市"


@pytest.fixture
def dataset(session, make_user):
    """Three ambassadors, one of each kind, and the rule of 2026 (the practice's bands, cap 100,
    +10% for 技改):

    甲大使 (招商大使): five referrals: one submitted in 2025 and never handled, one accepted (lead
    at 线索), one signed (lead 签约, no project), one landed (2,000万 in 2026: 2,000 × 4‰ = 8),
    one declined. 乙大使 (荣誉市民): one landed project with 2亿 in 2026 (2亿 × 5‰ = 100, the cap),
    a 0.5 share: 50, funds 10,000. 丙大使 (招才大使): five talent referrals, one per status."""
    leader = make_user("official", "leader.x")
    jia = make_user(
        "ambassador", "jia", display_name="甲大使", ambassador_kind="investment_ambassador"
    )
    yi = make_user("ambassador", "yi", display_name="乙大使", ambassador_kind="honorary_citizen")
    bing = make_user(
        "ambassador", "bing", display_name="丙大使", ambassador_kind="talent_ambassador"
    )
    session.add(
        RewardRule(
            city=CITY,
            year=2026,
            cap_wan=Decimal(100),
            bands=[
                {"up_to_wan": "1000", "per_mille": "3"},
                {"up_to_wan": "10000", "per_mille": "4"},
                {"up_to_wan": None, "per_mille": "5"},
            ],
            extras={"band_method": "whole", "bonus_pct": "10", "bonus_project_types": ["upgrade"]},
        )
    )

    def lead(name, stage="clue"):
        record = Lead(name=name, source="ambassador", stage=stage)
        session.add(record)
        session.flush()
        return record

    def project(record, amount):
        made = Project(
            name=f"{record.name}项目",
            lead_id=record.id,
            project_type="new_build",
            sector="industry",
            total_investment_wan=Decimal(90000),
            leader_id=leader.id,
            stage="newly_started",
        )
        session.add(made)
        session.flush()
        session.add(
            FundsArrival(
                project_id=made.id,
                arrived_on=date(2026, 3, 15),
                amount_wan=Decimal(amount),
                origin="local",
            )
        )

    def refer(user, name, status="accepted", lead_record=None, share=1, when=None, reason=None):
        session.add(
            Referral(
                ambassador_id=user.ambassador.id,
                enterprise_name=name,
                status=status,
                lead_id=lead_record.id if lead_record else None,
                credit_share=Decimal(share),
                rejected_reason=reason,
                submitted_at=when or datetime(2026, 2, 1, 9, 0),
            )
        )

    refer(jia, "甲一企业", "submitted", when=datetime(2025, 6, 1, 9, 0))
    refer(jia, "甲二企业", lead_record=lead("甲二"))
    refer(jia, "甲三企业", lead_record=lead("甲三", "signed"))
    landed_jia = lead("甲四", "signed")
    project(landed_jia, "2000")
    refer(jia, "甲四企业<b>", lead_record=landed_jia)
    refer(jia, "甲五企业", "rejected", reason="已知")
    landed_yi = lead("乙一", "signed")
    project(landed_yi, "20000")
    refer(yi, "乙一企业", lead_record=landed_yi, share="0.5")
    for status in ("submitted", "contacted", "matched", "hired", "rejected"):
        session.add(
            TalentReferral(
                ambassador_id=bing.ambassador.id,
                person_name=f"人才{status}",
                field="电池",
                status=status,
                rejected_reason="不合适" if status == "rejected" else None,
            )
        )
    session.commit()
    return {"jia": jia, "yi": yi, "bing": bing}


def figures(row):
    return (row.referrals, row.accepted, row.signed, row.landed, row.funds_wan, row.reward_wan)


def test_leaderboard_figures(app, session, dataset, make_user):
    staff = make_user("staff")
    with app.test_request_context():
        board = ambassador_leaderboard.leaderboard(session, CITY, staff)
    by_name = {row.name: row for row in board.rows}
    assert figures(by_name["甲大使"]) == (5, 3, 2, 1, Decimal("2000.00"), Decimal("8.00"))
    assert figures(by_name["乙大使"]) == (1, 1, 1, 1, Decimal("10000.00"), Decimal("50.00"))
    assert figures(by_name["丙大使"]) == (5, 3, 2, 1, Decimal("0.00"), None)
    assert [row.name for row in board.rows] == ["乙大使", "甲大使", "丙大使"]
    kinds = {row.kind: row for row in board.kinds}
    assert figures(kinds["investment_ambassador"]) == (5, 3, 2, 1, Decimal("2000.00"), Decimal(8))
    assert figures(kinds["honorary_citizen"]) == (1, 1, 1, 1, Decimal("10000.00"), Decimal(50))
    assert figures(kinds["talent_ambassador"])[:4] == (5, 3, 2, 1)
    with app.test_request_context():
        by_referrals = ambassador_leaderboard.leaderboard(session, CITY, staff, sort="referrals")
        of_2025 = ambassador_leaderboard.leaderboard(session, CITY, staff, year=2025)
        of_2026 = ambassador_leaderboard.leaderboard(session, CITY, staff, year=2026)
    # Ties keep the names' order (丙 before 甲 in Unicode).
    assert [row.name for row in by_referrals.rows] == ["丙大使", "甲大使", "乙大使"]
    jia_2025 = next(row for row in of_2025.rows if row.name == "甲大使")
    assert figures(jia_2025) == (1, 0, 0, 0, Decimal("0.00"), None)
    jia_2026 = next(row for row in of_2026.rows if row.name == "甲大使")
    assert figures(jia_2026) == (4, 3, 2, 1, Decimal("2000.00"), Decimal("8.00"))


def test_leaderboard_page_and_json_for_staff_and_officials(
    client, login, dataset, make_user, bearer
):
    official = make_user("official")
    login(official)
    page = client.get("/ambassadors/leaderboard?year=2026&sort=funds_wan")
    assert page.status_code == 200
    text = page.text
    assert text.index("乙大使") < text.index("甲大使")
    assert 'aria-sort="descending"' in text and "10,000" in text
    answer = client.get("/api/v1/ambassador-leaderboard?year=2026&sort=referrals")
    assert answer.status_code == 200
    body = answer.get_json()
    jia = next(row for row in body["ambassadors"] if row["name"] == "甲大使")
    assert jia["referrals"] == 4 and jia["funds_wan"] == "2000" and jia["reward_wan"] == "8"
    bing = next(row for row in body["ambassadors"] if row["name"] == "丙大使")
    assert bing["reward_wan"] is None
    assert client.get("/api/v1/ambassador-leaderboard?sort=x").status_code == 422
    staff = make_user("staff")
    assert client.get("/api/v1/ambassador-leaderboard", headers=bearer(staff)).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/ambassadors/leaderboard",
        "/ambassadors/reward-rules",
        "/ambassadors/reward-rules/new",
        "/ambassadors/rewards",
        "/ambassadors/rewards/export?year=2026",
        "/api/v1/reward-rules",
        "/api/v1/ambassador-leaderboard",
    ],
)
def test_ambassadors_cannot_reach_rules_rewards_or_leaderboard(client, login, dataset, path):
    login(dataset["jia"])
    assert client.get(path).status_code == 403


def test_officials_read_but_neither_edit_rules_nor_export(
    client, login, dataset, make_user, session
):
    login(make_user("official"))
    assert client.get("/ambassadors/reward-rules").status_code == 200
    assert client.get("/ambassadors/rewards?year=2026").status_code == 200
    assert client.get("/ambassadors/reward-rules/new").status_code == 403
    rule = session.query(RewardRule).one()
    assert client.get(f"/ambassadors/reward-rules/{rule.id}/edit").status_code == 403
    assert client.get("/ambassadors/rewards/export?year=2026").status_code == 403


def test_the_years_rewards_and_their_xlsx(client, login, dataset, make_user):
    login(make_user("staff"))
    page = client.get("/ambassadors/rewards?year=2026").text
    assert "甲大使" in page and "乙大使" in page and "丙大使" not in page
    assert "按功劳份额 0.5 分得 50 万元" in page
    assert "甲四企业<b>" not in page
    assert "2025 年尚无奖励规则" in client.get("/ambassadors/rewards?year=2025").text
    answer = client.get("/ambassadors/rewards/export?year=2026")
    data = answer.data
    answer.close()  # sent from a temporary file, which closing removes
    assert answer.status_code == 200
    assert "attachment" in answer.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["2026年汇总", "2026年明细", "2026年规则"]
    summary = list(book["2026年汇总"].iter_rows(values_only=True))
    assert summary[0][:7] == (
        "大使编号",
        "姓名",
        "类别",
        "单位",
        "计奖项目数",
        "本年到位资金（万元，按功劳份额）",
        "奖励金额（万元）",
    )
    rows = {row[1]: row for row in summary[1:3]}
    assert rows["甲大使"][2] == "招商大使" and Decimal(str(rows["甲大使"][6])) == Decimal(8)
    assert Decimal(str(rows["乙大使"][6])) == Decimal(50)
    assert Decimal(str(rows["乙大使"][5])) == Decimal(10000)
    assert summary[3][1] == "合计" and Decimal(str(summary[3][6])) == Decimal(58)
    detail = list(book["2026年明细"].iter_rows(values_only=True))
    assert detail[0][4] == "项目名称" and detail[0][-1] == "计算说明"
    yi = next(row for row in detail[1:] if row[1] == "乙大使")
    assert yi[5] == "2026-03-15 20,000" and yi[15] == "否"
    assert Decimal(str(yi[16])) == Decimal(100) and Decimal(str(yi[18])) == Decimal(50)
    assert "20,000 万元（10,000 万元及以上）× 5‰" in yi[19]
    rule = list(book["2026年规则"].iter_rows(values_only=True))
    assert rule[1][0] == "1,000 万元以下" and rule[-1] == ("额外奖励适用", "技改")


def test_the_cli_exports_a_year(app, session, dataset, tmp_path):
    target = tmp_path / "rewards.xlsx"
    result = app.test_cli_runner().invoke(args=["rewards", "2026", "--out", str(target)])
    assert result.exit_code == 0, result.output
    assert "2 ambassadors" in result.output
    assert load_workbook(target)["2026年汇总"]["B2"].value in ("甲大使", "乙大使")


def test_the_rule_form_keeps_what_was_typed_and_names_each_problem(
    client, login, make_user, session
):
    login(make_user("staff"))
    page = client.get("/ambassadors/reward-rules/new")
    assert page.status_code == 200 and 'name="band_up_to_wan"' in page.text
    data = {
        "csrf_token": csrf_token(page.text),
        "year": "2031",
        "band_up_to_wan": ["1000", "800", "", ""],
        "band_per_mille": ["3", "4", "5", ""],
        "cap_wan": "-1",
        "band_method": "whole",
        "bonus_pct": "10",
        "bonus_segments": '<script>alert("x")</script>',
    }
    answer = client.post("/ambassadors/reward-rules/new", data=data)
    assert answer.status_code == 422
    assert "第 2 档：上限 800 应大于上一档的上限 1000" in answer.text
    assert 'data-testid="error-cap_wan">不能为负数' in answer.text
    assert "<script>alert" not in answer.text and "&lt;script&gt;" in answer.text
    assert 'value="800"' in answer.text
    data |= {"band_up_to_wan": ["1000", "10000", "", ""], "cap_wan": "100", "bonus_segments": ""}
    data["bonus_project_types"] = ["upgrade"]
    answer = client.post("/ambassadors/reward-rules/new", data=data, follow_redirects=True)
    assert answer.status_code == 200 and "已保存 2031 年的奖励规则" in answer.text
    rule = session.query(RewardRule).filter_by(year=2031).one()
    assert rule.bands[1] == {"up_to_wan": "10000", "per_mille": "4"}
    assert rule.extras["bonus_project_types"] == ["upgrade"]
    edit = client.get(f"/ambassadors/reward-rules/{rule.id}/edit")
    assert 'value="10000"' in edit.text
    answer = client.post(
        f"/ambassadors/reward-rules/{rule.id}/edit",
        data=data | {"csrf_token": csrf_token(edit.text), "version": "0", "cap_wan": "80"},
    )
    assert answer.status_code == 409 and 'value="80"' in answer.text
    answer = client.post(
        f"/ambassadors/reward-rules/{rule.id}/edit",
        data=data
        | {"csrf_token": csrf_token(edit.text), "version": str(rule.version), "cap_wan": "80"},
        follow_redirects=True,
    )
    assert answer.status_code == 200
    assert session.get(RewardRule, rule.id, populate_existing=True).cap_wan == Decimal(80)


def test_district_staff_may_not_set_the_citys_rules(client, login, make_user, make_unit):
    district = make_unit("茅箭区招商局")
    login(make_user("staff", unit=district))
    assert client.get("/ambassadors/reward-rules").status_code == 200
    assert client.get("/ambassadors/reward-rules/new").status_code == 403


def test_the_reward_rules_resource(client, make_user, bearer, dataset):
    headers = bearer(make_user("staff"))
    listed = client.get("/api/v1/reward-rules", headers=headers).get_json()
    [rule] = listed["items"]
    assert rule["year"] == 2026 and rule["bands"][2] == {"up_to_wan": None, "per_mille": "5"}
    made = client.post(
        "/api/v1/reward-rules",
        headers=headers,
        json={
            "year": 2027,
            "bands": [{"up_to_wan": 5000, "per_mille": 2}, {"up_to_wan": None, "per_mille": 6}],
            "band_method": "marginal",
        },
    )
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["band_method"] == "marginal" and body["cap_wan"] is None
    bad = client.patch(
        f"/api/v1/reward-rules/{body['id']}",
        headers=headers,
        json={"version": body["version"], "bands": [{"up_to_wan": 5, "per_mille": 1}]},
    )
    assert bad.status_code == 422
    assert "最后一档应不设上限" in bad.get_json()["error"]["fields"]["bands"][0]
    changed = client.patch(
        f"/api/v1/reward-rules/{body['id']}",
        headers=headers,
        json={"version": body["version"], "cap_wan": "50"},
    )
    assert changed.status_code == 200 and changed.get_json()["cap_wan"] == "50"
    ambassador = bearer(dataset["jia"])
    assert client.get(f"/api/v1/reward-rules/{body['id']}", headers=ambassador).status_code == 404


def test_the_ambassador_sees_only_their_own_recognition(client, login, dataset):
    login(dataset["jia"])
    portal = client.get("/portal").text
    assert 'href="/portal/recognition"' in portal
    page = client.get("/portal/recognition")
    assert page.status_code == 200
    assert "甲四企业&lt;b&gt;" in page.text and "8 万元" in page.text
    assert "乙一企业" not in page.text and "乙大使" not in page.text
    # Not credited: submitted, accepted without a landed project, declined.
    assert "甲二企业" not in page.text and "甲五企业" not in page.text
    certificate = client.get("/portal/recognition/certificate")
    assert certificate.status_code == 200
    assert "甲大使" in certificate.text and "招商大使" in certificate.text
    assert "甲四企业&lt;b&gt;" in certificate.text and "乙一企业" not in certificate.text


def test_a_talent_ambassador_has_a_certificate_without_projects(client, login, dataset):
    login(dataset["bing"])
    page = client.get("/portal/recognition")
    assert page.status_code == 200 and "还没有计算奖励的到位资金" in page.text
    certificate = client.get("/portal/recognition/certificate").text
    assert "丙大使" in certificate and "招才大使" in certificate and "甲四" not in certificate


def test_staff_without_an_ambassador_record_have_no_recognition(client, login, make_user):
    login(make_user("staff"))
    assert client.get("/portal/recognition").status_code == 403


def test_an_administrator_without_an_ambassador_record_finds_no_recognition(
    client, login, make_user
):
    login(make_user("admin"))
    assert client.get("/portal/recognition").status_code == 404


def test_a_year_on_the_leaderboard_is_the_citys_calendar_year(app, session, make_user):
    ambassador = make_user("ambassador", "ding", display_name="丁大使")
    # 2025-12-31 17:00 UTC is 2026-01-01 01:00 in Shiyan.
    session.add(
        Referral(
            ambassador_id=ambassador.ambassador.id,
            enterprise_name="新年企业",
            submitted_at=datetime(2025, 12, 31, 17, 0),
        )
    )
    session.commit()
    staff = make_user("staff")

    def referrals_in(year):
        with app.test_request_context():
            board = ambassador_leaderboard.leaderboard(session, CITY, staff, year=year)
        return next(row.referrals for row in board.rows if row.name == "丁大使")

    assert (referrals_in(2025), referrals_in(2026)) == (0, 1)
