"""Importing enterprises from a spreadsheet: cells become field values, every row is checked by
the same rules as a single record (references and unique values read once for the whole file),
and then all rows are written in the caller's transaction, or none when any row is wrong."""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from crm.coordinates import BD09, GCJ02, WGS84, to_wgs84
from crm.models import ChainSegment, District, Enterprise, EnterpriseTag, Park, enterprise_segments
from crm.models.base import utcnow
from crm.schemas.enterprises import SHEET_COLUMNS
from crm.schemas.fields import FieldProblem
from crm.services import imports, records
from crm.services.enterprises import (
    CHANGE,
    CREATE,
    DISTRICTS_FINDER,
    MOVE,
    WRITE,
    Holder,
    Lookups,
    actor_scope,
    check_enterprise,
    enterprise_columns,
    normalised_name,
    scope_refusal,
    update_enterprise,
)
from crm.services.errors import Forbidden, ValidationError
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
from crm.services.scope import NONE, Scope
from crm.spreadsheets import Table
from crm.uscc import normalise as normalise_credit_code
from crm.vocabulary import ENTERPRISE_TAG

KIND = "enterprises"
COLUMNS = {column.key: column for column in SHEET_COLUMNS}
REQUIRED = ("name",)
# Errors of a row are listed as its columns run; a location's under 经度.
ORDER = {key: index for index, key in enumerate(COLUMNS)} | {"location": list(COLUMNS).index("lon")}
PROGRESS_EVERY = 500  # rows; also the rows of one INSERT (500 × 30 values, within SQLite's limit)

_LIST_SEPARATORS = re.compile(r"[、,，;；\n]+")
_DAY = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_YES = {"是", "y", "yes", "true", "1", "√", "✓", "本地"}
_NO = {"否", "n", "no", "false", "0", "×", "✗", "外地"}


def map_columns(table: Table, chosen: dict[int, str] | None = None) -> ColumnMapping:
    """The file's headers matched to the enterprise sheet's columns (crm.services.imports)."""
    return imports.map_columns(table, COLUMNS, chosen)


def mapping_problems(mapping: ColumnMapping) -> list[str]:
    """Why a mapping cannot be imported: 企业名称 missing, or a column fed twice."""
    return imports.mapping_problems(mapping, COLUMNS, REQUIRED)


# ---- cells to values ----


_text, _number = cell_text, cell_number


def _count(cell):
    cell = _number(cell)
    if isinstance(cell, str) and cell.isascii() and cell.isdigit():
        return int(cell)
    return cell


def _flag(cell):
    if cell is None or isinstance(cell, bool):
        return cell
    text = str(cell).strip().lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise FieldProblem(_("应为“是”或“否”"))


def _day(cell):
    if isinstance(cell, datetime):
        return cell.date()
    if not isinstance(cell, str):
        return cell
    match = _DAY.fullmatch(cell.strip())
    if match is None:
        return cell
    try:
        return date(*map(int, match.groups()))
    except ValueError:
        raise FieldProblem(_("日期不存在")) from None


def _items(cell) -> list[str]:
    text = _text(cell)
    return [item.strip() for item in _LIST_SEPARATORS.split(text or "") if item.strip()]


class ImportLookups(Lookups):
    """Everything the file refers to, read in a few queries before the first row is checked;
    earlier rows of the file hold their credit codes and names like stored records do."""

    def __init__(self, session: Session, codes: Iterable[str], names: Iterable[str]):
        super().__init__(session)
        self.districts = {row.code: row for row in session.scalars(select(District))}
        self.district_names = {row.name: row.code for row in self.districts.values()}
        self.parks = {row.name: row for row in session.scalars(select(Park))}
        self.placed: dict[int, str] = {}  # row number → district code, by spatial join
        self.segment_rows: dict[str, list[ChainSegment]] = {}
        for segment in session.scalars(select(ChainSegment).where(ChainSegment.level == "segment")):
            self.segment_rows.setdefault(segment.code, []).append(segment)
        self.tag_keys = {term.zh: term.key for term in ENTERPRISE_TAG} | {
            term.key: term.key for term in ENTERPRISE_TAG
        }
        self.code_holders: dict[str, list[Holder]] = {}
        self.name_holders: dict[str, list[Holder]] = {}
        enterprise = Enterprise
        for chunk in chunks(sorted(set(codes))):
            for row in session.execute(
                select(
                    enterprise.id, enterprise.name, enterprise.deleted_at, enterprise.uscc
                ).where(enterprise.uscc.in_(chunk))
            ):
                self.code_holders.setdefault(row.uscc, []).append(
                    Holder(row.id, row.name, row.deleted_at)
                )
        for chunk in chunks(sorted(set(names))):
            for row in session.execute(
                select(enterprise.id, enterprise.name, enterprise.name_normalised).where(
                    enterprise.name_normalised.in_(chunk), enterprise.deleted_at.is_(None)
                )
            ):
                self.name_holders.setdefault(row.name_normalised, []).append(
                    Holder(row.id, row.name)
                )

    def district(self, code):
        return self.districts.get(code)

    def park(self, name):
        return self.parks.get(name)

    def segments(self, codes):
        return {code: self.segment_rows[code] for code in codes if code in self.segment_rows}

    def credit_code_holder(self, code, excluding_id):
        return _first_other(self.code_holders.get(code, ()), excluding_id)

    def name_holder(self, normalised, excluding_id):
        return _first_other(self.name_holders.get(normalised, ()), excluding_id)

    def claim(self, row: int, values: dict, enterprise_id: int | None) -> None:
        """A row that passed holds its code and name against the rows after it."""
        holder = Holder(enterprise_id, values.get("name", ""), row=row)
        if values.get("uscc"):
            self.code_holders.setdefault(values["uscc"], []).insert(0, holder)
        if values.get("name"):
            self.name_holders.setdefault(normalised_name(values["name"]), []).insert(0, holder)


