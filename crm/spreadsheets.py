"""Tables in and out: read .xlsx and .csv uploads, write .xlsx exports, match headers to fields."""

import codecs
import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import chain, islice
from os import PathLike
from typing import BinaryIO, NamedTuple

from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

MAX_BYTES = 50 * 2**20
MAX_ROWS = 100_000

# The reader holds the whole sheet, so what a workbook unpacks to is capped too, at this many
# times max_bytes: a workbook packs 5 to 30 times, a zip bomb a thousand.
MAX_EXPANSION = 20

Cell = str | int | Decimal | bool | date | datetime | time | timedelta | None

_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and password-protected .xlsx
_ZIP_SIGNATURE = b"PK\x03\x04"
_DELIMITERS = (",", "\t", ";")  # in order of preference when the sample cannot tell
_SNIFF_BYTES = 64 * 1024
_SNIFF_ROWS = 50
_DECODE_CHUNK = 1 << 20

# Excel and WPS evaluate a cell typed with these first; apostrophes already in front are
# escaped too, so that restore_text undoes protect_text for every string.
_NEEDS_APOSTROPHE = re.compile(r"'*[=+\-@\t\r]")
_HAS_APOSTROPHE = re.compile(r"'+[=+\-@\t\r]")
# What XML 1.0 cannot hold (openpyxl refuses the control characters, and would write the rest).
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_MAX_CELL_CHARS = 32_767  # Excel holds no more in one cell
_WIDTH_SAMPLE_ROWS = 100
_MIN_WIDTH, _MAX_WIDTH = 6, 60
_SHEET_TITLE_ILLEGAL = re.compile(r"[\[\]:*?/\\]")

_BRACKETED = re.compile(r"[(\[【〔<《]([^)\]】〕>》]*)[)\]】〕>》]")
_HEADER_NOISE = re.compile(r"[\s*:]+")  # spaces, the * of a required column, a trailing colon


class SpreadsheetError(ValueError):
    """A file that cannot be read as a table; `message` renders in the active locale."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class Row(NamedTuple):
    """A data row: its number as Excel and WPS show it, and one value per header."""

    number: int
    values: tuple[Cell, ...]


@dataclass(frozen=True)
class Table:
    """A sheet's header row and the count of its data rows; iterate it (again) for the rows.

    Values are None when empty, text stripped, and in a workbook typed as stored there: int for
    a whole number, Decimal otherwise, bool, date (a date-time at midnight too), datetime, time,
    timedelta. CSV values are all text.
    """

    file_name: str
    format: str  # "xlsx" or "csv"
    headers: tuple[str, ...]  # as in the file, stripped; "" above a column with data only
    header_row: int
    row_count: int
    _records: Callable[[], Iterator[tuple[int, Sequence]]] = field(repr=False, compare=False)
    sheet_name: str | None = None
    encoding: str | None = None  # "utf-8-sig", "utf-8" or "gb18030"
    delimiter: str | None = None

    def __iter__(self) -> Iterator[Row]:
        width = len(self.headers)
        for number, cells in self._records():
            if number <= self.header_row:
                continue
            values = list(map(_cell, cells[:width]))
            if any(value is not None for value in values):
                values.extend([None] * (width - len(values)))
                yield Row(number, tuple(values))


def read_table(
    data: bytes | BinaryIO,
    file_name: str,
    *,
    sheet: str | None = None,
    max_bytes: int = MAX_BYTES,
    max_rows: int = MAX_ROWS,
) -> Table:
    """The table in an .xlsx workbook (its first visible worksheet, or `sheet`) or a CSV file.

    The format is told by content, not by `file_name`, which only names the file in messages.
    The header is the first row that is not blank; blank rows are skipped. A workbook's sheet is
    held in memory (about twice its unpacked XML) until the Table is dropped; a CSV file's bytes.
    Raises SpreadsheetError for a file that is empty, too large, of another format, unreadable,
    without a header or data rows, with more than `max_rows` data rows or repeated column names.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        data = data.read(max_bytes + 1)
    data = bytes(data)
    if not data:
        raise SpreadsheetError(_l("“%(file)s”是空文件。", file=file_name))
    if len(data) > max_bytes:
        raise SpreadsheetError(
            _l(
                "“%(file)s”超过 %(limit)s MB 的上限，请拆分后分批导入。",
                file=file_name,
                limit=megabytes(max_bytes),
            )
        )
    if data.startswith(_OLE_SIGNATURE):
        raise SpreadsheetError(
            _l(
                "“%(file)s”是旧版 Excel 文件（.xls）或设有密码，无法读取：请在 Excel 或 WPS 中"
                "另存为 .xlsx 工作簿或 CSV 文件（不设密码）后重新上传。",
                file=file_name,
            )
        )
    if data.startswith(_ZIP_SIGNATURE):
        return _read_xlsx(data, file_name, sheet, max_bytes, max_rows)
    if b"\x00" in data:  # no text table has NUL bytes: an image, a PDF, UTF-16 text
        raise _unrecognised(file_name)
    return _read_csv(data, file_name, max_rows)


