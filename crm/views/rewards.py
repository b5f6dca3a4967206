"""Rewards and recognition: the reward rules (staff edit, officials read), a year's rewards and
their .xlsx for approval, the leaderboard, and the ambassador's own recognition and certificate
on the portal."""

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from crm.clock import city_today
from crm.extensions import db
from crm.i18n import is_english
from crm.models import Ambassador, RewardRule, User
from crm.permissions import require
from crm.schemas.formats import decimal_text
from crm.schemas.reward_rules import BAND_METHOD, EARLIEST_YEAR, LATEST_YEAR
from crm.services import ambassador_leaderboard, reward_export, reward_rules, rewards
from crm.services.errors import NotFound, StaleVersion, ValidationError
from crm.views import blueprint, form_version
from crm.vocabulary import PROJECT_TYPE, SECTOR

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Rows the rule form offers for bands: the rule's own and empty ones to add.
EMPTY_BAND_ROWS = 2


def _city() -> str:
    return current_app.config["CITY"]


def method_label(key: str) -> str:
    return BAND_METHOD.label(key, "en" if is_english() else "zh")


def _year(default_today: bool = True) -> int | None:
    """?year=, when it is a year; else this year (or None: all years)."""
    text = request.args.get("year", "")
    if text.isascii() and text.isdigit() and EARLIEST_YEAR <= int(text) <= LATEST_YEAR:
        return int(text)
    if text == "all" and not default_today:
        return None
    return city_today().year if default_today else None


# ---- rules ----


@blueprint.get("/ambassadors/reward-rules")
@require(reward_rules.READ)
def reward_rule_list():
    rows = db.session.scalars(
        select(RewardRule).where(RewardRule.city == _city()).order_by(RewardRule.year.desc())
    )
    return render_template(
        "crm/reward_rule_list.html",
        rules=[(record, reward_rules.rule_of(record)) for record in rows],
        this_year=city_today().year,
        method_label=method_label,
    )


def _form_data(form) -> dict:
    """The rule's fields from the form: band rows with nothing in them are left out."""
    bands = [
        {"up_to_wan": up_to.strip() or None, "per_mille": rate.strip() or None}
        for up_to, rate in zip(
            form.getlist("band_up_to_wan"), form.getlist("band_per_mille"), strict=False
        )
        if up_to.strip() or rate.strip()
    ]
    data = {
        "bands": bands,
        "cap_wan": form.get("cap_wan", "").strip() or None,
        "band_method": form.get("band_method") or "whole",
        "bonus_pct": form.get("bonus_pct", "").strip() or None,
        "bonus_project_types": form.getlist("bonus_project_types"),
        "bonus_sectors": form.getlist("bonus_sectors"),
        "bonus_segments": [
            code.strip()
            for code in form.get("bonus_segments", "").replace("，", ",").split(",")
            if code.strip()
        ],
    }
    days = form.get("pay_within_days", "").strip()
    data["pay_within_days"] = int(days) if days.isascii() and days.isdigit() else (days or None)
    return data


def _values_of(form) -> dict:
    """What the form shows again after an error: exactly what was typed."""
    return {
        "year": form.get("year", ""),
        "bands": [
            {"up_to_wan": up_to, "per_mille": rate}
            for up_to, rate in zip(
                form.getlist("band_up_to_wan"), form.getlist("band_per_mille"), strict=False
            )
        ],
        "cap_wan": form.get("cap_wan", ""),
        "band_method": form.get("band_method", "whole"),
        "bonus_pct": form.get("bonus_pct", ""),
        "bonus_project_types": form.getlist("bonus_project_types"),
        "bonus_sectors": form.getlist("bonus_sectors"),
        "bonus_segments": form.get("bonus_segments", ""),
        "pay_within_days": form.get("pay_within_days", ""),
    }


def _values_of_rule(record: RewardRule | None) -> dict:
    if record is None:
        return {
            "year": str(city_today().year),
            "bands": [
                {"up_to_wan": "1000", "per_mille": "3"},
                {"up_to_wan": "10000", "per_mille": "4"},
                {"up_to_wan": "", "per_mille": "5"},
            ],
            "cap_wan": "100",
            "band_method": "whole",
            "bonus_pct": "10",
            "bonus_project_types": [],
            "bonus_sectors": [],
            "bonus_segments": "",
            "pay_within_days": "30",
        }
    values = reward_rules.rule_values(db.session, record)
    text = decimal_text
    return {
        "year": str(record.year),
        "bands": [
            {"up_to_wan": text(band["up_to_wan"]) or "", "per_mille": text(band["per_mille"])}
            for band in values["bands"]
        ],
        "cap_wan": text(record.cap_wan) or "",
        "band_method": values["band_method"],
        "bonus_pct": text(values["bonus_pct"]),
        "bonus_project_types": values["bonus_project_types"],
        "bonus_sectors": values["bonus_sectors"],
        "bonus_segments": ", ".join(values["bonus_segments"]),
        "pay_within_days": str(values["pay_within_days"] or ""),
    }


