"""Importing supply links from a spreadsheet: each row names a supplier and a customer (by credit
code, else by name), a segment and a share. The whole file is checked first, with what it
refers to read in a few queries; then every row is written in the caller's transaction, or none
when any row is wrong. A link already there (same supplier, customer and segment) takes the
row's share; the others are created."""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.models import ChainSegment, Enterprise, SupplyLink
from crm.schemas.fields import FieldProblem, clean_credit_code
from crm.schemas.supply_links import SHEET_COLUMNS, SUPPLY_LINKS
from crm.services import audit, imports, records
from crm.services.enterprises import actor_scope, normalised_name, scope_refusal
from crm.services.errors import Forbidden
from crm.services.imports import (
    ColumnMapping,
    ImportOutcome,
    ProgressCallback,
    RowError,
    cell_number,
    cell_text,
    chunks,
    record_batch,
)
from crm.services.scope import NONE
from crm.services.supply_links import WRITE
from crm.spreadsheets import Table

KIND = "supply_links"
COLUMNS = {column.key: column for column in SHEET_COLUMNS}
REQUIRED = (("supplier_name", "supplier_uscc"), ("customer_name", "customer_uscc"))
DEFAULT_CHAIN = "automotive"
PROGRESS_EVERY = 500
SIDES = ("supplier", "customer")

_PERCENT = re.compile(r"^(.*?)\s*[%％]$")


def map_columns(table: Table, chosen: dict[int, str] | None = None) -> ColumnMapping:
    """The file's headers matched to the supply-link sheet's columns (crm.services.imports)."""
    return imports.map_columns(table, COLUMNS, chosen)


def mapping_problems(mapping: ColumnMapping) -> list[str]:
    """Why a mapping cannot be imported: no column naming the supplier or the customer, or a
    column fed twice."""
    return imports.mapping_problems(mapping, COLUMNS, REQUIRED)


# ---- what the file refers to, read at once ----


@dataclass(frozen=True)
class _Party:
    id: int
    name: str
    district_id: int | None


class _Lookups:
    """The enterprises the file names (live ones only), the segments and the links already
    there between the enterprises it names."""

    def __init__(self, session: Session, codes: set[str], names: set[str]):
        self.by_code: dict[str, _Party] = {}
        self.by_name: dict[str, list[_Party]] = {}
        columns = (Enterprise.id, Enterprise.name, Enterprise.district_id)
        for chunk in chunks(sorted(codes)):
            for row in session.execute(
                select(*columns, Enterprise.uscc).where(
                    Enterprise.uscc.in_(chunk), Enterprise.deleted_at.is_(None)
                )
            ):
                self.by_code[row.uscc] = _Party(row.id, row.name, row.district_id)
        for chunk in chunks(sorted(names)):
            for row in session.execute(
                select(*columns, Enterprise.name_normalised).where(
                    Enterprise.name_normalised.in_(chunk), Enterprise.deleted_at.is_(None)
                )
            ):
                self.by_name.setdefault(row.name_normalised, []).append(
                    _Party(row.id, row.name, row.district_id)
                )
        self.segments: dict[str, list[ChainSegment]] = {}
        for segment in session.scalars(select(ChainSegment).where(ChainSegment.level == "segment")):
            self.segments.setdefault(segment.code.upper(), []).append(segment)
        self.chains = {segment.chain_key for rows in self.segments.values() for segment in rows}

    def links(self, session: Session, supplier_ids: set[int]) -> dict[tuple, SupplyLink]:
        found = {}
        for chunk in chunks(sorted(supplier_ids)):
            for link in session.scalars(
                select(SupplyLink).where(SupplyLink.supplier_id.in_(chunk))
            ):
                found[(link.supplier_id, link.customer_id, link.segment_id)] = link
        return found


# ---- cells to values ----


