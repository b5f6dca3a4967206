"""Project pages (项目三库): the list with its pool tabs and filters, a project's page with its
milestones, problems, progress, funds, stage log and notes, create and edit (a conflict is
shown, never overwritten), and a signed lead converted into a project."""

import json

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from crm.clock import city_today
from crm.extensions import db
from crm.forms.projects import ProjectForm
from crm.models import Enterprise, Lead, Unit
from crm.permissions import require
from crm.schemas.fields import MAX_ID
from crm.schemas.projects import PROJECTS
from crm.services import projects, records
from crm.services.errors import Forbidden, NotFound, StaleVersion, ValidationError
from crm.services.history import history_of
from crm.services.projects import (
    FUNDS_KIND,
    MILESTONE_KIND,
    PROBLEM_KIND,
    PROGRESS_KIND,
    SORTS,
    Browse,
)
from crm.services.scope import scope_of
from crm.views import blueprint, form_version, refuse, shown_districts
from crm.vocabulary import PROJECT_STAGE

PER_PAGE = 50
ITEM_KINDS = {
    "milestones": MILESTONE_KIND,
    "problems": PROBLEM_KIND,
    "progress": PROGRESS_KIND,
    "funds": FUNDS_KIND,
}


def _project_or_404(project_id: int):
    try:
        return projects.get_project(db.session, project_id, current_user)
    except NotFound:
        abort(404)


def _units(in_scope: bool = False) -> list[tuple[int, str]]:
    units = db.session.execute(select(Unit.id, Unit.name).order_by(Unit.name)).all()
    if not in_scope:
        return [tuple(unit) for unit in units]
    scope = scope_of(db.session, current_user)
    return [tuple(unit) for unit in units if scope.sees_unit(unit.id)]


def _given_arguments() -> dict[str, str]:
    return {key: value for key, value in request.args.items() if value.strip()}


# ---- the list ----


@blueprint.get("/projects")
@require("project.read")
def project_list():
    arguments = _given_arguments()
    sort = arguments.get("sort") if arguments.get("sort") in SORTS else "investment"
    after = records.parse_cursor(SORTS[sort], arguments.get("after"))
    errors: dict[str, list[str]] = {}
    try:
        filters = PROJECTS.parse_filters(arguments)
        browse = projects.browse_projects(db.session, filters, current_user, sort, after, PER_PAGE)
    except ValidationError as error:
        errors, browse = error.fields, Browse([], False, 0)
    next_after = records.cursor_text(SORTS[sort], browse.rows[-1]) if browse.has_next else None
    return render_template(
        "crm/project_list.html",
        browse=browse,
        errors=errors,
        sort=sort,
        next_after=next_after,
        first_page=after is not None,
        arguments=arguments,
        districts=shown_districts(),
        leaders=projects.leaders(db.session),
        may_create=projects.may_create(db.session, current_user),
    )


# ---- one project ----


@blueprint.get("/projects/<int:project_id>")
@require("project.read")
def project_detail(project_id: int):
    project = _project_or_404(project_id)
    today = city_today()
    lead = db.session.get(Lead, project.lead_id) if project.lead_id else None
    return render_template(
        "crm/project_detail.html",
        project=project,
        values=projects.project_values(db.session, project, today),
        milestones=[
            projects.milestone_values(m, today)
            | {"owner": m.owner.label if m.owner else None, "row": m}
            for m in projects.items_of(db.session, MILESTONE_KIND, project)
        ],
        problems=projects.items_of(db.session, PROBLEM_KIND, project),
        progress=projects.items_of(db.session, PROGRESS_KIND, project),
        funds=projects.items_of(db.session, FUNDS_KIND, project),
        log=projects.stage_log(db.session, project),
        notes=projects.notes_of(db.session, project),
        lead=lead,
        units=_units(),
        may_change=projects.may_change(db.session, project, current_user),
        may_note=projects.may_note(db.session, project, current_user),
        template_stages=projects.TEMPLATE_STAGES,
        today=today,
    )


def _back(project_id: int, anchor: str = ""):
    return redirect(url_for("crm.project_detail", project_id=project_id) + anchor)


def _flash_errors(error: ValidationError, names: dict | None = None) -> None:
    names = names or {}
    for field, messages in error.fields.items():
        flash(f"{names.get(field, field)}：{'；'.join(messages)}", "error")


