"""Annual targets (全年目标任务) as the reports and the dashboard read them."""

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.models import Target, Unit
from crm.services.scope import CITY_UNIT_KIND


def targets_for(
    session: Session, year: int, district_id: int | None = None, unit_id: int | None = None
) -> dict[str, Decimal]:
    """Indicator → target value for one owner and year. With neither a district nor a unit,
    the city's own targets: those set on the city bureau's unit with no district."""
    if district_id is None and unit_id is None:
        unit_id = session.scalar(select(Unit.id).where(Unit.kind == CITY_UNIT_KIND).limit(1))
        if unit_id is None:
            return {}
    statement = select(Target.indicator, Target.value).where(Target.year == year)
    statement = statement.where(
        Target.district_id.is_(None) if district_id is None else Target.district_id == district_id
    )
    statement = statement.where(
        Target.unit_id.is_(None) if unit_id is None else Target.unit_id == unit_id
    )
    return dict(session.execute(statement).all())
