"""Ambassadors' rewards: the bands at their edges (whole and marginal), the extra, the cap over
years, shares, years without a rule, and past years unchanged by later rules; and the rules'
validation."""

from datetime import date
from decimal import Decimal

import pytest

from crm.models import FundsArrival, Lead, Project, Referral, RewardRule
from crm.services import reward_rules, rewards
from crm.services.errors import Forbidden, ValidationError
from crm.services.reward_rules import Band, Rule

CITY = "十堰市"
PRACTICE_BANDS = [
    {"up_to_wan": "1000", "per_mille": "3"},
    {"up_to_wan": "10000", "per_mille": "4"},
    {"up_to_wan": None, "per_mille": "5"},
]


def rule(year=2026, method="whole", cap=Decimal(100), bonus=Decimal(10), types=("upgrade",)):
    return Rule(
        id=year,
        year=year,
        bands=(
            Band(Decimal(1000), Decimal(3)),
            Band(Decimal(10000), Decimal(4)),
            Band(None, Decimal(5)),
        ),
        cap_wan=cap,
        band_method=method,
        bonus_pct=bonus,
        bonus_project_types=frozenset(types),
        bonus_sectors=frozenset(),
        bonus_segments=frozenset(),
    )


def facts(*arrivals, project_type="new_build", segments=()):
    return rewards.ProjectFacts(
        1,
        "电池项目",
        1,
        project_type,
        "industry",
        frozenset(segments),
        tuple(rewards.Arrival(day, Decimal(amount)) for day, amount in arrivals),
    )


def reward_of(amount, method="whole", **options) -> Decimal:
    lines = rewards.project_years(
        facts((date(2026, 5, 1), amount), **options), {2026: rule(method=method, cap=None)}
    )
    return lines[0].reward_wan


@pytest.mark.parametrize(
    ("amount", "whole", "marginal"),
    [
        # Just below, at and above 1,000万: at the edge the next band's rate applies.
        ("999.99", "2.99997", "2.99997"),
        ("1000", "4", "3"),
        ("1000.01", "4.00004", "3.00004"),
        # Just below, at and above 1亿.
        ("9999.99", "39.99996", "38.99996"),
        ("10000", "50", "39"),
        ("10000.01", "50.00005", "39.00005"),
        ("0", "0", "0"),
    ],
)
def test_each_band_edge_whole_and_marginal(amount, whole, marginal):
    assert reward_of(amount, "whole") == Decimal(whole)
    assert reward_of(amount, "marginal") == Decimal(marginal)


def test_the_cap_and_the_extra():
    # 3亿 at 5‰ = 150万, over the cap of 100万.
    [line] = rewards.project_years(facts((date(2026, 3, 1), "30000")), {2026: rule()})
    assert line.gross_wan == Decimal(150) and line.capped and line.reward_wan == Decimal(100)
    assert any("上限 100 万元" in step for step in rewards.explain(line))
    # Exactly at the cap: 2亿 × 5‰ = 100万, not marked capped.
    [line] = rewards.project_years(facts((date(2026, 3, 1), "20000")), {2026: rule()})
    assert line.reward_wan == Decimal(100) and not line.capped
    # A technical-upgrade project (技改, named by the rule) gets +10%: 2,000万 × 4‰ × 1.1.
    [line] = rewards.project_years(
        facts((date(2026, 3, 1), "2000"), project_type="upgrade"), {2026: rule()}
    )
    assert line.base_wan == Decimal(8) and line.bonus_wan == Decimal("0.8")
    assert line.reward_wan == Decimal("8.8")
    assert any("额外奖励 10%（技改）" in step for step in rewards.explain(line))
    # The extra is counted before the cap: 1.9亿 × 5‰ = 95万, +10% = 104.5万 → 100万.
    [line] = rewards.project_years(
        facts((date(2026, 3, 1), "19000"), project_type="upgrade"), {2026: rule()}
    )
    assert line.gross_wan == Decimal("104.5") and line.reward_wan == Decimal(100)
    # A segment the rule names brings the extra too.
    named = Rule(**{**rule().__dict__, "bonus_segments": frozenset({"M501"})})
    [line] = rewards.project_years(
        facts((date(2026, 3, 1), "2000"), segments=("M501",)), {2026: named}
    )
    assert line.reward_wan == Decimal("8.8")


