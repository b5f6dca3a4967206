"""Enterprises evaluated: their latest figures read in one query and scored (geo.evaluation).

Each figure is the latest EnterpriseYear's where that year records it, else the enterprise's
own column (value added is recorded by year only); land is the enterprise's."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session, aliased

from crm.models import District, Enterprise, EnterpriseYear
from geo.evaluation import Evaluation, Scheme, evaluate

Narrowing = Callable[[Select], Select]
# Figures that the enterprise record also holds (the rest come from the years alone).
BOTH = ("tax_wan", "energy_tce", "emissions_t", "employees", "rd_spend_wan", "output_wan")


@dataclass(frozen=True)
class Evaluated:
    id: int
    name: str
    district: str | None
    year: int | None  # the year the figures are from; None: the record's own
    figures: dict[str, Decimal | int | None]
    evaluation: Evaluation


def _statement() -> Select:
    latest = (
        select(EnterpriseYear.enterprise_id, func.max(EnterpriseYear.year).label("year"))
        .group_by(EnterpriseYear.enterprise_id)
        .subquery()
    )
    year = aliased(EnterpriseYear)
    return (
        select(
            Enterprise.id,
            Enterprise.name,
            District.name.label("district"),
            latest.c.year,
            Enterprise.land_mu,
            year.value_added_wan,
            *(
                func.coalesce(getattr(year, name), getattr(Enterprise, name)).label(name)
                for name in BOTH
            ),
        )
        .outerjoin(latest, latest.c.enterprise_id == Enterprise.id)
        .outerjoin(year, and_(year.enterprise_id == Enterprise.id, year.year == latest.c.year))
        .outerjoin(District, District.id == Enterprise.district_id)
        .where(Enterprise.deleted_at.is_(None))
    )


def evaluate_enterprises(
    session: Session, scheme: Scheme, narrow: Narrowing | None = None
) -> list[Evaluated]:
    """Every live enterprise `narrow` keeps (all without it), scored, in id order."""
    statement = _statement()
    if narrow is not None:
        statement = narrow(statement)
    found = []
    for row in session.execute(statement.order_by(Enterprise.id)):
        figures = {
            "land_mu": row.land_mu,
            "value_added_wan": row.value_added_wan,
            **{name: getattr(row, name) for name in BOTH},
        }
        found.append(
            Evaluated(row.id, row.name, row.district, row.year, figures, evaluate(figures, scheme))
        )
    return found


def ranked(evaluated: list[Evaluated]) -> tuple[list[Evaluated], list[Evaluated]]:
    """The rated, best score first (ties by name), and the not rated, by name."""
    rated = [e for e in evaluated if e.evaluation.rated]
    rated.sort(key=lambda e: (-e.evaluation.score, e.name, e.id))
    unrated = sorted((e for e in evaluated if not e.evaluation.rated), key=lambda e: (e.name, e.id))
    return rated, unrated


def ids_in_classes(session: Session, scheme: Scheme, grades: list[str]) -> list[int]:
    """Ids of the live enterprises whose class is one of `grades`."""
    return [
        e.id for e in evaluate_enterprises(session, scheme) if e.evaluation.grade in set(grades)
    ]