def _form_values(*keys: str) -> dict:
    """The posted fields, blank ones left out, as text the declaration cleans."""
    return {key: request.form[key].strip() for key in keys if request.form.get(key, "").strip()}


ITEM_FIELDS = {
    "milestones": ("name", "planned_on", "owner_id"),
    "problems": ("description", "responsible_unit_id", "deadline_on"),
    "progress": ("period", "period_start_on", "investment_period_wan",
                 "investment_cumulative_wan", "image_progress"),
    "funds": ("arrived_on", "amount_wan", "origin", "currency", "amount_usd"),
}  # fmt: skip
NUMBER_FIELDS = {"owner_id", "responsible_unit_id"}


def _typed(values: dict) -> dict:
    for key in NUMBER_FIELDS & set(values):
        values[key] = int(values[key]) if values[key].isdigit() else -1
    return values


@blueprint.post("/projects/<int:project_id>/<any(milestones, problems, progress, funds):kind>")
@require("project.write")
def project_item_add(project_id: int, kind: str):
    project = _project_or_404(project_id)
    values = _typed(_form_values(*ITEM_FIELDS[kind]))
    try:
        projects.create_item(
            ITEM_KINDS[kind], db.session, values, current_user, parent_id=project.id
        )
        db.session.commit()
        flash(_("已添加。"), "info")
    except ValidationError as error:
        db.session.rollback()
        _flash_errors(error, _item_labels())
    except Forbidden as error:
        db.session.rollback()
        refuse(error.message)
    return _back(project_id, f"#{kind}")


@blueprint.post("/projects/<int:project_id>/milestones/template")
@require("project.write")
def project_milestone_template(project_id: int):
    project = _project_or_404(project_id)
    try:
        added = projects.apply_milestone_template(db.session, project, current_user)
        db.session.commit()
        if added:
            flash(_("已添加 %(count)d 个前期手续节点。", count=len(added)), "info")
        else:
            flash(_("前期手续节点都已在计划中，未重复添加。"), "info")
    except ValidationError as error:
        db.session.rollback()
        _flash_errors(error, {"stage": _("阶段")})
    except Forbidden as error:
        refuse(error.message)
    return _back(project_id, "#milestones")


@blueprint.post("/projects/<int:project_id>/milestones/<int:milestone_id>/done")
@require("project.write")
def project_milestone_done(project_id: int, milestone_id: int):
    milestone = _item_or_404(MILESTONE_KIND, project_id, milestone_id)
    try:
        projects.mark_milestone_done(db.session, milestone, current_user)
        db.session.commit()
        flash(_("节点“%(name)s”已完成。", name=milestone.name), "info")
    except (ValidationError, StaleVersion):
        db.session.rollback()
        flash(_("未能保存，请刷新后重试。"), "error")
    except Forbidden as error:
        refuse(error.message)
    return _back(project_id, "#milestones")


@blueprint.post("/projects/<int:project_id>/problems/<int:problem_id>")
@require("project.write")
def project_problem_update(project_id: int, problem_id: int):
    problem = _item_or_404(PROBLEM_KIND, project_id, problem_id)
    values = _form_values("status", "response")
    try:
        projects.update_item(
            PROBLEM_KIND, db.session, problem, values, request.form.get("version", type=int),
            current_user,
        )  # fmt: skip
        db.session.commit()
        flash(_("已保存。"), "info")
    except ValidationError as error:
        db.session.rollback()
        _flash_errors(error, _item_labels())
    except StaleVersion:
        db.session.rollback()
        flash(_("这条问题刚被他人修改，请核对后再保存。"), "error")
    except Forbidden as error:
        refuse(error.message)
    return _back(project_id, "#problems")


def _item_or_404(kind, project_id: int, item_id: int):
    try:
        item = projects.get_item(kind, db.session, item_id, current_user)
    except NotFound:
        abort(404)
    if item.project_id != project_id:
        abort(404)
    return item


@blueprint.post("/projects/<int:project_id>/stage")
@require("project.write")
def project_stage(project_id: int):
    """Move the project to another stage with the facts that stage needs."""
    project = _project_or_404(project_id)
    values = _form_values("stage", "started_on", "completed_on", "full_output_wan", "full_tax_wan")
    try:
        projects.update_project(
            db.session, project, values, request.form.get("version", type=int), current_user
        )
        db.session.commit()
        flash(_("已进入“%(stage)s”。", stage=PROJECT_STAGE.label(project.stage)), "info")
    except ValidationError as error:
        db.session.rollback()
        _flash_errors(error, _labels())
    except StaleVersion:
        db.session.rollback()
        flash(_("项目刚被他人修改，请核对后再保存。"), "error")
    except Forbidden as error:
        refuse(error.message)
    return _back(project_id, "#stage")