def _party(lookups: _Lookups, name_cell, code_cell, who: str) -> _Party:
    """The enterprise a row names: by credit code when given, else by its exact name."""
    code_text = (cell_text(code_cell) or "").strip() or None
    if code_text is not None:
        code = clean_credit_code(code_text)  # FieldProblem names what is wrong with it
        party = lookups.by_code.get(code)
        if party is None:
            raise FieldProblem(
                _("统一社会信用代码为 %(code)s 的%(who)s不在企业库中", code=code, who=who)
            )
        return party
    name = (cell_text(name_cell) or "").strip()
    if not name:
        raise FieldProblem(_("请填写%(who)s的名称或统一社会信用代码", who=who))
    found = lookups.by_name.get(normalised_name(name), [])
    if not found:
        raise FieldProblem(_("企业库中没有名为“%(name)s”的企业", name=name))
    if len(found) > 1:
        raise FieldProblem(
            _(
                "企业库中有 %(count)d 家企业名为“%(name)s”，请填写统一社会信用代码以区分",
                count=len(found),
                name=name,
            )
        )
    return found[0]


def _segment(lookups: _Lookups, code_cell, chain_cell) -> ChainSegment | None:
    """The segment by its code ("M501", or "M501 动力电池电芯" as a chain list shows it): in the
    row's chain when it names one, else the only chain with that code, else the automotive."""
    text = (cell_text(code_cell) or "").strip()
    if not text:
        return None
    code = text.split()[0].upper()
    candidates = lookups.segments.get(code, [])
    chain = (cell_text(chain_cell) or "").strip()
    if chain:
        if chain not in lookups.chains:
            raise FieldProblem(_("未知产业链：%(chain)s", chain=chain))
        candidates = [segment for segment in candidates if segment.chain_key == chain]
    elif len(candidates) > 1:
        candidates = [segment for segment in candidates if segment.chain_key == DEFAULT_CHAIN]
        if len(candidates) != 1:
            raise FieldProblem(_("多条产业链都有环节 %(code)s，请在“产业链”列注明", code=code))
    if not candidates:
        raise FieldProblem(_("未知产业链环节代码：%(codes)s", codes=code))
    return candidates[0]


def _share(cell) -> Decimal | None:
    """0 to 1, as a decimal (0.35) or a percentage (35%, or a cell formatted as one)."""
    value = cell_number(cell)
    if value is None:
        return None
    if isinstance(value, str):
        percent = _PERCENT.match(value)
        if percent is not None:
            try:
                value = Decimal(percent.group(1).strip()) / 100
            except InvalidOperation:
                raise FieldProblem(_("份额应为 0 到 1 之间的数，或百分数（如 35%）")) from None
    elif isinstance(value, int | Decimal) and not isinstance(value, bool):
        value = Decimal(value)
    cleaned, errors = SUPPLY_LINKS.clean({"share": value}, partial=True)
    if errors:
        raise FieldProblem("；".join(errors["share"]))
    share = cleaned["share"]
    if share is not None and share > 1:
        raise FieldProblem(_("份额应在 0 到 1 之间（或写作百分数，如 35%）"))
    return share


# ---- the import ----


@dataclass
class _Checked:
    row: int
    supplier_id: int
    customer_id: int
    segment_id: int | None
    share: Decimal | None
    link: SupplyLink | None  # the link the row updates


def import_supply_links(
    session: Session,
    table: Table,
    mapping: ColumnMapping,
    actor,
    *,
    dry_run: bool = False,
    progress: ProgressCallback | None = None,
) -> ImportOutcome:
    """Check every row, then write them all (or none). A row is wrong when an enterprise is
    unknown or ambiguous, the segment unknown, the share not 0 to 1, the supplier its own
    customer, the same link is on an earlier row, or the actor may change neither enterprise
    (as the supply-link API refuses). A refused file is recorded as a refused batch."""
    records.require(actor, WRITE)
    scope = actor_scope(session, actor)
    if scope is not None and scope.kind == NONE:
        raise Forbidden(scope_refusal(session, scope, None, "create"))
    progress = progress or (lambda phase, done, total: None)
    total = table.row_count
    progress("checking", 0, total)
    rows = [(row.number, {key: row.values[index] for key, index in mapping.columns.items()})
            for row in table]  # fmt: skip
    codes, names = set(), set()
    for _number, cells in rows:
        for side in SIDES:
            try:
                code = clean_credit_code(
                    (cell_text(cells.get(f"{side}_uscc")) or "").strip() or None
                )
            except FieldProblem:
                code = None
            if code:
                codes.add(code)
            else:
                names.add(normalised_name((cell_text(cells.get(f"{side}_name")) or "").strip()))
    lookups = _Lookups(session, codes, names - {""})
    outcome = ImportOutcome(row_count=len(rows))
    parsed = []
    for done, (number, cells) in enumerate(rows, 1):
        item = _check_row(number, cells, lookups, scope, outcome.errors)
        if item is not None:
            parsed.append(item)
        if done % PROGRESS_EVERY == 0:
            progress("checking", done, total)
    existing = lookups.links(session, {item.supplier_id for item in parsed})
    seen: dict[tuple, int] = {}
    checked: list[_Checked] = []
    for item in parsed:
        key = (item.supplier_id, item.customer_id, item.segment_id)
        if key in seen:
            outcome.errors.append(
                RowError(
                    item.row,
                    COLUMNS["customer_name"].header,
                    _("与第 %(row)d 行是同一条供应关系（供应商、客户和环节相同）", row=seen[key]),
                )
            )
            continue
        seen[key] = item.row
        item.link = existing.get(key)
        checked.append(item)
    if outcome.refused:
        outcome.errors.sort(key=lambda error: error.row)
        if not dry_run:
            record_batch(session, KIND, table.file_name, outcome, actor, status="refused")
        return outcome
    changed = [item for item in checked if item.link is not None and _differs(item)]
    outcome.created = sum(item.link is None for item in checked)
    outcome.updated = len(changed)
    if dry_run:
        return outcome
    record_batch(session, KIND, table.file_name, outcome, actor, status="applied")
    _write(session, checked, changed, actor, progress, total)
    progress("done", total, total)
    return outcome


