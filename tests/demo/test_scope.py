"""Scope made true on the demo city: each log-in's printed words, the lists, the API and the
dashboard agree with plain SQL over the units' tree (crm.services.scope says the rule)."""

from datetime import date

import pytest
from sqlalchemy import select, text

from crm import models
from crm.schemas.enterprises import EnterpriseFilters
from crm.services.dashboard import build_dashboard
from crm.services.enterprise_profile import enterprise_profile
from crm.services.enterprises import browse_enterprises, may_change
from crm.services.scope import scope_of, scoped, scoped_activities
from demo.seed import seed_demo

TODAY = date(2026, 6, 22)


@pytest.fixture
def city(session):
    summary = seed_demo(session, enterprises=400, seed=5, today=TODAY)
    session.commit()
    return summary


def units_seen(session, user) -> set[int] | None:
    """Plain SQL: the units whose leads and projects the user sees; None for all of them."""
    if user.role in ("admin", "official"):
        return None
    if user.unit_id is None:
        return set()
    kind = session.execute(text("SELECT kind FROM units WHERE id = :id"), {"id": user.unit_id})
    if kind.scalar() == "city_bureau":
        return None
    return set(session.execute(text("""
        WITH RECURSIVE tree(id) AS (
          SELECT id FROM units WHERE id = :id
          UNION ALL SELECT u.id FROM units u JOIN tree t ON u.parent_id = t.id)
        SELECT id FROM tree"""), {"id": user.unit_id}).scalars())  # fmt: skip


def sql_ids(session, table: str, units: set[int] | None, where: str = "1 = 1") -> set[int]:
    rows = session.execute(
        text(f"SELECT id, owner_unit_id FROM {table} WHERE deleted_at IS NULL AND {where}")
    ).all()
    return {id_ for id_, unit in rows if units is None or unit in units}


def demo_users(session):
    return session.scalars(
        select(models.User)
        .where(models.User.role.in_(("admin", "staff", "official")))
        .order_by(models.User.id)
    ).all()


def test_every_log_in_sees_what_plain_sql_says(session, city):
    all_enterprises = set(session.scalars(
        select(models.Enterprise.id).where(models.Enterprise.deleted_at.is_(None))))  # fmt: skip
    year_start = date(TODAY.year, 1, 1)
    users = demo_users(session)
    assert len(users) >= 12
    for user in users:
        units = units_seen(session, user)
        leads = sql_ids(session, "leads", units)
        projects = sql_ids(session, "projects", units)
        # Leads and projects: the scope's select finds what SQL over owner_unit_id finds.
        assert set(session.scalars(scoped(select(models.Lead.id).where(
            models.Lead.deleted_at.is_(None)), models.Lead, user, session))) == leads, user.name  # fmt: skip
        assert set(session.scalars(scoped(select(models.Project.id).where(
            models.Project.deleted_at.is_(None)), models.Project, user, session))) == projects  # fmt: skip
        # Activities: those of leads and projects in scope, and every enterprise-only one.
        expected_activities = {
            id_ for id_, lead, project in session.execute(
                text("SELECT id, lead_id, project_id FROM activities"))
            if (lead is None or lead in leads) and (project is None or project in projects)
        }  # fmt: skip
        found = set(session.scalars(scoped_activities(select(models.Activity.id), user, session)))
        assert found == expected_activities, user.name
        # The dashboard counts just those.
        board = build_dashboard(session, user, TODAY)
        assert sum(count for _, count in board.leads_by_stage) == len(leads), user.name
        assert sum(count for _, count, _ in board.projects_by_pool) == len(projects), user.name
        signed = sql_ids(session, "leads", units,
                         f"signed_on >= '{year_start}' AND signed_on <= '{TODAY}'")  # fmt: skip
        assert board.signed_count == len(signed), user.name
        funds = session.execute(text(
            "SELECT project_id, amount_wan FROM funds_arrivals WHERE arrived_on >= :start "
            "AND arrived_on <= :today"), {"start": year_start, "today": TODAY}).all()  # fmt: skip
        assert board.funds_in_place_wan == sum(
            (amount for project, amount in funds if project in projects), start=0
        ), user.name
        # Enterprises: the shared registry, every one readable by everyone.
        browse = browse_enterprises(session, EnterpriseFilters(), user, per_page=5)
        assert browse.count == len(all_enterprises), user.name