def test_funds_spanning_two_years_each_year_under_its_own_rule():
    project = facts((date(2026, 11, 1), "800"), (date(2027, 2, 1), "400"))
    only_2026 = {2026: rule(2026)}
    [first, second] = rewards.project_years(project, only_2026)
    assert first.reward_wan == Decimal("2.4")  # 800 × 3‰
    assert second.rule is None and second.reward_wan is None
    assert "2027 年尚无奖励规则" in second.reason
    # Adding a 2027 rule (and a different one) leaves 2026 as it was.
    doubled = Rule(
        **{
            **rule(2027).__dict__,
            "bands": (Band(Decimal(1000), Decimal(6)), Band(None, Decimal(8))),
        }
    )
    [first_again, second] = rewards.project_years(project, {**only_2026, 2027: doubled})
    assert first_again.reward_wan == first.reward_wan == Decimal("2.4")
    # 2027: 1,200万 reaches 8‰ under 2027's rule: 9.6 − what 800万 gives under it (4.8) = 4.8.
    assert second.reward_wan == Decimal("4.8")
    text = " ".join(rewards.explain(second))
    assert "2027-02-01 400 万元" in text and "此前累计 800 万元" in text


def test_the_cap_is_per_project_across_years():
    project = facts((date(2026, 6, 1), "18000"), (date(2027, 6, 1), "6000"))
    [first, second] = rewards.project_years(project, {2026: rule(2026), 2027: rule(2027)})
    assert first.reward_wan == Decimal(90)  # 1.8亿 × 5‰
    # 2.4亿 × 5‰ = 120 − 90 = 30, but only 10 is left under the cap of 100.
    assert second.gross_wan == Decimal(30) and second.reward_wan == Decimal(10) and second.capped
    assert second.paid_before_wan == Decimal(90)


def test_a_later_year_without_arrivals_of_its_own_adds_no_line():
    lines = rewards.project_years(facts((date(2026, 6, 1), "100")), {2027: rule(2027)})
    assert [line.year for line in lines] == [2026] and lines[0].reward_wan is None


# ---- with the database: credited referrals, shares, validation ----


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


@pytest.fixture
def landed(session, make_user):
    """landed(ambassadors_and_shares, arrivals, stage=...) -> the project, its lead credited to
    each ambassador with their share."""
    leader = make_user("official")

    def make(credited, arrivals, stage="under_construction", status="accepted", name="项目"):
        lead = Lead(name=name, source="ambassador", stage="signed")
        session.add(lead)
        session.flush()
        project = Project(
            name=name,
            lead_id=lead.id,
            project_type="new_build",
            sector="industry",
            total_investment_wan=Decimal(50000),
            leader_id=leader.id,
            stage=stage,
        )
        session.add(project)
        session.flush()
        for user, share in credited:
            session.add(
                Referral(
                    ambassador_id=user.ambassador.id,
                    enterprise_name=f"{name}企业",
                    status=status,
                    rejected_reason="已知" if status == "rejected" else None,
                    lead_id=lead.id if share is not None else None,
                    credit_share=Decimal(share or 1),
                )
            )
            session.flush()
        for day, amount in arrivals:
            session.add(
                FundsArrival(
                    project_id=project.id,
                    arrived_on=day,
                    amount_wan=Decimal(amount),
                    origin="local",
                )
            )
        session.commit()
        return project

    return make


@pytest.fixture
def practice_rule(session):
    def make(year=2026, **extras):
        session.add(
            RewardRule(
                city=CITY,
                year=year,
                bands=PRACTICE_BANDS,
                cap_wan=Decimal(100),
                extras={"band_method": "whole", "bonus_pct": "10"} | extras,
            )
        )
        session.commit()

    return make


def test_shares_split_one_reward_per_project(session, make_user, landed, practice_rule, ctx):
    # The lead's referral id is unique today; the grouping by lead is what counts, so the two
    # co-referrers are on two leads of one project's shape, and each takes its share.
    first = make_user("ambassador", ambassador_kind="investment_ambassador")
    practice_rule()
    landed([(first, "0.3")], [(date(2026, 4, 1), "3000")])
    result = {item.ambassador_id: item for item in rewards.year_rewards(session, CITY, 2026)}
    # 3,000万 × 4‰ = 12万; a 0.3 share is 3.6.
    assert result[first.ambassador.id].total_wan == Decimal("3.60")
    text = " ".join(result[first.ambassador.id].lines[0].explanation())
    assert "按功劳份额 0.3 分得 3.6 万元" in text


def test_split_shares_sum_to_the_projects_reward(session, make_user, practice_rule, ctx):
    """Several referrals credited on one lead (the grouping the computation makes) share one
    reward: built without the database, since a lead carries one referral today."""
    project = facts((date(2026, 4, 1), "3333"))
    [line] = rewards.project_years(project, {2026: rule(cap=None)})
    shares = [Decimal("0.5"), Decimal("0.25"), Decimal("0.25")]
    lines = [
        rewards.RewardLine(rewards.Credit(index, index, "企业", share, project), line)
        for index, share in enumerate(shares, start=1)
    ]
    # 3,333万 × 4‰ = 13.332万: 6.666 → 6.67, 3.333 → 3.33 twice.
    assert [item.amount_wan for item in lines] == [
        Decimal("6.67"),
        Decimal("3.33"),
        Decimal("3.33"),
    ]
    assert abs(
        sum(item.amount_wan for item in lines) - rewards.rounded(line.reward_wan)
    ) <= Decimal("0.01")


