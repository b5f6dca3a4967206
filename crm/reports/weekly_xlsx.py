"""The 周调度 sheet as .xlsx in the usual layout: a title row, a line saying scope, date and
units, two header rows (投资额（万元） over 总投资/年度计划/本期完成/累计完成), a totals row,
borders, frozen panes, fitted widths, and A4 landscape printing with the headers on every
page. The week's leads, stage moves and milestones follow on sheets of their own."""

from datetime import date
from io import BytesIO

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from crm.spreadsheets import protect_text
from crm.vocabulary import LEAD_STAGE, PROJECT_STAGE

THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
WRAP = Alignment(vertical="top", wrap_text=True)
AMOUNT = "#,##0.00"
FIRST_DATA_ROW = 5


def _columns():
    """(group or None, header, width) of the main sheet, left to right."""
    money = _("投资额（万元）")
    schedule = _("进度")
    return [
        (None, _("序号"), 6),
        (None, _("项目名称"), 28),
        (None, _("区县"), 10),
        (None, _("阶段"), 9),
        (money, _("总投资"), 12),
        (money, _("年度计划"), 12),
        (money, _("本期完成"), 11),
        (money, _("累计完成"), 12),
        (schedule, _("年度已完成（万元）"), 12),
        (schedule, _("超/欠进度（%）"), 10),
        (None, _("形象进度"), 30),
        (None, _("需协调解决的问题"), 30),
        (None, _("协调事项/本周说明"), 30),
        (None, _("责任领导"), 10),
        (None, _("责任单位"), 16),
    ]


def _number(row, key, unknown_field):
    value = getattr(row, key)
    if unknown_field in row.unknown:
        return _("无法确定")
    return float(value) if value is not None else None


def _text(value) -> str:
    return protect_text(value) if value else ""


def _main_sheet(sheet, report) -> None:
    columns = _columns()
    width = len(columns)
    last = get_column_letter(width)
    sheet.title = _("周调度")
    title = _(
        "重点项目周调度表（%(start)s 至 %(end)s）",
        start=report.week_start.isoformat(),
        end=report.week_end.isoformat(),
    )
    sheet["A1"] = title
    sheet["A1"].font = Font(size=16, bold=True)
    sheet["A1"].alignment = CENTRE
    sheet.merge_cells(f"A1:{last}1")
    sheet.row_dimensions[1].height = 30
    line = _(
        "范围：%(scope)s　数据截至：%(as_of)s　列入标准：总投资 %(floor)s 万元以上　单位：万元",
        scope=report.scope_label,
        as_of=report.as_of.isoformat(),
        floor=f"{report.min_investment_wan:,.0f}",
    )
    if report.issued:
        line += "　" + _(
            "已印发：%(when)s %(who)s",
            when=report.issued_at.strftime("%Y-%m-%d %H:%M UTC"),
            who=report.issued_by or "",
        )
    sheet["A2"] = line
    sheet.merge_cells(f"A2:{last}2")

    # Two header rows: a group spans its columns on row 3; a column without one spans both rows.
    index = 0
    while index < width:
        group = columns[index][0]
        letter = get_column_letter(index + 1)
        if group is None:
            sheet[f"{letter}3"] = columns[index][1]
            sheet.merge_cells(f"{letter}3:{letter}4")
            index += 1
            continue
        span = 1
        while index + span < width and columns[index + span][0] == group:
            span += 1
        sheet[f"{letter}3"] = group
        sheet.merge_cells(f"{letter}3:{get_column_letter(index + span)}3")
        for offset in range(span):
            sheet.cell(row=4, column=index + offset + 1, value=columns[index + offset][1])
        index += span
    for row in sheet.iter_rows(min_row=3, max_row=4, max_col=width):
        for cell in row:
            cell.font = Font(bold=True)
            cell.alignment = CENTRE
            cell.fill = HEADER_FILL
            cell.border = BOX

    # One style per kind of cell, shared by all (setting border and alignment cell by cell
    # costs openpyxl a lookup each: seconds for a city's thousands of rows). The data cells are
    # not restyled afterwards, so sharing the style array is safe; they are made and appended
    # row by row (Worksheet.cell's lookup per cell costs as much again).
    text_style = _style(sheet.parent, border=BOX, alignment=WRAP)
    amount_style = _style(sheet.parent, border=BOX, alignment=WRAP, number_format=AMOUNT)
    percent_style = _style(sheet.parent, border=BOX, alignment=WRAP, number_format="+0.0;-0.0;0.0")
    number = FIRST_DATA_ROW
    for position, row in enumerate(report.rows, start=1):
        values = [
            position,
            _text(row.name),
            _text(row.district),
            PROJECT_STAGE.label(row.stage) if row.stage else "",
            _number(row, "total_investment_wan", "total_investment_wan"),
            _number(row, "planned_this_year_wan", "planned_investment_this_year_wan"),
            _number(row, "completed_period_wan", "investment_period_wan"),
            _number(row, "cumulative_wan", "investment_cumulative_wan"),
            _number(row, "completed_this_year_wan", "investment_period_wan"),
            float(row.schedule_pct) if row.schedule_pct is not None else _("无年度计划"),
            _text(row.image_progress),
            _text("\n".join(f"{n}. {text}" for n, text in enumerate(row.problems, start=1))),
            _text(row.note),
            _text(row.leader),
            _text(row.unit),
        ]
        cells = [Cell(sheet, value=value) for value in values]
        for column, cell in enumerate(cells, start=1):
            if 5 <= column <= 9 and isinstance(cell.value, float):
                cell._style = amount_style
            elif column == 10 and isinstance(cell.value, float):
                cell._style = percent_style
            else:
                cell._style = text_style
        sheet.append(cells)  # row `number`: the rows above are written
        number += 1
    totals = report.totals
    sheet.cell(row=number, column=1, value=_("合计"))
    sheet.merge_cells(start_row=number, start_column=1, end_row=number, end_column=4)
    for column, key in enumerate(
        ("total_investment_wan", "planned_this_year_wan", "completed_period_wan", "cumulative_wan"),
        start=5,
    ):
        cell = sheet.cell(row=number, column=column, value=float(totals[key]))
        cell.number_format = AMOUNT
    for cell in sheet[number][:width]:
        cell.border = BOX
        cell.font = Font(bold=True)
    for note_row, caveat in enumerate(report.caveats, start=number + 2):
        sheet.cell(row=note_row, column=1, value=_text(caveat))

    for column, (_group, _header, column_width) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = column_width
    sheet.freeze_panes = f"C{FIRST_DATA_ROW}"
    _print_setup(sheet, "3:4")


