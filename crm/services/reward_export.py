"""A year's rewards as an .xlsx for approval (奖励审批表): a summary sheet with one row per
ambassador, a detail sheet with one row per ambassador and project and the explanation of each
figure, and the year's rule. Headers in Chinese with their units."""

import tempfile
from decimal import Decimal

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.models import Ambassador, User
from crm.services import records, rewards
from crm.services.reward_rules import rules_by_year
from crm.spreadsheets import protect_text
from crm.vocabulary import AMBASSADOR_KIND, PROJECT_TYPE, SECTOR

EXPORT = "export.run"
READ = "ambassador.read"
SUMMARY_HEADERS = (
    "大使编号",
    "姓名",
    "类别",
    "单位",
    "计奖项目数",
    "本年到位资金（万元，按功劳份额）",
    "奖励金额（万元）",
    "备注",
)
DETAIL_HEADERS = (
    "大使编号",
    "姓名",
    "推荐编号",
    "项目编号",
    "项目名称",
    "到账明细（日期 金额万元）",
    "本年到位资金（万元）",
    "此前累计到位资金（万元）",
    "累计到位资金（万元）",
    "适用规则年度",
    "计算方式",
    "档次与费率",
    "额外奖励（%）",
    "每个项目上限（万元）",
    "此前年度已计（万元）",
    "是否封顶",
    "项目本年奖励（万元）",
    "功劳份额",
    "应得奖励（万元）",
    "计算说明",
)
MONEY = "#,##0.00"
EXACT = "#,##0.####"


def _cell(value):
    if isinstance(value, str):
        return protect_text(value)
    return value


def _sheet(workbook: Workbook, title: str, headers, rows, widths: dict[int, float]):
    sheet = workbook.create_sheet(title)
    sheet.append([_cell(header) for header in headers])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        sheet.append([_cell(value) for value in row])
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, Decimal):
                cell.number_format = EXACT
    sheet.freeze_panes = "A2"
    for index, header in enumerate(headers):
        letter = sheet.cell(row=1, column=index + 1).column_letter
        sheet.column_dimensions[letter].width = widths.get(index, max(10, len(header) * 2 + 2))
    return sheet


def export_year(session: Session, city: str, year: int, actor, target) -> int:
    """Write the year's rewards to `target` (a path or a binary file); returns how many
    ambassadors are in the summary."""
    records.require(actor, READ)
    records.require(actor, EXPORT)
    people = {
        ambassador.id: (user.label, ambassador.kind, ambassador.organisation)
        for ambassador, user in session.execute(
            select(Ambassador, User).join(User, User.id == Ambassador.user_id)
        )
    }
    years = rewards.year_rewards(session, city, year)
    summary = []
    detail = []
    for item in years:
        name, kind, organisation = people[item.ambassador_id]
        note = _("部分到位资金所在年度尚无奖励规则，未计奖励。") if item.without_rule else ""
        summary.append(
            [
                item.ambassador_id,
                name,
                AMBASSADOR_KIND.label(kind),
                organisation or "",
                len({line.credit.project.id for line in item.lines}),
                item.funds_wan,
                item.total_wan,
                note,
            ]
        )
        for line in item.lines:
            detail.append(_detail_row(line, name))
    workbook = Workbook()
    workbook.remove(workbook.active)
    first = _sheet(workbook, _("%(year)d年汇总", year=year), SUMMARY_HEADERS, summary, {1: 14})
    for row in first.iter_rows(min_row=2, min_col=6, max_col=7):
        for cell in row:
            cell.number_format = MONEY
    total_row = len(summary) + 2
    first.cell(row=total_row, column=2, value=_("合计"))
    first.cell(row=total_row, column=7, value=sum((row[6] or 0 for row in summary), Decimal(0)))
    first.cell(row=total_row, column=7).number_format = MONEY
    second = _sheet(
        workbook,
        _("%(year)d年明细", year=year),
        DETAIL_HEADERS,
        detail,
        {4: 24, 5: 30, 11: 40, 19: 90},
    )
    for row in second.iter_rows(min_row=2):
        row[19].alignment = Alignment(wrap_text=True, vertical="top")
        row[18].number_format = MONEY
    _rule_sheet(workbook, rules_by_year(session, city).get(year), year)
    workbook.save(target)
    return len(summary)


def _detail_row(line: rewards.RewardLine, name: str) -> list:
    part = line.project_year
    rule = part.rule
    return [
        line.credit.ambassador_id,
        name,
        line.credit.referral_id,
        line.credit.project.id,
        line.credit.project.name,
        "；".join(
            f"{arrival.arrived_on.isoformat()} {rewards.wan_text(arrival.amount_wan)}"
            for arrival in part.arrivals
        ),
        part.funds_this_year_wan,
        part.funds_before_wan,
        part.funds_through_wan,
        rule.year if rule else _("无规则"),
        (_("全额") if rule.band_method == "whole" else _("超额累进")) if rule else "",
        " + ".join(
            f"{rewards.band_label(band)} {rewards.wan_text(band.per_mille)}‰"
            for band in part.parts_through
        ),
        part.bonus_pct if rule else None,
        rule.cap_wan if rule else None,
        part.paid_before_wan if rule else None,
        (_("是") if part.capped else _("否")) if rule else "",
        rewards.rounded(part.reward_wan) if part.reward_wan is not None else None,
        line.credit.share,
        line.amount_wan,
        "\n".join(line.explanation()),
    ]


def _rule_sheet(workbook: Workbook, rule, year: int) -> None:
    sheet = workbook.create_sheet(_("%(year)d年规则", year=year))
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 40
    if rule is None:
        sheet.append([_("%(year)d 年尚无奖励规则，本年到位资金暂不计算奖励。", year=year)])
        return
    sheet.append([_("档次（万元）"), _("费率（‰）")])
    low = Decimal(0)
    for band in rule.bands:
        sheet.append([rewards.band_label(band, low), band.per_mille])
        low = band.up_to_wan or low
    sheet.append([])
    sheet.append(
        [_("计算方式"), _("全额按所在档费率") if rule.band_method == "whole" else _("超额累进")]
    )
    sheet.append(
        [_("每个项目上限（万元）"), rule.cap_wan if rule.cap_wan is not None else _("不设")]
    )
    sheet.append([_("额外奖励（%）"), rule.bonus_pct])
    named = [
        *(PROJECT_TYPE.label(key) for key in sorted(rule.bonus_project_types)),
        *(SECTOR.label(key) for key in sorted(rule.bonus_sectors)),
        *sorted(rule.bonus_segments),
    ]
    sheet.append([_("额外奖励适用"), "、".join(named) or "—"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)


def export_file(session: Session, city: str, year: int, actor):
    """The export in a temporary file, read back from its start; closing it removes it."""
    file = tempfile.TemporaryFile()  # noqa: SIM115  (the response that sends it closes it)
    export_year(session, city, year, actor, file)
    file.seek(0)
    return file
