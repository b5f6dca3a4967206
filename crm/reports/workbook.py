"""The bulletin-style workbook the quarterly and annual reports export: per sheet a merged
title, a line saying as of when and for whom, Chinese headers, and A4 landscape printing."""

import io
from collections.abc import Sequence
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from crm.spreadsheets import protect_text

THIN = Side(style="thin", color="999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
MARK_FILLS = {
    "red": PatternFill("solid", fgColor="F4B6B6"),
    "yellow": PatternFill("solid", fgColor="FBE7A1"),
    "green": PatternFill("solid", fgColor="BFE3C0"),
}


def new_workbook() -> Workbook:
    workbook = Workbook()
    workbook.remove(workbook.active)
    return workbook


def add_sheet(
    workbook: Workbook,
    name: str,
    title: str,
    subtitle: str,
    headers: Sequence[str],
    rows: Sequence[Sequence],
    *,
    widths: Sequence[int] | None = None,
    mark_column: int | None = None,  # the index of a column holding red/yellow/green labels
    marks: Sequence[str | None] = (),  # each row's mark key, for its fill
) -> Worksheet:
    sheet = workbook.create_sheet(name[:31])
    width = len(headers)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet.cell(1, 1, title).font = Font(bold=True, size=16)
    sheet.cell(1, 1).alignment = Alignment(horizontal="center", vertical="center")
    sheet.row_dimensions[1].height = 30
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    sheet.cell(2, 1, subtitle).alignment = Alignment(horizontal="center")
    for index, header in enumerate(headers, 1):
        cell = sheet.cell(3, index, header)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = BOX
    for offset, row in enumerate(rows):
        for index, value in enumerate(row, 1):
            if isinstance(value, str):
                value = protect_text(value)
            cell = sheet.cell(4 + offset, index, value)
            cell.border = BOX
            if isinstance(value, Decimal | float):
                cell.number_format = "#,##0.00"
        if mark_column is not None and offset < len(marks) and marks[offset] in MARK_FILLS:
            sheet.cell(4 + offset, mark_column + 1).fill = MARK_FILLS[marks[offset]]
    for index in range(1, width + 1):
        given = widths[index - 1] if widths and index <= len(widths) else None
        sheet.column_dimensions[get_column_letter(index)].width = given or 12
    sheet.freeze_panes = "A4"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "3:3"
    return sheet


def workbook_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def rounded(value: Decimal | None, places: int = 2) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(Decimal(1).scaleb(-places))