def _first_other(holders, excluding_id: int | None) -> Holder | None:
    for holder in holders:
        if holder.row is not None or holder.id != excluding_id:
            return holder
    return None


def row_values(cells: dict, lookups: ImportLookups) -> tuple[dict, dict[str, str]]:
    """A row's cells (by sheet key) as the declaration's input, and the cells that cannot be."""
    values, problems = {}, {}
    for key, cell in cells.items():
        column = COLUMNS[key]
        try:
            if column.kind in ("readonly", "coordinate", "number"):
                continue
            if column.kind == "text":
                values[key] = _text(cell)
            elif column.kind == "amount":
                values[key] = _number(cell)
            elif column.kind == "count":
                values[key] = _count(cell)
            elif column.kind == "flag":
                flag = _flag(cell)
                if flag is not None:
                    values[key] = flag
            elif column.kind == "date":
                values[key] = _day(cell)
            elif column.kind == "rating":
                text = _text(cell)
                values[key] = text.strip().upper() if text else None
            elif column.kind == "list":
                values[key] = _items(cell)
            elif column.kind == "district":
                text = (_text(cell) or "").strip()
                values[key] = lookups.district_names.get(text, text) or None
            elif column.kind == "segments":
                # "M501 动力电池电芯；M502 …" as exported, or the codes alone.
                values[key] = [item.split()[0] for item in _items(cell)]
            elif column.kind == "tags":
                values[key] = [lookups.tag_keys.get(item, item) for item in _items(cell)]
        except FieldProblem as problem:
            problems[key] = str(problem)
    if "lon" in cells or "lat" in cells:
        lon, lat = _number(cells.get("lon")), _number(cells.get("lat"))
        if lon is None and lat is None:
            values["location"] = None
        elif lon is None or lat is None:
            problems["lon"] = _("经度和纬度应同时填写")
        else:
            try:
                values["location"] = {"lon": _coordinate(lon), "lat": _coordinate(lat),
                                      "system": _system(cells.get("coordinate_system"))}  # fmt: skip
            except FieldProblem as problem:
                problems["lon"] = str(problem)
    return values, problems


def _system(cell) -> str:
    """A coordinate system as a sheet may name it: its key, its label or the map's name."""
    text = _text(cell)
    if text is None:
        return WGS84
    key = SYSTEM_NAMES.get(text.lower().replace(" ", "").replace("_", "-"))
    if key is None:
        raise FieldProblem(_("坐标系应为 WGS-84、GCJ-02（高德、腾讯）或 BD-09（百度）"))
    return key


# Lower case, no spaces: what a sheet may write for each system.
SYSTEM_NAMES = {
    **{name: WGS84 for name in ("wgs84", "wgs-84", "gps", "天地图", "cgcs2000")},
    **{name: GCJ02 for name in ("gcj02", "gcj-02", "高德", "腾讯", "火星坐标")},
    **{name: BD09 for name in ("bd09", "bd-09", "百度")},
}


def _coordinate(value) -> float:
    try:
        return float(Decimal(str(value)))
    except ArithmeticError:
        raise FieldProblem(_("经纬度应为数字")) from None


