"""Unit scope: what part of the city a user's records and enterprise writes reach.

A staff user's scope comes from their unit, and only from it: the city bureau gives the whole
city (CITY); any other unit gives its subtree of units and its district (UNIT); no unit gives
nothing (NONE). Staff without a unit are a mistake to be fixed, never a way to see the whole
city. Admins and officials have the whole city. The scope says where; what a user may do there
is the rights table's (crm.permissions).

What each scope shows, everywhere (pages, API, dashboard, the demo's printed log-ins):

- Leads and projects are owned by a unit (owner_unit_id): read and written only in scope (all
  of them for CITY, the subtree's for UNIT, none for NONE): `scoped`.
- Activities follow their subject: a lead's or project's activities are in scope when that
  record is; activities about an enterprise alone belong to the enterprise registry:
  `scoped_activities`.
- Enterprises are the city's shared registry: every staff user, official and admin READS all
  of them (a district's staff must see outside firms to target them), but staff WRITE only in
  their scope: the enterprises of their unit's district and its zones, or of no district
  (`Scope.may_write_district`; crm.services.enterprises). Service requests (企业诉求) hang from
  enterprises and are read like them (crm.services.service_requests).
- The dashboard counts the leads, projects and funds its user's scope shows; its enterprise
  figures are the shared registry's, the whole city's.
"""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import and_, false, or_, select
from sqlalchemy.orm import Session

from crm.models import Activity, District, Lead, Project, Unit

CITY, UNIT, NONE = "city", "unit", "none"
CITY_UNIT_KIND = "city_bureau"


@dataclass(frozen=True)
class Scope:
    kind: str  # CITY, UNIT or NONE
    unit_id: int | None = None  # UNIT: the user's unit
    unit_ids: frozenset[int] = frozenset()  # UNIT: that unit and every unit below it
    district_id: int | None = None  # UNIT: the unit's district, or its nearest ancestor's
    district_ids: frozenset[int] = frozenset()  # UNIT: that district and the zones within it

    def sees_unit(self, unit_id: int | None) -> bool:
        """Whether a record owned by `unit_id` is in scope."""
        return self.kind == CITY or (self.kind == UNIT and unit_id in self.unit_ids)

    def may_write_district(self, district_id: int | None) -> bool:
        """Whether an enterprise of `district_id` (None: no district) may be created or changed
        here. Records without a district belong to no one yet, so any unit may fill them in."""
        if self.kind == CITY:
            return True
        if self.kind == NONE:
            return False
        return district_id is None or district_id in self.district_ids


NO_SCOPE = Scope(NONE)
CITY_SCOPE = Scope(CITY)


def scope_kind(user) -> str:
    """CITY, UNIT or NONE from the role and the unit's kind alone, for the rights table."""
    if user.role in ("admin", "official"):
        return CITY
    if user.role != "staff" or user.unit is None:
        return NONE
    return CITY if user.unit.kind == CITY_UNIT_KIND else UNIT


def scope_of(session: Session, user) -> Scope:
    """The user's scope, with the units and districts it holds read once."""
    kind = scope_kind(user)
    if kind == CITY:
        return CITY_SCOPE
    if kind == NONE:
        return NO_SCOPE
    return unit_scope(session, user.unit)


def unit_scope(session: Session, unit: Unit | None) -> Scope:
    """The scope a staff user of `unit` has (None: no unit)."""
    if unit is None:
        return NO_SCOPE
    if unit.kind == CITY_UNIT_KIND:
        return CITY_SCOPE
    district_id = _district_of(unit)
    return Scope(
        UNIT,
        unit_id=unit.id,
        unit_ids=frozenset(unit_subtree_ids(session, unit.id)),
        district_id=district_id,
        district_ids=frozenset(district_subtree_ids(session, district_id) if district_id else ()),
    )


def _district_of(unit: Unit) -> int | None:
    """The district of the unit or of its nearest ancestor that has one (a park committee
    without one works for its county's bureau)."""
    seen = set()
    while unit is not None and unit.id not in seen:
        if unit.district_id is not None:
            return unit.district_id
        seen.add(unit.id)
        unit = unit.parent
    return None


def unit_subtree_ids(session: Session, unit_id: int) -> set[int]:
    """The unit and all units below it, by a recursive query."""
    tree = select(Unit.id).where(Unit.id == unit_id).cte("tree", recursive=True)
    tree = tree.union_all(select(Unit.id).where(Unit.parent_id == tree.c.id))
    return set(session.scalars(select(tree.c.id)))


def district_subtree_ids(session: Session, district_id: int) -> set[int]:
    """The district and the functional zones (and zones of zones) within it."""
    tree = select(District.id).where(District.id == district_id).cte("zones", recursive=True)
    tree = tree.union_all(select(District.id).where(District.parent_id == tree.c.id))
    return set(session.scalars(select(tree.c.id)))


def scoped(statement, model, user, session: Session, scope: Scope | None = None):
    """Restrict a select of a unit-owned model (owner_unit_id) to the user's scope: nothing
    at all without one."""
    scope = scope or scope_of(session, user)
    if scope.kind == CITY:
        return statement
    if scope.kind == NONE:
        return statement.where(false())
    return statement.where(model.owner_unit_id.in_(scope.unit_ids))


def scoped_activities(statement, user, session: Session, scope: Scope | None = None):
    """Restrict a select of activities to those the user's scope shows: a lead's or project's
    when that record is in scope; one about an enterprise alone, always (the registry)."""
    scope = scope or scope_of(session, user)
    if scope.kind == CITY:
        return statement
    owned = (
        select(Lead.id).where(Lead.owner_unit_id.in_(scope.unit_ids))
        if scope.kind == UNIT
        else select(Lead.id).where(false())
    )
    projects = (
        select(Project.id).where(Project.owner_unit_id.in_(scope.unit_ids))
        if scope.kind == UNIT
        else select(Project.id).where(false())
    )
    return statement.where(
        and_(
            or_(Activity.lead_id.is_(None), Activity.lead_id.in_(owned)),
            or_(Activity.project_id.is_(None), Activity.project_id.in_(projects)),
        )
    )


def scope_label(session: Session, user) -> str:
    """In a few words, what the user's scope shows (the dashboard's heading says it)."""
    scope = scope_of(session, user)
    if scope.kind == CITY:
        return _("范围：全市")
    if scope.kind == NONE:
        return _("范围：无（未设所属单位，看不到线索和项目）")
    return _(
        "范围：%(unit)s及下级单位的线索和项目；企业全市可查，只改本辖区",
        unit=user.unit.name,
    )


def scope_description(session: Session, unit: Unit | None) -> str:
    """In words, what a staff user of `unit` (None: no unit) will see and may change."""
    scope = unit_scope(session, unit)
    if scope.kind == NONE:
        return _(
            "未设所属单位：看不到任何线索和项目；企业可以查看，但不能新建、修改或删除。"
            "请为其设置所属单位。"
        )
    if scope.kind == CITY:
        return _("全市：可查看并修改全市的企业、线索和项目，可删除与合并企业。")
    if scope.district_id is None:
        return _(
            "%(unit)s：可查看本单位及下级单位的线索和项目；企业全市可查，但未关联区县，只能新建"
            "和修改未填区县的企业；不能删除或合并企业。",
            unit=unit.name,
        )
    district = session.get(District, scope.district_id)
    return _(
        "%(unit)s：可查看本单位及下级单位的线索和项目；企业全市可查，可新建和修改%(district)s"
        "（含其中的功能区）和未填区县的企业，不能把企业移到其他区县；不能删除或合并企业。",
        unit=unit.name,
        district=district.name,
    )