@blueprint.post("/projects/<int:project_id>/notes")
@require("project.read")
def project_note(project_id: int):
    project = _project_or_404(project_id)
    try:
        projects.add_note(
            db.session, project, request.form.get("notes", ""), current_user,
            request.form.get("kind", "meeting"),
        )  # fmt: skip
        db.session.commit()
        flash(_("已记录。"), "info")
    except ValidationError as error:
        db.session.rollback()
        _flash_errors(error, {"notes": _("内容"), "kind": _("类别")})
    except Forbidden as error:
        refuse(error.message)
    return _back(project_id, "#notes")


@blueprint.post("/projects/<int:project_id>/delete")
@require("project.write")
def project_delete(project_id: int):
    project = _project_or_404(project_id)
    try:
        projects.delete_project(db.session, project, current_user)
    except Forbidden as error:
        refuse(error.message)
    db.session.commit()
    flash(_("已删除项目“%(name)s”。", name=project.name), "info")
    return redirect(url_for("crm.project_list"))


# ---- create and edit ----


def _form(values: dict | None = None) -> ProjectForm:
    form = ProjectForm()
    form.set_choices(shown_districts(), _units(in_scope=True), projects.leaders(db.session))
    form.set_people(projects.team_logins(db.session))
    form.team_unit_id.choices = [form.team_unit_id.choices[0]] + [
        (str(unit_id), name) for unit_id, name in _units()
    ]
    if values is not None and request.method == "GET":
        form.fill(values)
    return form


def _enterprise_name(enterprise_id) -> str | None:
    if not isinstance(enterprise_id, int) or not 0 < enterprise_id <= MAX_ID:
        return None
    enterprise = db.session.get(Enterprise, enterprise_id)
    return enterprise.name if enterprise and enterprise.deleted_at is None else None


@blueprint.route("/projects/new", methods=["GET", "POST"])
@require("project.write")
def project_new():
    if not projects.may_create(db.session, current_user):
        refuse(_("您的账号未设所属单位，不能新建项目；请联系管理员设置单位。"))
    start = {"owner_unit_id": current_user.unit_id}
    enterprise_id = request.args.get("enterprise_id", type=int)
    if enterprise_id:
        start["enterprise_id"] = enterprise_id
    form = _form(start)
    forbidden = False
    if form.validate_on_submit():
        try:
            project = projects.create_project(db.session, form.values(), current_user)
            db.session.commit()
            flash(_("已新建项目“%(name)s”。", name=project.name), "info")
            return redirect(url_for("crm.project_detail", project_id=project.id))
        except ValidationError as error:
            db.session.rollback()
            form.show_errors(error.fields)
        except Forbidden as error:
            db.session.rollback()
            form.show_errors({"owner_unit_id": [str(error.message)]})
            forbidden = True
    status = 403 if forbidden else 422 if form.errors else 200
    return render_template(
        "crm/project_form.html",
        form=form,
        enterprise_name=_enterprise_name(form.enterprise_id.data),
    ), status


@blueprint.route("/projects/<int:project_id>/edit", methods=["GET", "POST"])
@require("project.write")
def project_edit(project_id: int):
    project = _project_or_404(project_id)
    if not projects.may_change(db.session, project, current_user):
        refuse(_("该项目不属于您所在单位的范围，您不能修改。"))
    values = projects.project_values(db.session, project)
    form = _form(values)
    if request.method == "GET":
        form.version.data = project.version
        form.original.data = _shown_json(values)
    conflict = None
    forbidden = False
    if form.validate_on_submit():
        try:
            projects.update_project(
                db.session, project, form.values(), form_version(form.version.data), current_user
            )
            db.session.commit()
            flash(_("已保存。"), "info")
            return redirect(url_for("crm.project_detail", project_id=project.id))
        except ValidationError as error:
            db.session.rollback()
            form.show_errors(error.fields)
        except Forbidden as error:
            db.session.rollback()
            form.show_errors({"owner_unit_id": [str(error.message)]})
            forbidden = True
        except StaleVersion:
            db.session.rollback()
            conflict = _conflict(form, project_id)
    status = 403 if forbidden else 409 if conflict else 422 if form.errors else 200
    return render_template(
        "crm/project_form.html",
        form=form,
        project=project,
        conflict=conflict,
        labels=_labels(),
        enterprise_name=_enterprise_name(form.enterprise_id.data),
    ), status