def _identifier(cell) -> int | None:
    """编号 and 版本: whole numbers, or nothing."""
    value = _count(cell)
    if value is None:
        return None
    if isinstance(value, Decimal) and value == value.to_integral_value():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise FieldProblem(_("应为正整数"))
    return value


# ---- the import ----


@dataclass
class _Checked:
    row: int
    values: dict
    enterprise: Enterprise | None  # the record an update changes
    data: dict  # what was sent, for an update


def import_enterprises(
    session: Session,
    table: Table,
    mapping: ColumnMapping,
    actor,
    *,
    dry_run: bool = False,
    progress: ProgressCallback | None = None,
) -> ImportOutcome:
    """Check every row, then write them all (or none): rows with 编号 update that record (and
    must carry its current 版本 when they have one), the others create records. A refused
    file is recorded as a refused batch; nothing of it is written. A row for an enterprise, or
    a district, outside the actor's scope is a wrong row; without any scope, Forbidden."""
    records.require(actor, WRITE)
    scope = actor_scope(session, actor)
    if scope is not None and scope.kind == NONE:
        raise Forbidden(scope_refusal(session, scope, None, CREATE))
    progress = progress or (lambda phase, done, total: None)
    total = table.row_count
    progress("checking", 0, total)
    rows = [(row.number, {key: row.values[index] for key, index in mapping.columns.items()})
            for row in table]  # fmt: skip
    codes = [normalise_credit_code(_text(cells.get("uscc"))) for _n, cells in rows]
    names = [normalised_name(_text(cells["name"]) or "") for _n, cells in rows if "name" in cells]
    lookups = ImportLookups(session, filter(None, codes), names)
    lookups.placed = _districts_of_located_rows(rows)
    existing = _existing(session, rows)
    outcome = ImportOutcome(row_count=len(rows))
    checked: list[_Checked] = []
    for done, (number, cells) in enumerate(rows, 1):
        item = _check_row(session, number, cells, lookups, existing, scope, outcome.errors)
        if item is not None:
            checked.append(item)
            lookups.claim(number, item.values, item.enterprise.id if item.enterprise else None)
        if done % PROGRESS_EVERY == 0:
            progress("checking", done, total)
    if outcome.refused:
        outcome.errors.sort(key=lambda error: error.row)
        if not dry_run:
            record_batch(session, KIND, table.file_name, outcome, actor, status="refused")
        return outcome
    if dry_run:
        outcome.created = sum(item.enterprise is None for item in checked)
        outcome.updated = len(checked) - outcome.created
        return outcome
    batch = record_batch(session, KIND, table.file_name, outcome, actor, status="applied")
    _write(session, checked, batch.id, actor, scope, outcome, progress)
    batch.created_count, batch.updated_count = outcome.created, outcome.updated
    progress("done", total, total)
    session.flush()
    return outcome


def _existing(session: Session, rows) -> dict[int, Enterprise]:
    """The records rows with 编号 would update, read at once."""
    ids = set()
    for _number, cells in rows:
        try:
            identifier = _identifier(cells.get("id"))
        except FieldProblem:
            continue
        if identifier is not None:
            ids.add(identifier)
    found = {}
    for chunk in chunks(sorted(ids)):
        for enterprise in session.scalars(
            select(Enterprise).where(Enterprise.id.in_(chunk), Enterprise.deleted_at.is_(None))
        ):
            found[enterprise.id] = enterprise
    return found


def _districts_of_located_rows(rows) -> dict[int, str]:
    """Row number → the district its location lies in, for rows with a location and no
    district: one spatial join for the whole file, by the map's finder that app.py installs
    (without it, rows keep the district they give)."""
    find = current_app.extensions.get(DISTRICTS_FINDER) if has_app_context() else None
    located = []
    for number, cells in rows:
        if _text(cells.get("district")) or cells.get("lon") is None or cells.get("lat") is None:
            continue
        try:
            lon, lat = _coordinate(_number(cells["lon"])), _coordinate(_number(cells["lat"]))
            system = _system(cells.get("coordinate_system"))
        except (FieldProblem, TypeError):
            continue  # the row's own check reports it
        located.append((number, to_wgs84(lon, lat, system)))
    if find is None or not located:
        return {}
    codes = find([point for _number_, point in located])
    return {number: code for (number, _), code in zip(located, codes, strict=True) if code}