def _read_xlsx(data: bytes, file_name: str, sheet_name: str | None, max_bytes, max_rows) -> Table:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except zipfile.BadZipFile as error:
        raise _damaged(file_name) from error
    if not any(part.filename == "xl/workbook.xml" for part in parts):
        raise _unrecognised(file_name)  # another zip: .docx, .ods, .xlsb
    if sum(part.file_size for part in parts) > max_bytes * MAX_EXPANSION:
        raise SpreadsheetError(
            _l(
                "“%(file)s”解压后超过 %(limit)s MB，无法读取，请拆分后分批导入。",
                file=file_name,
                limit=megabytes(max_bytes * MAX_EXPANSION),
            )
        )
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        if sheet_name is None:
            sheet_name = next(
                (
                    meta.name
                    for meta in workbook.sheets_metadata
                    if meta.typ == SheetTypeEnum.WorkSheet
                    and meta.visible == SheetVisibleEnum.Visible
                ),
                None,
            )
            if sheet_name is None:
                raise _no_header(file_name)
        elif sheet_name not in workbook.sheet_names:
            raise SpreadsheetError(
                _l("“%(file)s”中没有名为“%(sheet)s”的工作表。", file=file_name, sheet=sheet_name)
            )
        worksheet = workbook.get_sheet_by_name(sheet_name)
    except CalamineError as error:
        raise _damaged(file_name) from error

    def records() -> Iterator[tuple[int, list]]:
        # python-calamine yields every row from the sheet's first, so the index is the row's.
        return enumerate(worksheet.iter_rows(), start=1)

    return _tabulate(records, file_name, max_rows, format="xlsx", sheet_name=sheet_name)


def _read_csv(data: bytes, file_name: str, max_rows: int) -> Table:
    encoding = _csv_encoding(data, file_name)
    delimiter = _csv_delimiter(data, encoding)

    def records() -> Iterator[tuple[int, list[str]]]:
        text = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="")
        return enumerate(csv.reader(text, delimiter=delimiter), start=1)

    return _tabulate(
        records, file_name, max_rows, format="csv", encoding=encoding, delimiter=delimiter
    )


def _csv_encoding(data: bytes, file_name: str) -> str:
    """UTF-8, else GB18030 (which GBK and GB2312 are part of), by decoding the whole file."""
    candidates = ("utf-8-sig",) if data.startswith(codecs.BOM_UTF8) else ("utf-8", "gb18030")
    view = memoryview(data)
    for encoding in candidates:
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            # In chunks, so that the file's text is never all in memory at once.
            for start in range(0, len(view), _DECODE_CHUNK):
                decoder.decode(view[start : start + _DECODE_CHUNK])
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise SpreadsheetError(
        _l(
            "“%(file)s”的文字编码无法识别：请将 CSV 文件保存为 UTF-8 或 GBK（GB18030）编码，"
            "或另存为 .xlsx 工作簿。",
            file=file_name,
        )
    )


def _csv_delimiter(data: bytes, encoding: str) -> str:
    """The delimiter giving most sample rows as many cells as the header, then the widest header."""
    complete = len(data) <= _SNIFF_BYTES
    sample = codecs.getincrementaldecoder(encoding)().decode(data[:_SNIFF_BYTES], final=complete)

    def fit(delimiter: str) -> tuple[int, int]:
        reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
        rows = [row for row in reader if any(cell.strip() for cell in row)]
        if not complete:
            rows = rows[:-1]  # the sample may end inside the last row
        rows = rows[:_SNIFF_ROWS]
        if not rows or len(rows[0]) < 2:
            return (0, 0)
        return (sum(len(row) == len(rows[0]) for row in rows), len(rows[0]))

    return max(_DELIMITERS, key=fit)


