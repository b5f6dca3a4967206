"""全年目标任务: a year's targets as a grid (a row per district or department, a column per
indicator), saved all at once or not at all; exported and imported as a spreadsheet (the import
is the import pages' kind "targets", crm.views.imports)."""

import io

from flask import flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm.clock import city_today
from crm.extensions import db
from crm.permissions import has_right, require
from crm.schemas.targets import FIRST_YEAR, LAST_YEAR
from crm.services import target_sheet, targets
from crm.services.enterprise_export import XLSX
from crm.services.errors import StaleVersion, ValidationError
from crm.views import blueprint, refuse
from crm.vocabulary import TARGET_INDICATOR

KINDS = (targets.DISTRICT, targets.UNIT)


def _year() -> int:
    text = request.values.get("year", "")
    if text.isdigit() and FIRST_YEAR <= int(text) <= LAST_YEAR:
        return int(text)
    return city_today().year


def _kind() -> str:
    kind = request.values.get("of", targets.DISTRICT)
    return kind if kind in KINDS else targets.DISTRICT


def _page(year: int, kind: str, submitted: dict | None = None, errors: dict | None = None):
    cells = targets.grid(db.session, year, kind)
    values = {
        name: format(target.value.normalize(), "f") if target.value is not None else ""
        for name, target in cells.items()
    }
    versions = {name: target.version for name, target in cells.items()}
    if submitted is not None:
        values = submitted
    return render_template(
        "crm/targets.html",
        year=year,
        kind=kind,
        kinds=KINDS,
        owners=targets.owners(db.session, kind),
        indicators=list(TARGET_INDICATOR),
        values=values,
        # The current versions: every cell changed by someone else was named in `errors`, so a
        # second save after reading them is the user's choice.
        versions=versions,
        errors=errors or {},
        may_write=has_right(current_user, targets.WRITE),
        years=range(city_today().year + 1, city_today().year - 5, -1),
    )


@blueprint.get("/targets")
@require(targets.READ)
def target_grid():
    return _page(_year(), _kind())


@blueprint.post("/targets")
@require(targets.READ)
def target_grid_save():
    if not has_right(current_user, targets.WRITE):
        refuse(targets.refusal())
    year, kind = _year(), _kind()
    prefix = f"{kind}-"
    cells = {name: value for name, value in request.form.items() if name.startswith(prefix)}
    versions = {
        name.removeprefix("version-"): value
        for name, value in request.form.items()
        if name.startswith(f"version-{prefix}")
    }
    try:
        changed = targets.save_grid(db.session, year, kind, cells, versions, current_user)
    except (ValidationError, StaleVersion) as error:
        db.session.rollback()
        problems = error.fields if isinstance(error, ValidationError) else {}
        if not problems:
            flash(_("保存时他人修改了目标，请核对后重新保存。"), "error")
        return _page(year, kind, cells, problems), 422
    db.session.commit()
    flash(_("已保存 %(year)s 年目标，改动 %(count)s 项。", year=year, count=changed), "success")
    return redirect(url_for("crm.target_grid", year=year, of=kind))


@blueprint.get("/targets/export.xlsx")
@require(targets.READ)
def target_grid_export():
    year = _year()
    data = target_sheet.export_workbook(db.session, year, current_user)
    return send_file(
        io.BytesIO(data), mimetype=XLSX, as_attachment=True, download_name=f"targets-{year}.xlsx"
    )
