"""Merging two enterprise records: every dependant moves, conflicts follow the rules shown."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from crm.models import (
    Activity,
    Attachment,
    AuditEvent,
    ChainSegment,
    Contact,
    District,
    Enterprise,
    EnterpriseYear,
    Lead,
    Project,
    ServiceRequest,
    SupplyLink,
)
from crm.services.enterprise_merge import merge_enterprises
from crm.services.enterprises import create_enterprise
from crm.services.errors import Forbidden, StaleVersion, ValidationError

CODE = "91110108551385082Q"


@pytest.fixture
def segments(session):
    category = ChainSegment(chain_key="automotive", code="M5", name="三电系统", level="category")
    rows = [
        ChainSegment(chain_key="automotive", code=code, name=code, level="segment", parent=category)
        for code in ("M501", "M502", "M503")
    ]
    session.add_all(
        [category, *rows, District(code="420302", name="茅箭区", kind="county_district")]
    )
    session.commit()
    return {row.code: row for row in rows}


@pytest.fixture
def pair(session, segments, make_user):
    """The record that stays (汉江精工) and its duplicate (汉江精工集团), each with dependants."""
    leader = make_user("official")
    keep = create_enterprise(
        session,
        {"name": "十堰汉江精工有限公司", "output_wan": "100", "segments": ["M501"],
         "tags": ["listed"], "aliases": ["汉江精工"], "is_leading": False},
        None,
    )  # fmt: skip
    other = create_enterprise(
        session,
        {"name": "汉江精工集团", "uscc": CODE, "output_wan": "999", "tax_wan": "12",
         "employees": 300, "district": "420302", "location": {"lon": 110.8, "lat": 32.6},
         "segments": ["M501", "M502"], "tags": ["specialised"], "aliases": ["汉江集团"],
         "is_leading": True, "is_local": False},
        None,
    )  # fmt: skip
    third = create_enterprise(session, {"name": "东风零部件"}, None)
    fourth = create_enterprise(session, {"name": "三环锻造"}, None)
    session.flush()
    session.add_all(
        [
            # Between the two: dropped.
            SupplyLink(supplier_id=other.id, customer_id=keep.id, segment_id=segments["M501"].id),
            # Already held by the one that stays: dropped.
            SupplyLink(supplier_id=other.id, customer_id=third.id, segment_id=segments["M502"].id),
            SupplyLink(supplier_id=keep.id, customer_id=third.id, segment_id=segments["M502"].id),
            # Moved, on both sides.
            SupplyLink(supplier_id=other.id, customer_id=fourth.id, segment_id=segments["M503"].id),
            SupplyLink(supplier_id=third.id, customer_id=other.id, segment_id=None),
            Contact(enterprise_id=other.id, name="王经理", phone="13800000000"),
            Lead(name="新建电池项目", enterprise_id=other.id, source="walk_in"),
            Project(name="扩建", enterprise_id=other.id, project_type="expansion",
                    sector="industry", total_investment_wan=Decimal(5000), leader_id=leader.id),
            Activity(enterprise_id=other.id, kind="visit", occurred_on=date(2026, 3, 1)),
            ServiceRequest(enterprise_id=other.id, request="用电增容"),
            Attachment(owner_type="enterprise", owner_id=other.id, file_name="名片.jpg",
                       content_type="image/jpeg", size_bytes=10, stored_path="a/b.jpg"),
            EnterpriseYear(enterprise_id=keep.id, year=2025, output_wan=Decimal(100)),
            EnterpriseYear(enterprise_id=other.id, year=2025, output_wan=Decimal(7),
                           tax_wan=Decimal(3)),
            EnterpriseYear(enterprise_id=other.id, year=2024, output_wan=Decimal(80)),
        ]
    )  # fmt: skip
    session.commit()
    return keep, other, third, fourth


def test_every_dependant_moves_and_conflicts_follow_the_rules(session, pair, make_user):
    keep, other, third, fourth = pair
    admin = make_user("admin")
    result = merge_enterprises(session, keep, other, (keep.version, other.version), admin)
    session.commit()

    # Filled where empty, kept where set; flags or-ed; local as the one that stays.
    assert keep.output_wan == Decimal(100)
    assert (keep.tax_wan, keep.employees, keep.uscc) == (Decimal(12), 300, CODE)
    assert (keep.lon, keep.lat) == (110.8, 32.6)
    assert session.get(District, keep.district_id).code == "420302"
    assert (keep.is_leading, keep.is_local) == (True, True)
    assert keep.aliases == ["汉江精工", "汉江精工集团", "汉江集团"]
    assert sorted(segment.code for segment in keep.segments) == ["M501", "M502"]
    assert sorted(tag.tag for tag in keep.tags) == ["listed", "specialised"]

    # Years: 2025 kept with its gap filled, 2024 moved.
    years = {year.year: year for year in session.scalars(
        select(EnterpriseYear).where(EnterpriseYear.enterprise_id == keep.id))}  # fmt: skip
    assert sorted(years) == [2024, 2025]
    assert (years[2025].output_wan, years[2025].tax_wan) == (Decimal(100), Decimal(3))
    assert years[2024].output_wan == Decimal(80)

    links = session.execute(
        select(SupplyLink.supplier_id, SupplyLink.customer_id).order_by(SupplyLink.id)
    ).all()
    assert sorted(links) == sorted([(keep.id, third.id), (keep.id, fourth.id), (third.id, keep.id)])
    assert result.dropped_links == 2
    for model in (Contact, Lead, Project, Activity, ServiceRequest):
        assert session.scalar(select(model.enterprise_id)) == keep.id, model.__name__
    assert session.scalar(select(Attachment.owner_id)) == keep.id
    assert result.moved == {
        "contacts": 1, "leads": 1, "projects": 1, "activities": 1, "service_requests": 1,
        "attachments": 1,
    }  # fmt: skip

    # The other record is kept, marked merged, and both histories say so.
    assert other.deleted_at is not None and other.merged_into_id == keep.id
    assert other.uscc is None
    merges = session.execute(
        select(AuditEvent.entity_id, AuditEvent.field, AuditEvent.new_value, AuditEvent.user_id)
        .where(AuditEvent.action == "merge")
        .order_by(AuditEvent.id)
    ).all()
    assert merges == [
        (keep.id, "merged_from", f"汉江精工集团 (#{other.id})", admin.id),
        (other.id, "merged_into", f"十堰汉江精工有限公司 (#{keep.id})", admin.id),
    ]


def test_a_stale_version_of_either_record_refuses_the_merge(session, pair):
    keep, other, *_ = pair
    with pytest.raises(StaleVersion):
        merge_enterprises(session, keep, other, (keep.version, other.version - 1), None)
    with pytest.raises(StaleVersion):
        merge_enterprises(session, keep, other, (keep.version + 1, other.version), None)


def test_a_record_cannot_merge_with_itself(session, pair):
    keep, *_ = pair
    with pytest.raises(ValidationError):
        merge_enterprises(session, keep, keep, (keep.version, keep.version), None)


def test_only_admins_and_city_staff_may_merge(session, pair, make_user, make_unit):
    keep, other, *_ = pair
    district_staff = make_user("staff", unit=make_unit("茅箭区招商局"))
    city_staff = make_user("staff", unit=make_unit("市招商局", kind="city_bureau"))
    for actor in (district_staff, make_user("official")):
        with pytest.raises(Forbidden):
            merge_enterprises(session, keep, other, (keep.version, other.version), actor)
    merge_enterprises(session, keep, other, (keep.version, other.version), city_staff)
    assert other.merged_into_id == keep.id


def test_a_failed_merge_leaves_both_records_as_they_were(session, pair):
    keep, other, *_ = pair
    before = session.scalar(select(Enterprise.version).where(Enterprise.id == other.id))
    with pytest.raises(StaleVersion):
        merge_enterprises(session, keep, other, (keep.version, other.version + 5), None)
    session.rollback()
    assert session.scalar(select(Enterprise.version).where(Enterprise.id == other.id)) == before
    assert session.scalar(select(Contact.enterprise_id)) == other.id