def _rule_form(record, values, errors=None, status=200):
    values = dict(values)
    bands = list(values["bands"])
    while bands and not (bands[-1]["up_to_wan"] or bands[-1]["per_mille"]):
        bands.pop()  # the empty rows offered last time; two are added again below
    values["bands"] = bands + [
        {"up_to_wan": "", "per_mille": ""} for _row in range(EMPTY_BAND_ROWS)
    ]
    page = render_template(
        "crm/reward_rule_form.html",
        record=record,
        values=values,
        errors=errors or {},
        methods=list(BAND_METHOD),
        project_types=list(PROJECT_TYPE),
        sectors=list(SECTOR),
    )
    return page, status


@blueprint.route("/ambassadors/reward-rules/new", methods=["GET", "POST"])
@require(reward_rules.WRITE)
def reward_rule_new():
    if request.method == "GET":
        return _rule_form(None, _values_of_rule(None))
    data = _form_data(request.form)
    year = request.form.get("year", "").strip()
    data["year"] = int(year) if year.isascii() and year.isdigit() else (year or None)
    try:
        record = reward_rules.create_rule(db.session, data, current_user, city=_city())
    except ValidationError as error:
        db.session.rollback()
        return _rule_form(None, _values_of(request.form), error.fields, 422)
    db.session.commit()
    flash(_("已保存 %(year)d 年的奖励规则。", year=record.year), "info")
    return redirect(url_for("crm.reward_rule_list"))


@blueprint.route("/ambassadors/reward-rules/<int:rule_id>/edit", methods=["GET", "POST"])
@require(reward_rules.WRITE)
def reward_rule_edit(rule_id: int):
    try:
        record = reward_rules.get_rule(db.session, rule_id, current_user)
    except NotFound:
        abort(404)
    if record.city != _city():
        abort(404)
    if request.method == "GET":
        return _rule_form(record, _values_of_rule(record))
    try:
        reward_rules.update_rule(
            db.session,
            record,
            _form_data(request.form),
            form_version(request.form.get("version")),
            current_user,
        )
    except ValidationError as error:
        db.session.rollback()
        return _rule_form(
            record, _values_of(request.form) | {"year": record.year}, error.fields, 422
        )
    except StaleVersion:
        db.session.rollback()
        record = reward_rules.get_rule(db.session, rule_id, current_user)
        message = _("该规则已被他人修改，以下是您填写的内容；请核对后重新保存。")
        errors = {"_": [message]}
        page, _status = _rule_form(record, _values_of(request.form) | {"year": record.year}, errors)
        return page, 409
    db.session.commit()
    flash(_("已保存 %(year)d 年的奖励规则。", year=record.year), "info")
    return redirect(url_for("crm.reward_rule_list"))


# ---- a year's rewards, for approval ----


@blueprint.get("/ambassadors/rewards")
@require(reward_rules.READ)
def reward_year():
    year = _year()
    rule = reward_rules.rules_by_year(db.session, _city()).get(year)
    items = rewards.year_rewards(db.session, _city(), year)
    names = _ambassador_names([item.ambassador_id for item in items])
    return render_template(
        "crm/reward_year.html",
        year=year,
        rule=rule,
        items=items,
        names=names,
        years=range(city_today().year + 1, city_today().year - 6, -1),
    )


@blueprint.get("/ambassadors/rewards/export")
@require(reward_export.EXPORT)
@require(reward_rules.READ)
def reward_export_file():
    year = _year()
    file = reward_export.export_file(db.session, _city(), year, current_user)
    return send_file(
        file, mimetype=XLSX, as_attachment=True, download_name=f"ambassador-rewards-{year}.xlsx"
    )


def _ambassador_names(ids) -> dict[int, tuple[str, str]]:
    if not ids:
        return {}
    rows = db.session.execute(
        select(Ambassador.id, User.display_name, User.name, Ambassador.kind)
        .join(User, User.id == Ambassador.user_id)
        .where(Ambassador.id.in_(ids))
    )
    return {row.id: (row.display_name or row.name, row.kind) for row in rows}


# ---- the leaderboard ----


@blueprint.get("/ambassadors/leaderboard")
@require(ambassador_leaderboard.READ)
def ambassador_leaderboard_page():
    year = _year(default_today=False)
    sort = request.args.get("sort", "reward_wan")
    board = ambassador_leaderboard.leaderboard(
        db.session, _city(), current_user, year, sort, current_app.config["TIMEZONE"]
    )
    return render_template(
        "crm/ambassador_leaderboard.html",
        board=board,
        years=range(city_today().year, city_today().year - 6, -1),
    )


# ---- the ambassador's own recognition ----


def _own_ambassador():
    ambassador = getattr(current_user, "ambassador", None)
    if ambassador is None:
        abort(404)
    return ambassador


@blueprint.get("/portal/recognition")
@require("portal.use")
def portal_recognition():
    ambassador = _own_ambassador()
    credits = rewards.credits(db.session, [ambassador.id])
    years = rewards.ambassador_rewards(db.session, _city(), ambassador.id, credits)
    return render_template(
        "crm/portal_recognition.html", ambassador=ambassador, credits=credits, years=years
    )


@blueprint.get("/portal/recognition/certificate")
@require("portal.use")
def portal_certificate():
    ambassador = _own_ambassador()
    credits = rewards.credits(db.session, [ambassador.id])
    return render_template(
        "crm/portal_certificate.html",
        ambassador=ambassador,
        credits=credits,
        today=city_today(),
    )
