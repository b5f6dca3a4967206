"""The hand-built set of enterprises the map's tests share."""

from decimal import Decimal

import pytest
from sqlalchemy import select

from crm.models import Park, Project
from crm.services.enterprises import create_enterprise


@pytest.fixture
def headers(make_user, bearer):
    return bearer(make_user("staff"))


@pytest.fixture
def firms(session, places, make_user):
    """Five enterprises worked by hand (per-mu figures in 万元/亩):

    name  segment  district  park  local  safety env  land  output/mu  tax/mu  intensity
    甲     M501     420302    yes   yes    A      A    10    500        30      300
    乙     M502     420303    -     yes    B      C    20    100        5       50
    丙     M503     420302    -     no     C      B    -     -          -       -
    丁     M501     -         -     yes    A      A    (no location: never on the map)
    戊     M501     420302    (deleted: never on the map)
    """
    park = session.scalar(select(Park))
    rows = {
        "甲": {"segments": ["M501"], "district": "420302", "park": park.name,
               "safety_rating": "A", "environment_rating": "A", "land_mu": "10",
               "output_wan": "5000", "tax_wan": "300", "is_chain_leader": True,
               "location": {"lon": 110.8012345678, "lat": 32.6298765432}},
        "乙": {"segments": ["M502"], "district": "420303", "safety_rating": "B",
               "environment_rating": "C", "land_mu": "20", "output_wan": "2000",
               "tax_wan": "100", "is_leading": True, "location": {"lon": 110.75, "lat": 32.62}},
        "丙": {"segments": ["M503"], "district": "420302", "is_local": False,
               "safety_rating": "C", "environment_rating": "B", "output_wan": "1000",
               "location": {"lon": 110.82, "lat": 32.60}},
        "丁": {"segments": ["M501"], "safety_rating": "A", "environment_rating": "A"},
        "戊": {"segments": ["M501"], "district": "420302", "location": {"lon": 110.8, "lat": 32.6}},
    }  # fmt: skip
    made = {name: create_enterprise(session, {"name": name} | values, None) for name, values in rows.items()}  # fmt: skip
    made["戊"].deleted_at = made["戊"].created_at
    leader = make_user("official")
    for name, investment, land in (("甲", "3000", "10"), ("乙", "1000", "20")):
        session.add(
            Project(name=f"{name}扩产项目", enterprise_id=made[name].id, project_type="expansion",
                    sector="industry", total_investment_wan=Decimal(investment),
                    land_mu=Decimal(land), leader_id=leader.id)
        )  # fmt: skip
    # A deleted project's investment does not count.
    session.add(
        Project(name="丙旧项目", enterprise_id=made["丙"].id, project_type="new_build",
                sector="industry", total_investment_wan=Decimal(99999), land_mu=Decimal(1),
                leader_id=leader.id, deleted_at=made["丙"].created_at)
    )  # fmt: skip
    session.commit()
    return made


@pytest.fixture
def config(app):
    """config(KEY=value, ...): set app settings for one test, restored afterwards."""
    saved = {}

    def change(**values):
        for key, value in values.items():
            saved.setdefault(key, app.config.get(key))
            app.config[key] = value

    yield change
    app.config.update(saved)
