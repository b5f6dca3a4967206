"""The dashboard's charts as data (static/js/dashboard.js draws them with ECharts): each bar or
slice with its words and the address of the list behind it."""

import calendar
from collections.abc import Callable
from decimal import Decimal

from crm.services.dashboard import RATE_TARGETS, Dashboard
from crm.vocabulary import LEAD_STAGE, PROJECT_STAGE, SECTOR

# Fonts with the Chinese glyphs first (Debian's fonts-noto-cjk, Windows, macOS), then any.
CJK_FONTS = (
    '"Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei", '
    '"PingFang SC", sans-serif'
)


def _number(value) -> float | None:
    return None if value is None else float(value)


def _percent_of(value, target) -> float | None:
    """How much of a target `value` is, in percent; None without a (positive) target."""
    if target is None or Decimal(target) <= 0:
        return None
    return round(100 * float(value) / float(target), 1)


def chart_data(
    board: Dashboard,
    targets: dict[str, Decimal],
    link: Callable[..., str],
    words: dict[str, str],
    english: bool = False,
) -> dict:
    """The charts' JSON. `link(endpoint, **arguments)` makes a list's address (url_for);
    `words` holds the translated titles the charts show (series names, units)."""
    locale = "en" if english else "zh"

    def named(name, name_en):
        return (name_en if english and name_en else name) or words["none"]

    year_start = board.as_of.replace(month=1, day=1).isoformat()
    day = board.as_of.isoformat()
    cohort = {"lead_signed_from": year_start, "lead_signed_to": day}
    funnel = [
        {
            "key": stage,
            "name": LEAD_STAGE.label(stage, locale),
            "value": count,
            "url": link("crm.lead_list", stage=stage),
        }
        for stage, count in board.leads_by_stage
    ]

    def shares(rows, argument):
        return [
            {
                "name": named(row.name, row.name_en),
                "count": row.count,
                "amount": float(row.amount_wan),
                "url": link("crm.project_list", **{argument: row.code}) if row.code else None,
            }
            for row in rows
        ]

    sectors = [
        {
            "name": SECTOR.label(sector, locale),
            "count": count,
            "amount": float(amount),
            "url": link("crm.project_list", sector=sector),
        }
        for sector, count, amount in board.projects_by_sector
    ]
    rates = []
    rate_links = {
        "landing": cohort,
        "starting": dict(cohort, started="true"),
        "in_statistics": dict(cohort, started="true", in_statistics="true"),
    }
    for attribute, target_key in RATE_TARGETS:
        rate = getattr(board, attribute)
        rates.append(
            {
                "key": attribute,
                "name": words[attribute],
                "value": None if rate.percent is None else round(rate.percent, 1),
                "target": _number(targets.get(target_key)),
                "numerator": rate.numerator,
                "denominator": rate.denominator,
                "url": link("crm.project_list", **rate_links[attribute]),
            }
        )
    signed_url = link("crm.lead_list", signed_from=year_start, signed_to=day)
    signed = {
        "count": board.signed_count,
        "amount": float(board.signed_amount_wan),
        "count_target": _number(targets.get("signed_count")),
        "amount_target": _number(targets.get("signed_amount_wan")),
        "count_percent": _percent_of(board.signed_count, targets.get("signed_count")),
        "amount_percent": _percent_of(board.signed_amount_wan, targets.get("signed_amount_wan")),
        "url": signed_url,
    }
    months = []
    for month in board.trend:
        first = board.as_of.replace(month=month.month, day=1)
        last = first.replace(day=calendar.monthrange(first.year, month.month)[1])
        last = min(last, board.as_of).isoformat()
        first = first.isoformat()
        months.append(
            {
                "name": words["month"].replace("{month}", str(month.month)),
                "signed": float(month.signed_amount_wan),
                "funds": float(month.funds_in_place_wan),
                "started": month.projects_started,
                "signed_url": link("crm.lead_list", signed_from=first, signed_to=last),
                "funds_url": link("crm.project_list", funds_from=first, funds_to=last),
                "started_url": link("crm.project_list", started_from=first, started_to=last),
            }
        )
    top = [
        {
            "name": project.name,
            "stage": PROJECT_STAGE.label(project.stage, locale),
            "district": named(project.district, project.district_en),
            "amount": float(project.total_investment_wan),
            "url": link("crm.project_detail", project_id=project.id),
        }
        for project in board.top_projects
    ]
    enterprises = [
        {
            "name": named(name, name_en),
            "count": count,
            "url": link("crm.enterprise_list", segment=code, is_local="true"),
        }
        for code, name, name_en, count in board.enterprises_by_segment
    ]
    return {
        "as_of": day,
        "font": CJK_FONTS,
        # Amounts come in 万元; the axes show 亿元 (Chinese) or million yuan (English).
        "money": {"divisor": 100 if english else 10000, "unit": words["money_unit"]},
        "words": words,
        "funnel": funnel,
        "sectors": sectors,
        "segments": shares(board.projects_by_segment, "segment"),
        "districts": shares(board.projects_by_district, "district"),
        "rates": rates,
        "signed": signed,
        "trend": months,
        "top": top,
        "enterprises": enterprises,
    }
