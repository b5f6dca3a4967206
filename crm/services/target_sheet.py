"""The targets grid as a spreadsheet: exported one row per district and department (blank cells
where no target is set, so the export doubles as the form to fill in) and imported back through
the shared import machinery (crm.services.imports): every row checked first, then all written
or none. A filled cell sets that target, an empty one leaves it as it is."""

import io
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from crm.schemas.fields import FieldProblem
from crm.schemas.targets import SHEET_COLUMNS
from crm.services import audit, imports, records
from crm.services.imports import (
    ColumnMapping,
    ImportOutcome,
    ProgressCallback,
    RowError,
    cell_number,
    cell_text,
    record_batch,
)
from crm.services.targets import (
    DISTRICT,
    READ,
    UNIT,
    WRITE,
    Owner,
    _check_year,
    clean_value,
    grid,
    owners,
    refusal,
)
from crm.spreadsheets import Table, write_xlsx
from crm.vocabulary import TARGET_INDICATOR

KIND = "targets"
COLUMNS = {column.key: column for column in SHEET_COLUMNS}
REQUIRED = ("year", "owner")


def map_columns(table: Table, chosen: dict[int, str] | None = None) -> ColumnMapping:
    return imports.map_columns(table, COLUMNS, chosen)


def mapping_problems(mapping: ColumnMapping) -> list[str]:
    problems = imports.mapping_problems(mapping, COLUMNS, REQUIRED)
    if not any(key in mapping.columns for key in TARGET_INDICATOR.keys):
        problems.append(_("文件中没有任何指标列（如“签约项目数”）"))
    return problems


def export_workbook(session: Session, year: int, actor) -> bytes:
    """The year's grid: districts (by code) then departments, a column per indicator."""
    records.require(actor, READ)
    rows = []
    for kind in (DISTRICT, UNIT):
        cells = grid(session, year, kind)
        for owner in owners(session, kind):
            values = []
            for indicator in TARGET_INDICATOR.keys:
                target = cells.get(f"{owner.key}-{indicator}")
                values.append(None if target is None else Decimal(target.value).normalize() + 0)
            rows.append([year, owner.name, *values])
    buffer = io.BytesIO()
    write_xlsx(
        buffer,
        [column.header for column in SHEET_COLUMNS],
        rows,
        sheet_title=_("%(year)d年目标任务", year=year),
        number_formats=["0", None, *(None for _key in TARGET_INDICATOR.keys)],
    )
    return buffer.getvalue()


@dataclass
class _Cell:
    row: int
    year: int
    owner: Owner
    indicator: str
    value: Decimal


def _owner_lookup(session: Session) -> dict[str, list[Owner]]:
    """Districts by name and code, departments by name: a name may match both (then the row
    is ambiguous)."""
    found: dict[str, list[Owner]] = {}
    for owner in owners(session, DISTRICT):
        found.setdefault(owner.name, []).append(owner)
        if owner.code:
            found.setdefault(owner.code, []).append(owner)
    for owner in owners(session, UNIT):
        found.setdefault(owner.name, []).append(owner)
    return found


def import_targets(
    session: Session,
    table: Table,
    mapping: ColumnMapping,
    actor,
    *,
    dry_run: bool = False,
    progress: ProgressCallback | None = None,
) -> ImportOutcome:
    """Check every row, then write every filled cell (or nothing when any is wrong). A row is
    wrong when its year is not a year, its district or department is unknown or ambiguous, a
    value is not a number fitting its indicator, or an earlier row set the same target."""
    records.require(actor, WRITE, refusal())
    progress = progress or (lambda phase, done, total: None)
    total = table.row_count
    progress("checking", 0, total)
    lookup = _owner_lookup(session)
    outcome = ImportOutcome(row_count=0)
    cells: list[_Cell] = []
    seen: dict[tuple, int] = {}
    for row in table:
        outcome.row_count += 1
        given = {key: row.values[index] for key, index in mapping.columns.items()}
        errors = outcome.errors
        year = None
        try:
            year_cell = cell_number(given.get("year"))
            year = int(Decimal(str(year_cell))) if year_cell is not None else None
            if year is None:
                raise FieldProblem(_("必填"))
            _check_year(year)
        except (FieldProblem, ArithmeticError, ValueError) as problem:
            message = str(problem) if isinstance(problem, FieldProblem) else _("应为年份，如 2026")
            errors.append(RowError(row.number, COLUMNS["year"].header, message))
            year = None
        name = (cell_text(given.get("owner")) or "").strip()
        matches = lookup.get(name, [])
        owner = None
        if not name:
            errors.append(RowError(row.number, COLUMNS["owner"].header, _("必填")))
        elif not matches:
            errors.append(
                RowError(
                    row.number,
                    COLUMNS["owner"].header,
                    _("找不到区县或部门“%(name)s”", name=name),
                )
            )
        elif len({(match.kind, match.id) for match in matches}) > 1:
            errors.append(
                RowError(
                    row.number,
                    COLUMNS["owner"].header,
                    _("“%(name)s”既是区县又是部门名称，请改用区县代码", name=name),
                )
            )
        else:
            owner = matches[0]
        for indicator in TARGET_INDICATOR.keys:
            if indicator not in given:
                continue
            try:
                value = clean_value(indicator, cell_number(given[indicator]))
            except FieldProblem as problem:
                errors.append(RowError(row.number, COLUMNS[indicator].header, str(problem)))
                continue
            if value is None or owner is None or year is None:
                continue
            key = (year, owner.kind, owner.id, indicator)
            if key in seen:
                errors.append(
                    RowError(
                        row.number,
                        COLUMNS[indicator].header,
                        _("与第 %(row)d 行设定的是同一项目标", row=seen[key]),
                    )
                )
                continue
            seen[key] = row.number
            cells.append(_Cell(row.number, year, owner, indicator, value))
    if outcome.refused:
        outcome.errors.sort(key=lambda error: error.row)
        if not dry_run:
            record_batch(session, KIND, table.file_name, outcome, actor, status="refused")
        return outcome
    existing = {}
    for year in {cell.year for cell in cells}:
        for kind in (DISTRICT, UNIT):
            existing.update({(year, name): t for name, t in grid(session, year, kind).items()})
    writes = []
    for cell in cells:
        target = existing.get((cell.year, f"{cell.owner.key}-{cell.indicator}"))
        if target is None:
            outcome.created += 1
            writes.append((cell, None))
        elif Decimal(target.value) != cell.value:
            outcome.updated += 1
            writes.append((cell, target))
    if dry_run:
        return outcome
    record_batch(session, KIND, table.file_name, outcome, actor, status="applied")
    _write(session, writes, actor)
    progress("done", total, total)
    return outcome


def _write(session: Session, writes, actor) -> None:
    from crm.models import Target

    who = records.actor_id(actor)
    with records.stale_as_conflict():
        for cell, target in writes:
            if target is None:
                target = Target(
                    year=cell.year,
                    indicator=cell.indicator,
                    value=cell.value,
                    created_by_id=who,
                    **{f"{cell.owner.kind}_id": cell.owner.id},
                )
                session.add(target)
                session.flush()
                audit.record_create(session, target, who)
            else:
                target.value = cell.value
                audit.record_update(session, target, who)
        session.flush()
