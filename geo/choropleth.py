"""Districts compared: per district, the enterprises, their output per mu, and the projects and
their investment, for the map's choropleth. Summed in SQL, one GROUP BY per record kind.

An enterprise counts in the district it records; a project in its own district, else its
enterprise's. Output per mu is the district's total output over its total land, of the
enterprises that record both (not an average of ratios, which small plots would swing)."""

from __future__ import annotations

from sqlalchemy import Float, and_, case, cast, func, select
from sqlalchemy.orm import Session

from crm.models import District, Enterprise, Project
from crm.permissions import has_right
from crm.services import enterprises, projects
from crm.services.errors import Forbidden
from crm.services.scope import scoped

MEASURES = ("enterprises", "output_per_mu", "projects", "investment")
CLASSES = 5


def district_figures(session: Session, actor) -> dict[str, dict[str, float | int | None]]:
    """{district code: {measure: figure}} for every district; projects within the actor's
    scope (the figures of a district bureau's staff are their own projects')."""
    if not has_right(actor, enterprises.READ) or not has_right(actor, projects.READ):
        raise Forbidden()
    with_land = and_(Enterprise.land_mu > 0, Enterprise.output_wan.isnot(None))
    firms = session.execute(
        select(
            District.code,
            func.count(Enterprise.id),
            cast(func.sum(case((with_land, Enterprise.output_wan))), Float),
            cast(func.sum(case((with_land, Enterprise.land_mu))), Float),
        )
        .join(Enterprise, Enterprise.district_id == District.id)
        .where(Enterprise.deleted_at.is_(None))
        .group_by(District.code)
    ).all()
    district_id = func.coalesce(Project.district_id, Enterprise.district_id)
    works = session.execute(
        scoped(
            select(
                District.code,
                func.count(Project.id),
                cast(func.sum(Project.total_investment_wan), Float),
            )
            .select_from(Project)
            .outerjoin(Enterprise, Enterprise.id == Project.enterprise_id)
            .join(District, District.id == district_id)
            .where(Project.deleted_at.is_(None))
            .group_by(District.code),
            Project,
            actor,
            session,
        )
    ).all()
    figures = {
        code: {"enterprises": 0, "output_per_mu": None, "projects": 0, "investment": 0.0}
        for code in session.scalars(select(District.code))
    }
    for code, count, output, land in firms:
        figures[code]["enterprises"] = count
        figures[code]["output_per_mu"] = round(output / land, 2) if land else None
    for code, count, investment in works:
        figures[code]["projects"] = count
        figures[code]["investment"] = investment or 0.0
    return figures


def class_breaks(values: list[float | int | None], classes: int = CLASSES) -> list[float]:
    """Upper bounds of all but the top class (a value v is in class "how many bounds are below
    v"), at quantiles of the known values: each colour holds about as many districts, though
    their figures spread over orders of magnitude. Fewer bounds when values repeat."""
    known = sorted(v for v in values if v is not None)
    breaks: list[float] = []
    for index in range(1, classes):
        value = known[max(0, (index * len(known)) // classes - 1)] if known else None
        if value is not None and value != known[-1] and value not in breaks:
            breaks.append(value)
    return breaks


def class_of(value: float | int, breaks: list[float]) -> int:
    return sum(value > bound for bound in breaks)


def choropleth(session: Session, actor) -> dict:
    """The figures and, per measure, the class bounds the legend shows."""
    figures = district_figures(session, actor)
    return {
        "districts": figures,
        "breaks": {
            measure: class_breaks([row[measure] for row in figures.values()])
            for measure in MEASURES
        },
    }