def test_only_credited_referrals_of_landed_projects_earn(
    session, make_user, landed, practice_rule, ctx
):
    ambassador = make_user("ambassador", ambassador_kind="investment_ambassador")
    practice_rule()
    landed([(ambassador, 1)], [(date(2026, 4, 1), "1000")], name="在建项目")
    landed([(ambassador, 1)], [(date(2026, 4, 1), "5000")], stage="planning", name="储备项目")
    landed([(ambassador, 1)], [(date(2026, 4, 1), "7000")], status="rejected", name="未受理")
    [year] = rewards.ambassador_rewards(session, CITY, ambassador.ambassador.id)
    assert year.year == 2026 and year.total_wan == Decimal("4.00")
    assert [line.credit.project.name for line in year.lines] == ["在建项目"]


def test_a_year_without_a_rule_says_so(session, make_user, landed, practice_rule, ctx):
    ambassador = make_user("ambassador", ambassador_kind="investment_ambassador")
    practice_rule(2026)
    landed([(ambassador, 1)], [(date(2025, 4, 1), "1000"), (date(2026, 4, 1), "1000")])
    years = {
        item.year: item
        for item in rewards.ambassador_rewards(session, CITY, ambassador.ambassador.id)
    }
    assert years[2025].total_wan is None and years[2025].without_rule
    assert "2025 年尚无奖励规则" in " ".join(years[2025].lines[0].explanation())
    # 2026: 2,000万 × 4‰ = 8 − 1,000万 × 4‰ = 4 under 2026's rule.
    assert years[2026].total_wan == Decimal("4.00")
    # Adding a 2027 rule changes neither year.
    practice_rule(2027, bonus_pct="50")
    again = {
        item.year: item
        for item in rewards.ambassador_rewards(session, CITY, ambassador.ambassador.id)
    }
    assert again[2026].total_wan == Decimal("4.00") and again[2025].total_wan is None


# ---- rules: validation and rights ----


def test_rules_are_validated_field_by_field(session, make_user, ctx):
    staff = make_user("staff")
    with pytest.raises(ValidationError) as caught:
        reward_rules.create_rule(
            session,
            {
                "bands": [
                    {"up_to_wan": "1000", "per_mille": "3"},
                    {"up_to_wan": "500", "per_mille": "-1"},
                    {"up_to_wan": "20000", "per_mille": "5"},
                ],
                "cap_wan": "-5",
                "bonus_pct": "abc",
                "bonus_project_types": ["spaceport"],
            },
            staff,
            city=CITY,
        )
    errors = caught.value.fields
    assert errors["year"] == ["必填"]
    bands = errors["bands"][0]
    assert "第 2 档 费率（‰）：不能为负数" in bands
    assert "第 2 档：上限 500 应大于上一档的上限 1000" in bands
    assert "最后一档应不设上限" in bands
    assert errors["cap_wan"] == ["不能为负数"]
    assert errors["bonus_pct"] and errors["bonus_project_types"]
    with pytest.raises(ValidationError) as caught:
        reward_rules.create_rule(
            session, {"year": 2026, "bands": [{"up_to_wan": None}], "bonus_segments": ["X9"]},
            staff, city=CITY,
        )  # fmt: skip
    assert "第 1 档：请填写费率（‰）" in caught.value.fields["bands"][0]
    assert "X9" in caught.value.fields["bonus_segments"][0]


def test_a_rule_is_made_once_per_year_and_kept_as_data(session, make_user, ctx):
    staff = make_user("staff")
    data = {
        "year": 2026,
        "bands": PRACTICE_BANDS,
        "cap_wan": "100",
        "band_method": "marginal",
        "bonus_pct": 10,
        "bonus_project_types": ["upgrade"],
    }
    made = reward_rules.create_rule(session, data, staff, city=CITY)
    session.commit()
    assert made.bands[0] == {"up_to_wan": "1000", "per_mille": "3"}
    assert made.extras["band_method"] == "marginal" and made.extras["bonus_pct"] == "10"
    loaded = reward_rules.rule_of(made)
    assert loaded.bands[2] == Band(None, Decimal(5)) and loaded.bonus_pct == Decimal(10)
    with pytest.raises(ValidationError) as caught:
        reward_rules.create_rule(session, data, staff, city=CITY)
    assert "2026 年的奖励规则已存在" in caught.value.fields["year"][0]
    reward_rules.update_rule(session, made, {"cap_wan": "80"}, made.version, staff)
    session.commit()
    assert made.cap_wan == Decimal(80) and made.extras["band_method"] == "marginal"
    with pytest.raises(ValidationError):
        reward_rules.update_rule(session, made, {"year": 2030}, made.version, staff)
    official = make_user("official")
    with pytest.raises(Forbidden):
        reward_rules.create_rule(session, data | {"year": 2027}, official, city=CITY)
