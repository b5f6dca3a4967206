"""The demo city: deterministic, realistic in shape, inside its real boundaries, purgeable."""

from datetime import date

import pytest
import shapely
from sqlalchemy import func, select

from crm import models
from demo.purge import purge_demo
from demo.seed import DemoError, seed_demo
from geo.boundaries import load_boundaries

TODAY = date(2026, 6, 22)


def digest(session) -> tuple:
    """What the demo city looks like, by names rather than ids (ids differ between loads)."""
    e, d = models.Enterprise, models.District
    enterprises = session.execute(
        select(e.name, e.uscc, d.code, e.lon, e.lat, e.output_wan, e.is_chain_leader, e.is_local)
        .outerjoin(d, d.id == e.district_id)
        .where(e.is_demo)
        .order_by(e.name)
    ).all()
    leads = session.execute(
        select(models.Lead.name, models.Lead.stage, models.Lead.status,
               models.Lead.signed_amount_wan, models.Lead.signed_on)
        .where(models.Lead.is_demo).order_by(models.Lead.name, models.Lead.signed_on)
    ).all()  # fmt: skip
    projects = session.execute(
        select(models.Project.name, models.Project.stage, models.Project.total_investment_wan)
        .where(models.Project.is_demo).order_by(models.Project.name, models.Project.stage)
    ).all()  # fmt: skip
    supplier, customer = models.Enterprise.__table__.alias(), models.Enterprise.__table__.alias()
    links = session.execute(
        select(supplier.c.name, customer.c.name, models.SupplyLink.share)
        .join(supplier, supplier.c.id == models.SupplyLink.supplier_id)
        .join(customer, customer.c.id == models.SupplyLink.customer_id)
        .order_by(supplier.c.name, customer.c.name, models.SupplyLink.share)
    ).all()
    return tuple(map(tuple, enterprises)), tuple(leads), tuple(projects), tuple(links)


def count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_same_seed_same_city_and_purge_leaves_reference_data(session):
    seed_demo(session, enterprises=300, seed=7, today=TODAY)
    first = digest(session)
    purge_demo(session)
    assert count(session, models.Enterprise) == 0
    assert count(session, models.User) == 0
    assert count(session, models.Unit) == 0
    assert count(session, models.SupplyLink) == 0
    assert count(session, models.Activity) == 0
    assert count(session, models.District) == 10  # real places stay
    assert count(session, models.ChainSegment) == 4 + 17 + 60
    seed_demo(session, enterprises=300, seed=7, today=TODAY)
    assert digest(session) == first
    purge_demo(session)
    seed_demo(session, enterprises=300, seed=8, today=TODAY)
    assert digest(session) != first


def test_loading_twice_is_refused(session):
    seed_demo(session, enterprises=60, seed=1, today=TODAY)
    with pytest.raises(DemoError):
        seed_demo(session, enterprises=60, seed=1, today=TODAY)


@pytest.fixture
def city(session):
    return seed_demo(session, enterprises=1000, seed=3, today=TODAY)


def test_tables_scale_at_city_ratios(session, city):
    # 100k enterprises : 300k links : 20k leads : 10k projects : 200k activities
    assert count(session, models.Enterprise) == 1000
    assert count(session, models.SupplyLink) == 3000
    assert count(session, models.Lead) == 200
    assert count(session, models.Project) == 100
    assert count(session, models.Activity) == 2000


def test_every_local_enterprise_lies_inside_its_district(session, city):
    geometry = {b.code: b.geometry for b in load_boundaries()}
    rows = session.execute(
        select(models.District.code, models.Enterprise.lon, models.Enterprise.lat).join(
            models.District, models.District.id == models.Enterprise.district_id
        )
    ).all()
    assert len(rows) > 800
    outside = [(code, lon, lat) for code, lon, lat in rows
               if not shapely.contains_xy(geometry[code], lon, lat)]  # fmt: skip
    assert outside == []
    # Outside enterprises (targets elsewhere) have no district and no place on the map.
    assert count(session, models.Enterprise, ~models.Enterprise.is_local,
                 models.Enterprise.district_id.is_not(None)) == 0  # fmt: skip


