"""Exporting a filtered lead list to .xlsx: the rows the list shows (the user's scope, the same
filters), with Chinese headers, streamed a few thousand rows at a time."""

import tempfile
from collections.abc import Iterator
from datetime import UTC
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from crm.clock import city_today
from crm.models import District, Lead
from crm.schemas.leads import LeadFilters
from crm.services import leads, records
from crm.spreadsheets import write_xlsx
from crm.vocabulary import LEAD_SOURCE, LEAD_STAGE, LEAD_STATUS, SECTOR

EXPORT = "export.run"
CHUNK = 2000
# (header, the list row's value, a vocabulary that turns a key into its Chinese label)
COLUMNS = (
    ("编号", "id", None),
    ("线索名称", "name", None),
    ("企业", "enterprise_name", None),
    ("来源", "source", LEAD_SOURCE),
    ("阶段", "stage", LEAD_STAGE),
    ("状态", "status", LEAD_STATUS),
    ("意向投资额（万元）", "intended_investment_wan", None),
    ("产业类别", "sector", SECTOR),
    ("意向区县", "district_name", None),
    ("责任单位", "owner_unit_name", None),
    ("负责人", "owner_name", None),
    ("可能性（%）", "likelihood", None),
    ("下一步", "next_step", None),
    ("下一步日期", "next_step_on", None),
    ("签约金额（万元）", "signed_amount_wan", None),
    ("签约日期", "signed_on", None),
    ("更新时间", "updated_at", None),
)


def export_leads(session: Session, filters: LeadFilters, actor, target, time_zone: str) -> int:
    """Write the leads the filters find within the actor's scope to `target`; returns how
    many. Times are shown in `time_zone`, as Excel has none."""
    records.require(actor, EXPORT)
    return write_xlsx(
        target,
        [header for header, _key, _vocabulary in COLUMNS],
        _rows(session, filters, actor, ZoneInfo(time_zone)),
        sheet_title=_("招商线索"),
    )


def export_file(session: Session, filters: LeadFilters, actor, time_zone: str):
    """The export in a temporary file, read back from its start; closing it removes it."""
    file = tempfile.TemporaryFile()  # noqa: SIM115  (the response that sends it closes it)
    export_leads(session, filters, actor, file, time_zone)
    file.seek(0)
    return file


def export_name() -> str:
    return f"leads-{city_today().isoformat()}.xlsx"


def _rows(session: Session, filters: LeadFilters, actor, zone: ZoneInfo) -> Iterator[list]:
    statement = (
        leads.listed(session, filters, actor)
        .add_columns(
            District.name.label("district_name"),
            Lead.signed_amount_wan,
            Lead.signed_on,
        )
        .order_by(Lead.id)
    )
    for row in session.execute(statement.execution_options(yield_per=CHUNK)):
        values = leads.summary_values(row)
        values["updated_at"] = values["updated_at"].replace(tzinfo=UTC).astimezone(zone)
        values["updated_at"] = values["updated_at"].replace(tzinfo=None)
        yield [
            vocabulary.label(values[key]) if vocabulary and values[key] else values[key]
            for _header, key, vocabulary in COLUMNS
        ]