def _check_row(session, number, cells, lookups, existing, scope, errors) -> _Checked | None:
    def refuse(key: str, message: str) -> None:
        header = COLUMNS[key].header if key in COLUMNS else key
        errors.append(RowError(number, header, message))

    try:
        identifier, version = _identifier(cells.get("id")), _identifier(cells.get("version"))
    except FieldProblem as problem:
        refuse("id", str(problem))
        return None
    enterprise = None
    if identifier is not None:
        enterprise = existing.get(identifier)
        if enterprise is None:
            refuse("id", _("编号为 %(id)d 的企业不存在或已删除", id=identifier))
            return None
        if version is not None and version != enterprise.version:
            refuse(
                "version",
                _(
                    "该企业已被修改（文件中为版本 %(old)d，现为版本 %(new)d），请重新导出后再改",
                    old=version,
                    new=enterprise.version,
                ),
            )
            return None
        refusal = scope_refusal(session, scope, enterprise.district_id, CHANGE)
        if refusal is not None:
            refuse("id", refusal)
            return None
    values, problems = row_values(cells, lookups)
    placed = lookups.placed.get(number)
    if values.get("location") and not values.get("district") and placed in lookups.districts:
        values["district"] = placed  # where the point lies (spatial join)
    if enterprise is None:  # an empty cell of a new record is what its default would be anyway
        values = {key: value for key, value in values.items() if value is not None}
    fields: dict[str, list[str]] = {key: [message] for key, message in problems.items()}
    try:
        checked = check_enterprise(session, values, enterprise, lookups)
    except ValidationError as error:  # UnknownFields too: a column the form does not take
        for key, messages in error.fields.items():
            fields.setdefault(key, []).extend(messages)
    for key in sorted(fields, key=lambda key: ORDER.get(key, len(ORDER))):
        refuse("lon" if key == "location" else key, "；".join(fields[key]))
    if fields:
        return None
    if "district" in checked:
        district = checked["district"]
        refusal = scope_refusal(
            session, scope, district.id if district else None, MOVE if enterprise else CREATE
        )
        if refusal is not None:
            refuse("district", refusal)
            return None
    if enterprise is not None:
        # An update sends only what differs, so an unchanged row changes nothing.
        values = {key: values[key] for key in _changed(enterprise, checked)}
    return _Checked(number, checked, enterprise, values)


def _changed(enterprise: Enterprise, checked: dict) -> list[str]:
    changed = []
    for key, value in checked.items():
        if key == "segments":
            differs = sorted(s.code for s in value) != sorted(s.code for s in enterprise.segments)
        elif key == "tags":
            differs = sorted(value) != sorted(tag.tag for tag in enterprise.tags)
        else:
            columns = enterprise_columns({key: value})
            differs = any(getattr(enterprise, column) != new for column, new in columns.items())
        if differs:
            changed.append(key)
    return changed


def _write(
    session, checked: list[_Checked], batch_id: int, actor, scope: Scope | None, outcome, progress
) -> None:
    new = [item for item in checked if item.enterprise is None]
    now, who = utcnow(), records.actor_id(actor)
    table = Enterprise.__table__
    total = len(checked)
    for start in range(0, len(new), PROGRESS_EVERY):
        part = new[start : start + PROGRESS_EVERY]
        ids = records.reserve_ids(session, table, len(part))
        rows = [
            {
                "id": enterprise_id,
                "aliases": [],
                "is_leading": False,
                "is_chain_leader": False,
                "is_above_scale": False,
                "is_local": True,
                **enterprise_columns(item.values),
                "version": 1,
                "is_demo": False,
                "created_at": now,
                "updated_at": now,
                "created_by_id": who,
                "import_batch_id": batch_id,
            }
            for enterprise_id, item in zip(ids, part, strict=True)
        ]
        # Many rows a statement: SQLite's FTS5 index (crm.services.search) flushes at the end
        # of each statement that fires its triggers, so row by row would cost several times as
        # much. RETURNING is what makes SQLAlchemy batch the rows ("insertmanyvalues"); the ids
        # are known already.
        session.execute(insert(table).returning(table.c.id), rows)
        segments = [
            {"enterprise_id": enterprise_id, "segment_id": segment.id}
            for enterprise_id, item in zip(ids, part, strict=True)
            for segment in item.values.get("segments", [])
        ]
        tags = [
            {"enterprise_id": enterprise_id, "tag": tag}
            for enterprise_id, item in zip(ids, part, strict=True)
            for tag in item.values.get("tags", [])
        ]
        if segments:
            session.execute(insert(enterprise_segments), segments)
        if tags:
            session.execute(insert(EnterpriseTag.__table__), tags)
        outcome.created += len(part)
        progress("writing", outcome.created, total)
    for item in checked:
        if item.enterprise is not None and item.data:
            update_enterprise(
                session, item.enterprise, item.data, item.enterprise.version, actor, scope
            )
            outcome.updated += 1
    session.flush()
