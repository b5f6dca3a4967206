"""Exporting supply links to .xlsx, streamed a few thousand rows at a time, in the columns the
import reads back (an edited export imports again: rows find their links by supplier, customer
and segment)."""

import tempfile
from collections.abc import Iterator
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from crm.clock import city_today
from crm.models import ChainSegment, Enterprise, SupplyLink
from crm.schemas.supply_links import SHEET_COLUMNS, SupplyLinkFilters
from crm.services import records
from crm.services.enterprise_export import EXPORT
from crm.services.supply_links import READ, filtered
from crm.spreadsheets import write_xlsx

CHUNK = 2000
# The chain column is the import's alone (for chains that share a segment code).
EXPORTED = [column for column in SHEET_COLUMNS if column.key != "chain"]
HEADERS = [column.header for column in EXPORTED]
FORMATS = ["0.00%" if column.key == "share" else None for column in EXPORTED]


def export_supply_links(session: Session, filters: SupplyLinkFilters, actor, target) -> int:
    """Write the links the filters find (both ends live enterprises) to `target` (a path or a
    binary file); returns how many."""
    records.require(actor, READ)
    records.require(actor, EXPORT)
    return write_xlsx(
        target,
        HEADERS,
        export_rows(session, filters),
        sheet_title=_("供应关系"),
        number_formats=FORMATS,
    )


def export_file(session: Session, filters: SupplyLinkFilters, actor):
    """The export in a temporary file, read back from its start; closing it removes it."""
    file = tempfile.TemporaryFile()  # noqa: SIM115  (the response that sends it closes it)
    export_supply_links(session, filters, actor, file)
    file.seek(0)
    return file


def export_name() -> str:
    return f"supply-links-{city_today().isoformat()}.xlsx"


def export_rows(session: Session, filters: SupplyLinkFilters) -> Iterator[list]:
    supplier, customer = aliased(Enterprise), aliased(Enterprise)
    statement = (
        select(
            SupplyLink.id,
            supplier.name.label("supplier_name"),
            supplier.uscc.label("supplier_uscc"),
            customer.name.label("customer_name"),
            customer.uscc.label("customer_uscc"),
            ChainSegment.code.label("segment"),
            ChainSegment.name.label("segment_name"),
            SupplyLink.share,
        )
        .join(supplier, supplier.id == SupplyLink.supplier_id)
        .join(customer, customer.id == SupplyLink.customer_id)
        .outerjoin(ChainSegment, ChainSegment.id == SupplyLink.segment_id)
        .where(supplier.deleted_at.is_(None), customer.deleted_at.is_(None))
    )
    statement = filtered(statement, filters)
    last_id = 0
    while True:
        chunk = session.execute(
            statement.where(SupplyLink.id > last_id).order_by(SupplyLink.id).limit(CHUNK)
        ).all()
        if not chunk:
            return
        for row in chunk:
            yield [
                row.supplier_name,
                row.supplier_uscc,
                row.customer_name,
                row.customer_uscc,
                row.segment,
                row.segment_name,
                None if row.share is None else Decimal(str(row.share)),
            ]
        last_id = chunk[-1].id
