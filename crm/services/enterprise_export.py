"""Exporting a filtered enterprise list to .xlsx, streamed a few thousand rows at a time, in the
columns the import reads back."""

import tempfile
from collections.abc import Callable, Iterator
from datetime import UTC
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from crm.clock import city_today
from crm.models import ChainSegment, District, Enterprise, EnterpriseTag, Park, enterprise_segments
from crm.schemas.enterprises import SHEET_COLUMNS, EnterpriseFilters
from crm.services import records
from crm.services.enterprises import READ, filtered
from crm.spreadsheets import write_xlsx
from crm.vocabulary import ENTERPRISE_TAG

EXPORT = "export.run"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK = 2000
HEADERS = [column.header for column in SHEET_COLUMNS]
ROW_COLUMNS = (
    Enterprise.id,
    Enterprise.version,
    Enterprise.name,
    Enterprise.uscc,
    Enterprise.aliases,
    District.name.label("district"),
    Park.name.label("park"),
    Enterprise.is_local,
    Enterprise.is_leading,
    Enterprise.is_chain_leader,
    Enterprise.is_above_scale,
    Enterprise.lon,
    Enterprise.lat,
    Enterprise.output_wan,
    Enterprise.tax_wan,
    Enterprise.employees,
    Enterprise.rd_spend_wan,
    Enterprise.registered_capital_wan,
    Enterprise.land_mu,
    Enterprise.energy_tce,
    Enterprise.emissions_t,
    Enterprise.safety_rating,
    Enterprise.environment_rating,
    Enterprise.established_on,
    Enterprise.legal_representative,
    Enterprise.address,
    Enterprise.industry_code,
    Enterprise.updated_at,
)
# Narrows the export's statement: the list's filters by default; the map passes its own, so
# its export holds exactly the enterprises it shows.
Narrowing = Callable[[Select], Select]


def export_enterprises(
    session: Session,
    filters: EnterpriseFilters | Narrowing,
    actor,
    target,
    time_zone: str,
) -> int:
    """Write the enterprises the filters find to `target` (a path or a binary file); returns how
    many. `filters` are the list's, or a function narrowing the statement. Times are shown in
    `time_zone`, as Excel has none."""
    records.require(actor, READ)
    records.require(actor, EXPORT)
    return write_xlsx(
        target,
        HEADERS,
        export_rows(session, filters, ZoneInfo(time_zone)),
        sheet_title=_("企业"),
    )


def export_file(session: Session, filters: EnterpriseFilters | Narrowing, actor, time_zone: str):
    """The export in a temporary file, read back from its start; closing it removes it."""
    file = tempfile.TemporaryFile()  # noqa: SIM115  (the response that sends it closes it)
    export_enterprises(session, filters, actor, file, time_zone)
    file.seek(0)
    return file


def export_name() -> str:
    return f"enterprises-{city_today().isoformat()}.xlsx"


def export_rows(
    session: Session, filters: EnterpriseFilters | Narrowing, zone: ZoneInfo
) -> Iterator[list]:
    statement = (
        select(*ROW_COLUMNS)
        .outerjoin(District, District.id == Enterprise.district_id)
        .outerjoin(Park, Park.id == Enterprise.park_id)
        .where(Enterprise.deleted_at.is_(None))
    )
    narrow = filters if callable(filters) else lambda s: filtered(session, s, filters)
    statement = narrow(statement)
    yes, no = _("是"), _("否")
    last_id = 0
    while True:
        chunk = session.execute(
            statement.where(Enterprise.id > last_id).order_by(Enterprise.id).limit(CHUNK)
        ).all()
        if not chunk:
            return
        ids = [row.id for row in chunk]
        segments, tags = _segments(session, ids), _tags(session, ids)
        for row in chunk:
            yield [
                row.id,
                row.version,
                row.name,
                row.uscc,
                "；".join(row.aliases or []) or None,
                row.district,
                row.park,
                "；".join(segments.get(row.id, [])) or None,
                "、".join(tags.get(row.id, [])) or None,
                *(
                    yes if flag else no
                    for flag in (
                        row.is_local,
                        row.is_leading,
                        row.is_chain_leader,
                        row.is_above_scale,
                    )
                ),
                row.lon,
                row.lat,
                "WGS-84" if row.lon is not None else None,
                row.output_wan,
                row.tax_wan,
                row.employees,
                row.rd_spend_wan,
                row.registered_capital_wan,
                row.land_mu,
                row.energy_tce,
                row.emissions_t,
                row.safety_rating,
                row.environment_rating,
                row.established_on,
                row.legal_representative,
                row.address,
                row.industry_code,
                row.updated_at.replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None),
            ]
        last_id = ids[-1]
        session.expunge_all()  # nothing of a chunk is needed once written


def _segments(session: Session, ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for enterprise_id, code, name in session.execute(
        select(enterprise_segments.c.enterprise_id, ChainSegment.code, ChainSegment.name)
        .join(ChainSegment, ChainSegment.id == enterprise_segments.c.segment_id)
        .where(enterprise_segments.c.enterprise_id.in_(ids))
        .order_by(ChainSegment.code)
    ):
        found.setdefault(enterprise_id, []).append(f"{code} {name}")
    return found


def _tags(session: Session, ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for enterprise_id, tag in session.execute(
        select(EnterpriseTag.enterprise_id, EnterpriseTag.tag)
        .where(EnterpriseTag.enterprise_id.in_(ids))
        .order_by(EnterpriseTag.tag)
    ):
        found.setdefault(enterprise_id, []).append(ENTERPRISE_TAG[tag].zh)
    return found