@pytest.fixture
def in_app(app):
    """The enterprise page's service requests are dated in the city (crm.clock)."""
    with app.app_context():
        yield


def test_the_printed_scopes_say_what_the_services_do(in_app, session, city):
    notes = {name: note for name, _role, note in city.logins}
    user = {u.name: u for u in demo_users(session)}
    projects = sql_ids(session, "projects", None)

    # zhaoshang: the whole city, every project, those of 发改委 and 经信局 units included.
    assert "全市" in notes["zhaoshang"]
    assert scope_of(session, user["zhaoshang"]).kind == "city"
    assert sql_ids(session, "projects", units_seen(session, user["zhaoshang"])) == projects
    others = session.scalar(text("""
        SELECT count(*) FROM projects p JOIN units u ON u.id = p.owner_unit_id
        WHERE u.kind = 'task_team' AND u.parent_id IN
          (SELECT id FROM units WHERE kind = 'city_department')"""))  # fmt: skip
    assert others > 0  # such projects exist, and zhaoshang sees them

    # maojian: its own leads and projects; every enterprise to read, only its own to change.
    maojian = user["maojian"]
    assert "企业全市可查，只改本区县" in notes["maojian"]
    seen = sql_ids(session, "projects", units_seen(session, maojian))
    assert 0 < len(seen) < len(projects)
    district = maojian.unit.district_id
    outside = session.scalar(select(models.Enterprise).where(
        models.Enterprise.district_id.is_not(None), models.Enterprise.district_id != district,
        models.Enterprise.deleted_at.is_(None)).limit(1))  # fmt: skip
    own = session.scalar(select(models.Enterprise).where(
        models.Enterprise.district_id == district).limit(1))  # fmt: skip
    assert not may_change(session, outside, maojian) and may_change(session, own, maojian)
    # The enterprise page of an outside firm shows its leads only where maojian owns them.
    lead_of_other = session.scalar(text(f"""
        SELECT l.enterprise_id FROM leads l
        WHERE l.owner_unit_id NOT IN ({",".join(map(str, units_seen(session, maojian)))})
        LIMIT 1"""))  # fmt: skip
    enterprise = session.get(models.Enterprise, lead_of_other)
    shown = {row.id for row in enterprise_profile(session, enterprise, maojian).leads}
    expected = sql_ids(session, "leads", units_seen(session, maojian),
                       f"enterprise_id = {lead_of_other}")  # fmt: skip
    assert shown == expected
    everyone = {row.id for row in enterprise_profile(session, enterprise, user["leader1"]).leads}
    assert everyone == sql_ids(session, "leads", None, f"enterprise_id = {lead_of_other}")
    assert everyone - shown  # the other unit's lead is not shown to maojian

    for name, note in notes.items():
        if name.startswith("leader"):
            assert "看全市" in note


def test_the_api_and_pages_agree(client, session, city, bearer, login):
    """maojian reads other districts' enterprises through the API and the pages alike, as its
    printed scope says, and is refused their changes."""
    maojian = session.scalar(select(models.User).where(models.User.name == "maojian"))
    outside = session.scalar(select(models.Enterprise).where(
        models.Enterprise.district_id.is_not(None),
        models.Enterprise.district_id != maojian.unit.district_id).limit(1))  # fmt: skip
    headers = bearer(maojian)
    api = "/api/v1/enterprises"
    assert client.get(f"{api}/{outside.id}", headers=headers).status_code == 200
    listed = client.get(api, headers=headers, query_string={"per_page": 100}).get_json()
    districts = {item["district"] for item in listed["items"]}
    assert len(districts) > 1
    change = client.patch(f"{api}/{outside.id}", headers=headers,
                          json={"version": outside.version, "employees": 5})  # fmt: skip
    assert change.status_code == 403
    from demo.seed import DEMO_PASSWORD

    login("maojian", DEMO_PASSWORD)
    page = client.get("/").text
    assert "茅箭区招商局及下级单位的线索和项目" in page
    assert client.get(f"/enterprises/{outside.id}").status_code == 200