def _tabulate(
    records: Callable[[], Iterator[tuple[int, Sequence]]], file_name: str, max_rows: int, **about
) -> Table:
    """One pass to find the header, count the data rows and the columns used, before any is used."""
    header_row, header, width, count, number = 0, [], 0, 0, 0
    try:
        for number, cells in records():
            used = _filled_width(cells)
            if not used:
                continue
            if not header_row:
                header_row, header = number, cells[:used]
                width = used
                continue
            count += 1
            if count > max_rows:
                raise SpreadsheetError(
                    _l(
                        "“%(file)s”的数据超过 %(limit)s 行的上限，请拆分后分批导入。",
                        file=file_name,
                        limit=f"{max_rows:,}",
                    )
                )
            width = max(width, used)
    except csv.Error as error:
        raise SpreadsheetError(
            _l(
                "“%(file)s”第 %(row)s 行的 CSV 格式有误，可能有不成对的引号。",
                file=file_name,
                row=number + 1,
            )
        ) from error
    if not header_row:
        raise _no_header(file_name)
    if not count:
        raise SpreadsheetError(_l("“%(file)s”只有表头，没有数据行。", file=file_name))
    headers = tuple(_header_text(cell) for cell in header) + ("",) * (width - len(header))
    seen: dict[tuple[str, str], str] = {}
    repeated = []
    for name in headers:
        key = _header_key(name)
        if name and key in seen and seen[key] not in repeated:
            repeated.append(seen[key])
        seen.setdefault(key, name)
    if repeated:
        raise SpreadsheetError(
            _l(
                "“%(file)s”的表头有重复的列名：%(names)s。请删除或改名后重新上传。",
                file=file_name,
                names="、".join(repeated),
            )
        )
    return Table(
        file_name,
        headers=headers,
        header_row=header_row,
        row_count=count,
        _records=records,
        **about,
    )


def _filled_width(cells: Sequence) -> int:
    """How many cells up to the last one that is not empty."""
    for index in range(len(cells) - 1, -1, -1):
        value = cells[index]
        if value is not None and (not isinstance(value, str) or value.strip()):
            return index + 1
    return 0


def _cell(value) -> Cell:
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        return restore_text(text) if text[0] == "'" else text  # the test first: it is most cells
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        # Excel keeps 15 significant digits; the digits a double has beyond them are noise.
        return Decimal(f"{value:.15g}")
    return value


def _header_text(value) -> str:
    value = _cell(value)
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, date | time) else str(value)


def megabytes(size: int) -> str:
    return f"{size / 2**20:.1f}".removesuffix(".0")


def _unrecognised(file_name: str) -> SpreadsheetError:
    return SpreadsheetError(
        _l("无法识别“%(file)s”的格式：请上传 Excel 工作簿（.xlsx）或 CSV 文件。", file=file_name)
    )


def _damaged(file_name: str) -> SpreadsheetError:
    return SpreadsheetError(
        _l(
            "“%(file)s”已损坏，无法作为 .xlsx 读取：请在 Excel 或 WPS 中打开后重新另存为 .xlsx。",
            file=file_name,
        )
    )


def _no_header(file_name: str) -> SpreadsheetError:
    return SpreadsheetError(_l("“%(file)s”中没有内容：找不到表头行。", file=file_name))


# ---- writing ----


def protect_text(text: str) -> str:
    """Text as it may go into a cell: characters XML cannot hold removed, formulas defused.

    A leading =, +, -, @, tab or carriage return (after any apostrophes) gets an apostrophe in
    front, so that Excel and WPS show the text instead of evaluating it.
    """
    text = _XML_ILLEGAL.sub("", text)
    if _NEEDS_APOSTROPHE.match(text):
        text = "'" + text
    return text[:_MAX_CELL_CHARS]


def restore_text(text: str) -> str:
    """The inverse of protect_text's apostrophe: '=1+1 → =1+1, while 'abc stays 'abc."""
    return text[1:] if _HAS_APOSTROPHE.match(text) else text