FORM_KEYS = tuple(key for key in ProjectForm.__dict__ if key in PROJECTS.writable)


def _shown_json(values: dict) -> str:
    record = PROJECTS.record_json(values)
    return json.dumps({key: record[key] for key in FORM_KEYS}, ensure_ascii=False)


def _conflict(form: ProjectForm, project_id: int) -> dict | None:
    """Someone saved the project while this form was open: the form becomes the project as it
    is now, keeping this user's own changes where the other person left the field alone."""
    try:
        project = projects.get_project(db.session, project_id, current_user)
    except NotFound:
        abort(404)
    current_values = projects.project_values(db.session, project)
    submitted_values = form.values()
    original = form.original_values()
    current = json.loads(_shown_json(current_values))
    submitted = json.loads(_shown_json(current_values | submitted_values))
    conflict = records.edit_conflict(original, current, submitted)
    form.fill(current_values | {key: submitted_values[key] for key in conflict.kept})
    form.version.data = project.version
    form.original.data = json.dumps(current, ensure_ascii=False)
    last = history_of(db.session, "projects", project_id, limit=1)
    return {
        "theirs": [(key, original[key], current[key]) for key in conflict.theirs],
        "clashing": {key: submitted[key] for key in conflict.clashing},
        "who": last[0].who if last else None,
        "at": last[0].at if last else None,
    }


def _labels() -> dict[str, str]:
    form = ProjectForm(meta={"csrf": False}, formdata=None)
    return {name: str(field.label.text) for name, field in form._fields.items()}


def _item_labels() -> dict[str, str]:
    return {
        "name": _("节点名称"),
        "planned_on": _("计划完成日期"),
        "actual_on": _("实际完成日期"),
        "owner_id": _("责任人"),
        "status": _("状态"),
        "description": _("问题"),
        "responsible_unit_id": _("责任单位"),
        "deadline_on": _("办结时限"),
        "response": _("办理情况"),
        "period": _("周期"),
        "period_start_on": _("周期开始日期"),
        "investment_period_wan": _("本期完成投资"),
        "investment_cumulative_wan": _("累计完成投资"),
        "image_progress": _("形象进度"),
        "arrived_on": _("到位日期"),
        "amount_wan": _("到位金额"),
        "origin": _("资金来源"),
        "currency": _("币种"),
        "amount_usd": _("折合美元"),
    }


# ---- a signed lead becomes a project ----


@blueprint.route("/leads/<int:lead_id>/convert", methods=["GET", "POST"])
@require("project.write")
def lead_convert(lead_id: int):
    lead = db.session.get(Lead, lead_id) if 0 < lead_id <= MAX_ID else None
    if lead is None or lead.deleted_at is not None:
        abort(404)
    if not scope_of(db.session, current_user).sees_unit(lead.owner_unit_id):
        abort(404)
    existing = projects.project_of_lead(db.session, lead.id)
    if existing is not None:
        flash(_("该线索已转为项目“%(name)s”。", name=existing.name), "info")
        return redirect(url_for("crm.project_detail", project_id=existing.id))
    start = projects.conversion_defaults(lead) | {
        "enterprise_id": lead.enterprise_id,
        "owner_unit_id": lead.owner_unit_id,
    }
    form = _form(start)
    if form.validate_on_submit():
        try:
            project = projects.convert_lead(db.session, lead, form.values(), current_user)
            db.session.commit()
            flash(_("已将线索转为项目“%(name)s”。", name=project.name), "info")
            return redirect(url_for("crm.project_detail", project_id=project.id))
        except ValidationError as error:
            db.session.rollback()
            form.show_errors(error.fields)
        except Forbidden as error:
            db.session.rollback()
            form.show_errors({"owner_unit_id": [str(error.message)]})
    status = 422 if form.errors else 200
    return render_template(
        "crm/project_form.html",
        form=form,
        lead=lead,
        enterprise_name=_enterprise_name(form.enterprise_id.data),
    ), status
