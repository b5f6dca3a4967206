"""亩均效益 evaluation: a score worked by hand, "not rated" with what is missing, the scheme file,
the latest year's figures, the ranked page and the map's filter by class."""

from decimal import Decimal

import pytest
from sqlalchemy import select

from crm.models import EnterpriseYear
from crm.services.enterprises import create_enterprise
from geo.evaluation import EvaluationFileError, evaluate, parse_scheme

SCHEME = {
    "ratio_cap": 2,
    "classes": {"A": 110, "B": 90, "C": 60},
    "indicator": [
        {"key": "tax_per_mu", "benchmark": 15, "weight": 0.3},
        {"key": "value_added_per_mu", "benchmark": 60, "weight": 0.2},
        {"key": "value_added_per_energy", "benchmark": 2, "weight": 0.15},
        {"key": "value_added_per_emissions", "benchmark": 100, "weight": 0.1},
        {"key": "labour_productivity", "benchmark": 30, "weight": 0.15},
        {"key": "rd_share", "benchmark": 2, "weight": 0.1},
    ],
}
# One enterprise, worked by hand:
#   indicator                value                    ÷ benchmark  ratio   × weight × 100
#   tax per mu               360 / 20 = 18             15          1.2     × 0.30 = 36
#   value added per mu       1500 / 20 = 75            60          1.25    × 0.20 = 25
#   value added per energy   1500 / 500 = 3            2           1.5     × 0.15 = 22.5
#   value added per emission 1500 / 5 = 300            100         3 → 2   × 0.10 = 20 (capped)
#   labour productivity      1500 / 60 = 25            30          0.8333  × 0.15 = 12.5
#   R&D share                120 / 8000 × 100 = 1.5 %  2           0.75    × 0.10 = 7.5
#   score 123.5: class A (≥ 110)
FIGURES = {
    "land_mu": Decimal(20),
    "tax_wan": Decimal(360),
    "value_added_wan": Decimal(1500),
    "energy_tce": Decimal(500),
    "emissions_t": Decimal(5),
    "employees": 60,
    "rd_spend_wan": Decimal(120),
    "output_wan": Decimal(8000),
}


def near(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.000001"))


def test_a_score_worked_by_hand():
    scheme = parse_scheme(SCHEME)
    result = evaluate(FIGURES, scheme)
    assert result.rated and result.missing == ()
    assert near(result.score) == Decimal("123.5")
    assert result.grade == "A"
    working = {
        part.indicator.key: (near(part.value), near(part.ratio), near(part.contribution))
        for part in result.parts
    }
    assert working == {
        "tax_per_mu": (Decimal(18), Decimal("1.2"), Decimal(36)),
        "value_added_per_mu": (Decimal(75), Decimal("1.25"), Decimal(25)),
        "value_added_per_energy": (Decimal(3), Decimal("1.5"), Decimal("22.5")),
        "value_added_per_emissions": (Decimal(300), Decimal(2), Decimal(20)),
        "labour_productivity": (Decimal(25), Decimal("0.833333"), Decimal("12.5")),
        "rd_share": (Decimal("1.5"), Decimal("0.75"), Decimal("7.5")),
    }
    assert [part.capped for part in result.parts] == [False, False, False, True, False, False]


@pytest.mark.parametrize(
    ("tax", "grade"),
    [("180", "B"), ("0", "C"), ("270", "A")],  # 123.5 - 36 + 18 = 105.5; 87.5; 123.5 - 36 + 54
)
def test_the_cut_offs_make_the_classes(tax, grade):
    result = evaluate(FIGURES | {"tax_wan": Decimal(tax)}, parse_scheme(SCHEME))
    assert result.grade == grade


def test_an_enterprise_lacking_figures_is_not_rated_and_says_what_is_missing():
    scheme = parse_scheme(SCHEME)
    result = evaluate(FIGURES | {"value_added_wan": None, "land_mu": Decimal(0)}, scheme)
    assert not result.rated
    assert result.score is None and result.grade is None and result.parts == ()
    assert result.missing == ("value_added_wan", "land_mu")
    # A zero is a figure (it scores nothing), not a missing one.
    assert evaluate(FIGURES | {"rd_spend_wan": Decimal(0)}, scheme).rated


def test_only_the_indicators_a_scheme_uses_need_figures():
    scheme = parse_scheme(
        {"classes": {"A": 100, "B": 80, "C": 60},
         "indicator": [{"key": "tax_per_mu", "benchmark": 10, "weight": 1}]}
    )  # fmt: skip
    result = evaluate({"tax_wan": Decimal(50), "land_mu": Decimal(10)}, scheme)
    assert result.score == Decimal(50) and result.grade == "D"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"indicator": [{"key": "plot_ratio", "benchmark": 1, "weight": 1}]}, "plot_ratio"),
        ({"indicator": SCHEME["indicator"][:2]}, "sum to 0.5"),
        ({"classes": {"A": 60, "B": 90, "C": 110}}, "fall from A to C"),
        ({"classes": {"A": 110, "B": 90}}, "classes.C"),
        ({"indicator": [{"key": "tax_per_mu", "benchmark": 0, "weight": 1}]}, "above 0"),
    ],
)
def test_a_bad_scheme_is_refused_naming_the_problem(change, message):
    with pytest.raises(EvaluationFileError, match=message):
        parse_scheme(SCHEME | change)