def write_xlsx(
    target: str | PathLike | BinaryIO,
    headers: Sequence[str],
    rows: Iterable[Sequence],
    *,
    sheet_title: str,
    column_widths: Sequence[float | None] | None = None,
    number_formats: Sequence[str | None] | None = None,
) -> int:
    """Stream rows into a one-sheet workbook at `target`; returns the number of data rows.

    The header is bold and stays in view. `column_widths` and `number_formats` have one entry
    per header (None: automatic). Automatic widths fit the header and the first rows, a Chinese
    character counting twice; a Decimal is shown with the decimal places it has (12.50 as
    #,##0.00), dates as yyyy-mm-dd. Text goes through protect_text, None leaves the cell empty.
    Excel has no time zones: give datetimes in local time, without tzinfo.
    """
    columns = len(headers)
    column_widths = column_widths or [None] * columns
    number_formats = number_formats or [None] * columns
    if not len(column_widths) == len(number_formats) == columns:
        raise ValueError("column_widths and number_formats need one entry per header")

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_SHEET_TITLE_ILLEGAL.sub("-", sheet_title)[:31] or "Sheet1")
    rows = iter(rows)
    # Widths go before the first row in a streamed sheet, so they come from a sample.
    sample = list(islice(rows, _WIDTH_SAMPLE_ROWS))
    for index, (header, width) in enumerate(zip(headers, column_widths, strict=True)):
        if width is None:
            values = chain([header], (row[index] for row in sample))
            width = min(max(_display_width(value) for value in values) + 2, _MAX_WIDTH)
            width = max(width, _MIN_WIDTH)
        sheet.column_dimensions[get_column_letter(index + 1)].width = width
    sheet.freeze_panes = "A2"

    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, protect_text(str(header)))
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)

    count = 0
    for row in chain(sample, rows):
        sheet.append(
            [
                _export_cell(sheet, value, number_format)
                for value, number_format in zip(row, number_formats, strict=True)
            ]
        )
        count += 1
    workbook.save(target)
    return count


def _export_cell(sheet, value, number_format: str | None):
    if isinstance(value, str):
        value = protect_text(value)
    elif isinstance(value, Decimal) and number_format is None:
        number_format = _decimal_format(value)
    if number_format is None or value is None:
        return value  # openpyxl formats dates and times itself
    cell = WriteOnlyCell(sheet, value)
    cell.number_format = number_format
    return cell


def _decimal_format(value: Decimal) -> str:
    places = -value.as_tuple().exponent
    return "#,##0." + "0" * places if places > 0 else "#,##0"


def _display_width(value) -> int:
    if value is None:
        return 0
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        text = f"{value:,}"
    else:
        text = str(value)
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


# ---- header mapping ----


@dataclass(frozen=True)
class HeaderMapping:
    """Which column feeds which field, and what did not fit."""

    columns: dict[str, int]  # field → index of its column (the first, when it is repeated)
    unrecognised: dict[int, str]  # index → header that matches no field
    duplicates: dict[str, list[int]]  # field → the indices of every column that matches it

    def missing(self, fields: Iterable[str]) -> list[str]:
        """Those of `fields` (the required ones, say) that no column feeds."""
        return [name for name in fields if name not in self.columns]

    def record(self, values: Sequence[Cell]) -> dict[str, Cell]:
        """A row's values by field."""
        return {name: values[index] for name, index in self.columns.items()}


def map_headers(headers: Sequence[str], columns: Mapping[str, Sequence[str]]) -> HeaderMapping:
    """Match a file's headers to fields; `columns` gives each field its accepted header names.

    Case, spaces, full-width forms and a required-column * are ignored, and so is a bracketed
    part such as a unit when one side has none: 年产值, 年产值(万元) and 年产值 （万元） all
    match 年产值（万元）, but 年产值（亿元） does not, since its unit differs.
    """
    accepted = [(name, _header_key(header)) for name, names in columns.items() for header in names]
    found: dict[str, list[int]] = {}
    unrecognised = {}
    for index, header in enumerate(headers):
        if not header.strip():
            continue
        base, unit = _header_key(header)
        same_base = [
            (name, their_unit)
            for name, (their_base, their_unit) in accepted
            if base and their_base == base
        ]
        matches = [name for name, their_unit in same_base if their_unit == unit] or [
            name for name, their_unit in same_base if not (their_unit and unit)
        ]
        if matches:
            found.setdefault(matches[0], []).append(index)
        else:
            unrecognised[index] = header
    return HeaderMapping(
        columns={name: indices[0] for name, indices in found.items()},
        unrecognised=unrecognised,
        duplicates={name: indices for name, indices in found.items() if len(indices) > 1},
    )


def _header_key(header: str) -> tuple[str, str]:
    """A header's name and its bracketed part, each without case, width or spaces."""
    text = unicodedata.normalize("NFKC", header).casefold()
    unit = "".join(_BRACKETED.findall(text))
    return _HEADER_NOISE.sub("", _BRACKETED.sub("", text)), _HEADER_NOISE.sub("", unit)
