"""The working rhythm's report pages (crm.reports): the index with one-click links per kind, and
one page per kind at /reports/<key>?as_of=&scope= with a shared header (date, scope, print,
.xlsx). The weekly sheet's notes and issuing are posted here too."""

from io import BytesIO

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm.clock import city_today
from crm.extensions import db
from crm.permissions import require
from crm.reports import READ, REPORTS
from crm.reports.params import (
    ORDER,
    default_scope,
    file_name,
    parse_params,
    period_days,
    scope_choices,
)
from crm.services import weekly_sheets
from crm.services.enterprise_export import XLSX
from crm.services.errors import NotFound, StaleVersion, ValidationError
from crm.views import blueprint, form_version


def _link_titles() -> dict[str, tuple[str, str]]:
    return {
        "weekly": (_("本周"), _("上周")),
        "monthly": (_("本月"), _("上月")),
        "quarterly": (_("本季度"), _("上季度")),
        "annual": (_("本年度"), _("上年度")),
    }


@blueprint.get("/reports")
@require(READ)
def reports():
    today = city_today()
    days = period_days(today)
    scope = default_scope(db.session, current_user)
    kinds = [
        {
            "key": key,
            "kind": REPORTS[key],
            "links": [
                (title, url_for("crm.report_page", key=key, as_of=day.isoformat(), scope=scope))
                for title, day in zip(_link_titles()[key], days[key], strict=True)
            ],
        }
        for key in ORDER
    ]
    return render_template("reports/index.html", kinds=kinds, today=today)


@blueprint.get("/reports/<key>")
@require(READ)
def report_page(key: str):
    kind = REPORTS.get(key)
    if kind is None:
        abort(404)
    today = city_today()
    choices = scope_choices(db.session, current_user)
    scope_text = request.args.get("scope") or default_scope(db.session, current_user)
    header = {
        "kind": kind,
        "as_of": request.args.get("as_of") or today.isoformat(),
        "scope": scope_text,
        "choices": choices,
        "today": today,
    }
    try:
        params = parse_params(db.session, request.args.get("as_of"), scope_text, today)
        report = kind.build(db.session, current_user, params)
    except ValidationError as error:
        header["invalid"] = True
        page = render_template("reports/invalid.html", report_header=header, errors=error.fields)
        return page, 400
    if request.args.get("format") == "xlsx":
        return send_file(
            BytesIO(kind.to_xlsx(report)),
            mimetype=XLSX,
            as_attachment=True,
            download_name=file_name(key, params),
        )
    return render_template(
        kind.template, report=report, params=params, kind=kind, report_header=header
    )


# ---- the weekly sheet: notes, then issue ----


def _weekly_back(params_text: dict):
    return redirect(url_for("crm.report_page", key="weekly", **params_text))


@blueprint.post("/reports/weekly/notes")
@require(weekly_sheets.WRITE)
def weekly_note():
    form = request.form
    back = {"as_of": form.get("as_of", ""), "scope": form.get("scope", "")}
    expected = form.get("version") or None
    try:
        params = parse_params(db.session, back["as_of"], back["scope"], city_today())
        project_id = int(form.get("project_id", ""))
        weekly_sheets.save_note(
            db.session,
            current_user,
            params,
            project_id,
            form.get("note", ""),
            form_version(expected) if expected is not None else None,
        )
        db.session.commit()
    except (ValueError, NotFound):
        db.session.rollback()
        abort(404)
    except StaleVersion:
        db.session.rollback()
        flash(_("这条说明已被他人修改，请查看最新内容后再保存。"), "error")
        return _weekly_back(back)
    except ValidationError as error:
        db.session.rollback()
        _flash_each(error)
        return _weekly_back(back)
    flash(_("说明已保存。"), "success")
    return redirect(
        url_for("crm.report_page", key="weekly", **back, _anchor=f"project-{project_id}")
    )


def _flash_each(error: ValidationError) -> None:
    for messages in error.fields.values():
        for message in messages:
            flash(message, "error")


@blueprint.post("/reports/weekly/issue")
@require(weekly_sheets.WRITE)
def weekly_issue():
    form = request.form
    back = {"as_of": form.get("as_of", ""), "scope": form.get("scope", "")}
    expected = form.get("version") or None
    try:
        params = parse_params(db.session, back["as_of"], back["scope"], city_today())
        weekly_sheets.issue(
            db.session,
            current_user,
            params,
            form_version(expected) if expected is not None else None,
        )
        db.session.commit()
    except StaleVersion:
        db.session.rollback()
        flash(_("本周调度表在您查看后已有改动（或已印发），请核对后再印发。"), "error")
        return _weekly_back(back)
    except ValidationError as error:
        db.session.rollback()
        _flash_each(error)
        return _weekly_back(back)
    flash(_("周调度表已印发，此后数据的变动不会改变它。"), "success")
    return _weekly_back(back)