def test_the_shipped_scheme_is_valid(app):
    with app.test_request_context():
        from geo.evaluation import current_scheme

        scheme = current_scheme()
    assert len(scheme.indicators) == 6
    assert scheme.cut_offs["A"] > scheme.cut_offs["B"] > scheme.cut_offs["C"]


SCHEME_TEXT = """ratio_cap = 2
[classes]
A = 110
B = 90
C = 60
""" + "".join(
    f'[[indicator]]\nkey = "{i["key"]}"\nbenchmark = {i["benchmark"]}\nweight = {i["weight"]}\n'
    for i in SCHEME["indicator"]
)


@pytest.fixture
def scored(session, places, make_user, config, tmp_path):
    """甲 rated from its latest year (2025 over 2024; the record fills tax), 乙 not rated."""
    path = tmp_path / "mu-evaluation.toml"
    path.write_text(SCHEME_TEXT, encoding="utf-8")
    config(MAP_EVALUATION=str(path))
    base = {"location": {"lon": 110.8, "lat": 32.6}, "district": "420302"}
    first = create_enterprise(
        session,
        {"name": "甲<b>", "land_mu": "20", "tax_wan": "360", "energy_tce": "1",
         "emissions_t": "1", "employees": 1, "rd_spend_wan": "1", "output_wan": "1"} | base,
        None,
    )  # fmt: skip
    session.add_all(
        [
            EnterpriseYear(enterprise=first, year=2024, value_added_wan=Decimal(1),
                           energy_tce=Decimal(1), emissions_t=Decimal(1), employees=1,
                           rd_spend_wan=Decimal(1), output_wan=Decimal(1)),
            EnterpriseYear(enterprise=first, year=2025, value_added_wan=Decimal(1500),
                           energy_tce=Decimal(500), emissions_t=Decimal(5), employees=60,
                           rd_spend_wan=Decimal(120), output_wan=Decimal(8000)),
        ]
    )  # fmt: skip
    second = create_enterprise(session, {"name": "乙", "land_mu": "5", "tax_wan": "1"} | base, None)
    session.commit()
    return first, second


def test_the_ranking_page_shows_the_working_and_the_unrated(client, login, make_user, scored):
    login(make_user("official"))
    page = client.get("/map/evaluation")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "甲&lt;b&gt;" in html and "甲<b>" not in html
    assert 'data-testid="evaluation-score">123.5<' in html
    assert 'data-testid="evaluation-class">A<' in html
    assert "2025 年数据" in html
    assert "300.00" in html and "（封顶）" in html  # value added per emission, capped
    assert (
        'data-testid="unrated-missing">工业增加值、综合能耗、污染物排放量、从业人员、研发经费、年产值<'
        in html
    )
    filtered = client.get("/map/evaluation", query_string={"district": "420303"}).text
    assert "甲&lt;b&gt;" not in filtered


def test_the_map_filters_by_class(client, bearer, make_user, scored, session):
    first, _second = scored
    headers = bearer(make_user("staff"))
    api = "/api/v1/map/enterprises.geojson"
    found = client.get(api, query_string={"mu_class": "A"}, headers=headers).get_json()
    assert [f["properties"]["id"] for f in found["features"]] == [first.id]
    assert client.get(api, query_string={"mu_class": "B,C,D"}, headers=headers).json["count"] == 0
    year = session.scalar(select(EnterpriseYear).where(EnterpriseYear.year == 2025))
    # A fifteenth of the value added: 36 + 7.5 + (25 + 22.5 + 30 + 12.5) / 15 = 49.5, class D.
    year.value_added_wan = Decimal(100)
    session.commit()
    found = client.get(api, query_string={"mu_class": "D"}, headers=headers).get_json()
    assert [f["properties"]["id"] for f in found["features"]] == [first.id]
    bad = client.get(api, query_string={"mu_class": "E"}, headers=headers)
    assert bad.status_code == 422 and list(bad.json["error"]["fields"]) == ["mu_class"]