def _style(workbook, **attributes):
    """The style array of a cell with these attributes, made on a scratch sheet of the
    workbook (styles are the workbook's), for copying onto many cells."""
    scratch = (
        workbook["_styles"]
        if "_styles" in workbook.sheetnames
        else workbook.create_sheet("_styles")
    )
    cell = scratch.cell(row=scratch.max_row + 1, column=1)
    for name, value in attributes.items():
        setattr(cell, name, value)
    return cell._style


def _print_setup(sheet, title_rows: str) -> None:
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = title_rows
    sheet.page_margins.left = sheet.page_margins.right = 0.4


def _list_sheet(workbook, title: str, headers: list[tuple[str, int]], rows: list[list]) -> None:
    sheet = workbook.create_sheet(title)
    for column, (header, width) in enumerate(headers, start=1):
        cell = sheet.cell(row=1, column=column, value=header)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.border = BOX
        cell.alignment = CENTRE
        sheet.column_dimensions[get_column_letter(column)].width = width
    plain = _style(workbook, border=BOX)
    day = _style(workbook, border=BOX, number_format="yyyy-mm-dd")
    for values in rows:  # rows 2 on, under the header; shared styles as on the main sheet
        cells = [Cell(sheet, value=value) for value in values]
        for cell, value in zip(cells, values, strict=True):
            cell._style = day if isinstance(value, date) else plain
        sheet.append(cells)
    sheet.freeze_panes = "A2"
    _print_setup(sheet, "1:1")


def _stage_label(subject: str, key: str | None) -> str:
    if key is None:
        return ""
    vocabulary = LEAD_STAGE if subject == "lead" else PROJECT_STAGE
    return vocabulary.label(key) if key in vocabulary else key


def workbook_bytes(report) -> bytes:
    workbook = Workbook()
    _main_sheet(workbook.active, report)
    _list_sheet(
        workbook,
        _("本周新增线索"),
        [(_("线索"), 30), (_("阶段"), 10), (_("意向投资（万元）"), 14), (_("单位"), 16),
         (_("登记日期"), 12)],
        [[_text(line.name), _stage_label("lead", line.stage),
          float(line.intended_investment_wan) if line.intended_investment_wan is not None else None,
          _text(line.unit), line.created_on] for line in report.new_leads],
    )  # fmt: skip
    _list_sheet(
        workbook,
        _("阶段变动"),
        [(_("类别"), 8), (_("名称"), 30), (_("原阶段"), 12), (_("新阶段"), 12), (_("日期"), 12)],
        [[_("线索") if move.subject == "lead" else _("项目"), _text(move.name),
          _stage_label(move.subject, move.from_stage), _stage_label(move.subject, move.to_stage),
          move.changed_on] for move in report.stage_moves],
    )  # fmt: skip
    _list_sheet(
        workbook,
        _("下周到期节点"),
        [(_("项目"), 30), (_("节点"), 24), (_("计划日期"), 12)],
        [[_text(line.project), _text(line.milestone), line.planned_on]
         for line in report.due_next_week],
    )  # fmt: skip
    _list_sheet(
        workbook,
        _("逾期节点"),
        [(_("项目"), 30), (_("节点"), 24), (_("计划日期"), 12), (_("逾期天数"), 10)],
        [[_text(line.project), _text(line.milestone), line.planned_on, line.days_overdue]
         for line in report.overdue],
    )  # fmt: skip
    workbook.remove(workbook["_styles"])
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