def _check_row(number: int, cells: dict, lookups: _Lookups, scope, errors) -> _Checked | None:
    problems: list[tuple[str, str]] = []
    parties = {}
    for side, who in zip(SIDES, (_("供应商"), _("客户")), strict=True):
        try:
            parties[side] = _party(
                lookups, cells.get(f"{side}_name"), cells.get(f"{side}_uscc"), who
            )
        except FieldProblem as problem:
            given = cell_text(cells.get(f"{side}_uscc"))
            column = f"{side}_uscc" if given and given.strip() else f"{side}_name"
            if column not in cells:  # the file has only the other of the two columns
                column = f"{side}_uscc" if f"{side}_uscc" in cells else f"{side}_name"
            problems.append((column, str(problem)))
    try:
        segment = _segment(lookups, cells.get("segment"), cells.get("chain"))
    except FieldProblem as problem:
        problems.append(("segment", str(problem)))
        segment = None
    try:
        share = _share(cells.get("share"))
    except FieldProblem as problem:
        problems.append(("share", str(problem)))
        share = None
    supplier, customer = parties.get("supplier"), parties.get("customer")
    if supplier is not None and customer is not None:
        if supplier.id == customer.id:
            problems.append(
                ("customer_name" if "customer_name" in cells else "customer_uscc",
                 _("供应商和客户不能是同一家企业"))
            )  # fmt: skip
        elif scope is not None and not (
            scope.may_write_district(supplier.district_id)
            or scope.may_write_district(customer.district_id)
        ):
            problems.append(
                ("supplier_name" if "supplier_name" in cells else "supplier_uscc",
                 _("供应商和客户都不在您的辖区内，您不能修改这条供应关系。"))
            )  # fmt: skip
    order = list(COLUMNS)
    for column, message in sorted(problems, key=lambda problem: order.index(problem[0])):
        errors.append(RowError(number, COLUMNS[column].header, message))
    if problems:
        return None
    return _Checked(number, supplier.id, customer.id, segment.id if segment else None, share, None)


def _differs(item: _Checked) -> bool:
    old = item.link.share
    if old is None or item.share is None:
        return old is not None or item.share is not None
    return Decimal(str(old)) != item.share


def _write(session, checked, changed, actor, progress, total) -> None:
    who = records.actor_id(actor)
    done = 0
    for item in checked:
        if item.link is None:
            link = SupplyLink(
                supplier_id=item.supplier_id,
                customer_id=item.customer_id,
                segment_id=item.segment_id,
                share=None if item.share is None else float(item.share),
                created_by_id=who,
            )
            session.add(link)
            audit.record_create(session, link, who)
            done += 1
            if done % PROGRESS_EVERY == 0:
                progress("writing", done, total)
    for item in changed:
        item.link.share = None if item.share is None else float(item.share)
        audit.record_update(session, item.link, who)
    session.flush()