def test_strong_segments_are_full_and_gap_segments_sparse(session, city):
    def local_in(code):
        return count(
            session,
            models.enterprise_segments.join(models.ChainSegment).join(models.Enterprise),
            models.ChainSegment.code == code,
            models.Enterprise.is_local,
        )

    for strong in ("D101", "M201", "U103", "S102"):  # strong in the demo city's base
        assert local_in(strong) >= 20
    for gap in ("U401", "M802", "M1001", "D204"):  # no local maker in the base
        assert local_in(gap) <= 3


def test_every_stage_status_pool_and_role_is_present(session, city):
    lead, project = models.Lead, models.Project
    assert set(session.scalars(select(lead.stage).distinct())) == {
        "clue", "initial_contact", "site_visit", "negotiation", "signed"}  # fmt: skip
    assert set(session.scalars(select(lead.status).distinct())) == {"active", "on_hold", "lost"}
    assert set(session.scalars(select(project.pool).distinct())) == {
        "reserve", "construction", "in_effect"}  # fmt: skip
    assert set(session.scalars(select(models.User.role).distinct())) == {
        "admin", "staff", "official", "ambassador"}  # fmt: skip
    assert set(session.scalars(select(models.Ambassador.kind).distinct())) == {
        "investment_ambassador", "talent_ambassador", "honorary_citizen"}  # fmt: skip
    assert count(session, models.Referral) > 0 and count(session, models.TalentReferral) > 0
    assert count(session, models.Milestone) == 100 * 10
    assert count(session, models.FundsArrival) > 0 and count(session, models.ProjectProblem) > 0
    # Every project has its one leader, an official.
    leaders = session.scalars(
        select(models.User.role).join(project, project.leader_id == models.User.id).distinct()
    )
    assert set(leaders) == {"official"}


def test_chain_leaders_are_big_local_makers(session, city):
    leaders = session.scalars(select(models.Enterprise).where(models.Enterprise.is_chain_leader))
    leaders = list(leaders)
    assert 3 <= len(leaders) <= 6
    assert all(e.is_local and e.is_leading and e.output_wan > 500_000 for e in leaders)


def test_seeded_credit_codes_are_valid(session, city):
    from stdnum.cn import uscc

    codes = session.scalars(
        select(models.Enterprise.uscc).where(models.Enterprise.uscc.is_not(None))
    )
    codes = list(codes)
    assert len(codes) > 900 and all(uscc.is_valid(code) for code in codes)


def test_purge_refuses_when_real_records_use_demo_ones(session, city):
    from crm.services.users import create_user

    unit = session.scalar(select(models.Unit).where(models.Unit.kind == "district_bureau"))
    create_user(session, "real.staff", "staff", "long-enough-1", unit=unit)
    session.flush()
    with pytest.raises(DemoError) as refused:
        purge_demo(session)
    assert "users in demo units: 1" in str(refused.value)
    assert count(session, models.Enterprise) == 1000  # nothing was deleted


def test_demo_log_ins_that_are_taken_are_refused_cleanly(session):
    from crm.services.users import create_user

    create_user(session, "admin", "admin", "long-enough-1")
    session.flush()
    with pytest.raises(DemoError) as refused:
        seed_demo(session, enterprises=60, seed=1, today=TODAY)
    assert "admin" in str(refused.value)


def test_the_city_does_not_change_with_the_year(session):
    seed_demo(session, enterprises=120, seed=5, today=date(2026, 12, 31))
    names = session.scalars(select(models.Enterprise.name).order_by(models.Enterprise.id)).all()
    purge_demo(session)
    seed_demo(session, enterprises=120, seed=5, today=date(2027, 1, 1))
    again = session.scalars(select(models.Enterprise.name).order_by(models.Enterprise.id)).all()
    assert again == names


def test_seed_if_empty_leaves_a_database_in_use_alone(app, session, make_user):
    make_user("admin", name="the.admin")
    result = app.test_cli_runner().invoke(args=["seed-demo", "--if-empty", "--enterprises", "60"])
    assert result.exit_code == 0, result.output
    assert count(session, models.Enterprise) == 0


def test_seed_if_empty_loads_an_unused_database_and_prints_labels(app, session):
    result = app.test_cli_runner().invoke(args=["seed-demo", "--if-empty", "--enterprises", "60"])
    assert result.exit_code == 0, result.output
    assert count(session, models.Enterprise) == 60
    # Ambassadors are listed by the kind's labels, never by its key.
    assert "ambassador1  ambassador 招商大使 / investment ambassador" in result.output
    assert "荣誉市民 / honorary citizen" in result.output
    assert "investment_ambassador" not in result.output
