"""Lead pages: the list with its filters, the board by stage (a card dragged to another stage
asks what that stage needs), my leads with their next steps, create and edit (a conflict is
shown, never overwritten), a lead's page with its stage log and activities."""

import json

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from crm.errors import MESSAGES
from crm.extensions import db
from crm.forms.leads import ActivityForm, LeadForm, MoveForm
from crm.i18n import is_english
from crm.models import Lead, Unit, User
from crm.permissions import require
from crm.schemas.leads import LEADS
from crm.services import activities, leads, records, referrals
from crm.services.enterprise_export import XLSX
from crm.services.errors import Forbidden, NotFound, StaleVersion, ValidationError
from crm.services.history import history_of
from crm.services.lead_export import export_file as lead_export_file
from crm.services.lead_export import export_name as lead_export_name
from crm.services.references import segment_groups
from crm.services.scope import CITY, scope_of
from crm.views import blueprint, form_version, refuse, shown_districts
from crm.vocabulary import LEAD_STAGE

PER_PAGE = 50
CONVERT_ENDPOINT = "crm.lead_convert"  # built with projects; the button waits for it


def _locale() -> str:
    return "en" if is_english() else "zh"


def _lead_or_404(lead_id: int) -> Lead:
    try:
        return leads.get_lead(db.session, lead_id, current_user)
    except NotFound:
        abort(404)


def _units() -> list[tuple[int, str]]:
    scope = scope_of(db.session, current_user)
    statement = select(Unit.id, Unit.name).order_by(Unit.name)
    if scope.kind != CITY:
        statement = statement.where(Unit.id.in_(scope.unit_ids))
    return db.session.execute(statement).all()


def _owners() -> list[tuple[int, str]]:
    rows = db.session.execute(
        select(User.id, User.display_name, User.name)
        .where(User.active.is_(True), User.role.in_(("staff", "admin")))
        .order_by(User.name)
    ).all()
    return [(row.id, row.display_name or row.name) for row in rows]


def _given_arguments() -> dict[str, str]:
    return {key: value for key, value in request.args.items() if value.strip()}


# ---- the list, the board and my leads ----


@blueprint.get("/leads")
@require("lead.read")
def lead_list():
    arguments = _given_arguments()
    sort = arguments.get("sort") if arguments.get("sort") in leads.SORTS else "updated"
    after = records.parse_cursor(leads.SORTS[sort], arguments.get("after"))
    errors: dict[str, list[str]] = {}
    try:
        filters = LEADS.parse_filters(arguments)
        browse = leads.browse_leads(db.session, filters, current_user, sort, after, PER_PAGE)
    except ValidationError as error:
        errors, browse = error.fields, leads.Browse([], False, 0)
    next_after = (
        records.cursor_text(leads.SORTS[sort], browse.rows[-1]) if browse.has_next else None
    )
    return render_template(
        "crm/lead_list.html",
        browse=browse,
        errors=errors,
        sort=sort,
        next_after=next_after,
        first_page=after is not None,
        arguments=arguments,
        districts=shown_districts(),
        units=_units(),
        today=_today(),
        may_create=leads.may_create(db.session, current_user),
    )


@blueprint.get("/leads/export.xlsx")
@require("export.run")
def lead_export():
    try:
        filters = LEADS.parse_filters(_given_arguments())
    except ValidationError as error:
        flash(" ".join(m for messages in error.fields.values() for m in messages), "error")
        return redirect(url_for("crm.lead_list"))
    file = lead_export_file(db.session, filters, current_user, current_app.config["TIMEZONE"])
    return send_file(file, mimetype=XLSX, as_attachment=True, download_name=lead_export_name())


def _today():
    from crm.clock import city_today

    return city_today()


@blueprint.get("/leads/board")
@require("lead.read")
def lead_board(status: int = 200):
    arguments = _given_arguments()
    errors = {}
    try:
        filters = LEADS.parse_filters(arguments)
        columns = leads.board(db.session, filters, current_user)
    except ValidationError as error:
        empty = leads.BoardColumn([], 0)
        errors, columns = error.fields, {stage: empty for stage in LEAD_STAGE.keys}
    move = MoveForm(formdata=None)
    return render_template(
        "crm/lead_board.html",
        columns=columns,
        errors=errors,
        move=move,
        arguments=arguments,
        districts=shown_districts(),
        may_write=current_user.is_authenticated and leads.may_create(db.session, current_user),
    ), status


@blueprint.post("/leads/<int:lead_id>/move")
@require("lead.write")
def lead_move(lead_id: int):
    """A card dropped on another stage, with the answers that stage needs."""
    lead = _lead_or_404(lead_id)
    form = MoveForm()
    if not form.validate_on_submit():
        flash(_("提交有误，请重试。"), "error")
        return redirect(url_for("crm.lead_board"))
    data = {"stage": form.stage.data}
    for key in ("signed_amount_wan", "signed_on", "next_step_on"):
        if form[key].data is not None:
            data[key] = form[key].data
    if (form.next_step.data or "").strip():
        data["next_step"] = form.next_step.data
    try:
        leads.update_lead(db.session, lead, data, form_version(form.version.data), current_user)
        db.session.commit()
    except Forbidden as error:
        db.session.rollback()
        flash(str(error.message or MESSAGES[403]), "error")
        return lead_board(status=403)
    except ValidationError as error:
        db.session.rollback()
        flash(_fields_text(error.fields), "error")
        return lead_board(status=422)
    except StaleVersion:
        db.session.rollback()
        flash(_("这条线索刚被他人修改，请刷新后再移动。"), "error")
        return lead_board(status=409)
    flash(
        _("“%(name)s”已移到“%(stage)s”。", name=lead.name,
          stage=LEAD_STAGE.label(lead.stage, _locale())),
        "info",
    )  # fmt: skip
    return redirect(url_for("crm.lead_board"))


def _fields_text(fields: dict) -> str:
    names = _labels()
    return "；".join(
        f"{names.get(key, key)}：{' '.join(messages)}" for key, messages in fields.items()
    )


@blueprint.get("/leads/mine")
@require("lead.read")
def lead_mine():
    return render_template("crm/lead_mine.html", mine=leads.my_leads(db.session, current_user))


# ---- create and edit ----


def _form(values: dict | None = None) -> LeadForm:
    form = LeadForm()
    form.set_choices(
        _locale(), shown_districts(), segment_groups(db.session, is_english()), _owners(), _units()
    )
    if values is not None and request.method == "GET":
        form.fill(values)
    return form


@blueprint.route("/leads/new", methods=["GET", "POST"])
@require("lead.write")
def lead_new():
    if not leads.may_create(db.session, current_user):
        refuse(str(leads.NO_UNIT))
    defaults = {"owner": current_user.id, "owner_unit": current_user.unit_id}
    enterprise_id = request.args.get("enterprise", type=int)
    if enterprise_id:
        defaults["enterprise"] = enterprise_id
    form = _form(defaults)
    holders: dict[str, int] = {}
    forbidden = False
    if form.validate_on_submit():
        try:
            lead = leads.create_lead(db.session, form.values(new=True), current_user)
            db.session.commit()
            flash(_("已登记线索“%(name)s”。", name=lead.name), "info")
            return redirect(url_for("crm.lead_detail", lead_id=lead.id))
        except ValidationError as error:
            db.session.rollback()
            form.show_errors(error.fields)
            holders = {
                ("new_enterprise_name" if key == "new_enterprise.name" else key): holder
                for key, holder in error.holders.items()
            }
        except Forbidden as error:
            db.session.rollback()
            form.show_errors({error.field or "owner_unit": [str(error.message)]})
            forbidden = True
    status = 403 if forbidden else 422 if form.errors else 200
    return render_template("crm/lead_form.html", form=form, holders=holders), status


@blueprint.route("/leads/<int:lead_id>/edit", methods=["GET", "POST"])
@require("lead.write")
def lead_edit(lead_id: int):
    lead = _lead_or_404(lead_id)
    if not leads.may_change(db.session, lead, current_user):
        refuse()
    values = leads.lead_values(db.session, lead)
    form = _form(values)
    if request.method == "GET":
        form.version.data = lead.version
        form.original.data = _shown_json(values)
    conflict = None
    forbidden = False
    if form.validate_on_submit():
        try:
            leads.update_lead(
                db.session,
                lead,
                form.values(new=False),
                form_version(form.version.data),
                current_user,
            )
            db.session.commit()
            flash(_("已保存。"), "info")
            return redirect(url_for("crm.lead_detail", lead_id=lead.id))
        except ValidationError as error:
            db.session.rollback()
            form.show_errors(error.fields)
        except Forbidden as error:
            db.session.rollback()
            form.show_errors({error.field or "owner_unit": [str(error.message)]})
            forbidden = True
        except StaleVersion:
            db.session.rollback()
            conflict = _conflict(form, lead_id)
            if conflict is None:
                abort(404)
    status = 403 if forbidden else 409 if conflict else 422 if form.errors else 200
    return render_template(
        "crm/lead_form.html", form=form, lead=lead, holders={}, conflict=conflict, labels=_labels()
    ), status


def _shown_json(values: dict) -> str:
    record = LEADS.record_json(values)
    return json.dumps(
        {key: record[key] for key in LEADS.writable if key in record}, ensure_ascii=False
    )


def _conflict(form: LeadForm, lead_id: int) -> dict | None:
    """As on the enterprise form: the form becomes the record as it is now, with this user's
    own changes kept where the other person left the field alone; nothing is saved."""
    try:
        lead = leads.get_lead(db.session, lead_id, current_user)
    except NotFound:
        return None
    current_values = leads.lead_values(db.session, lead)
    submitted_values = form.values(new=False)
    original = form.original_values()
    current = json.loads(_shown_json(current_values))
    submitted = json.loads(_shown_json(current_values | submitted_values))
    conflict = records.edit_conflict(original, current, submitted)
    form.fill(current_values | {key: submitted_values[key] for key in conflict.kept})
    form.version.data = lead.version
    form.original.data = json.dumps(current, ensure_ascii=False)
    last = history_of(db.session, Lead.__tablename__, lead_id, limit=1)
    return {
        "theirs": [(key, original[key], current[key]) for key in conflict.theirs],
        "clashing": {key: submitted[key] for key in conflict.clashing},
        "who": last[0].who if last else None,
        "at": last[0].at if last else None,
    }


def _labels() -> dict[str, str]:
    form = LeadForm(meta={"csrf": False}, formdata=None)
    return {name: str(field.label.text) for name, field in form._fields.items()}


# ---- one lead ----


@blueprint.get("/leads/<int:lead_id>")
@require("lead.read")
def lead_detail(
    lead_id: int,
    activity_form: ActivityForm | None = None,
    status: int = 200,
    credit: dict | None = None,
):
    """The lead; `credit` is a credit split form sent back with its problems:
    {"values": {referral id: text}, "errors": {field: [message]}}."""
    lead = _lead_or_404(lead_id)
    if activity_form is None:
        activity_form = ActivityForm(formdata=None)
        activity_form.occurred_on.data = _today()
    activity_form.set_choices(_locale())
    values = leads.lead_values(db.session, lead)
    return render_template(
        "crm/lead_detail.html",
        lead=lead,
        values=values,
        # The photos and brochures of the referrals the lead came from, by referral.
        referral_files={
            referral_id: referrals.attachments_by_id(db.session, referral_id)
            for referral_id in values["referrals"]
        },
        log=leads.stage_log(db.session, lead),
        timeline=activities.timeline(db.session, lead_id=lead.id),
        activity_form=activity_form,
        may_change=leads.may_change(db.session, lead, current_user),
        may_sign=leads.may_sign(lead, current_user),
        convert_url=(
            url_for(CONVERT_ENDPOINT, lead_id=lead.id)
            if lead.stage == leads.SIGNED and CONVERT_ENDPOINT in current_app.view_functions
            else None
        ),
        district_names=dict(shown_districts()),
        today=_today(),
        lead_referrals=referrals.lead_referrals(db.session, lead.id),
        credit=credit or {"values": {}, "errors": {}},
    ), status


@blueprint.post("/leads/<int:lead_id>/sign")
@require("lead.read")
def lead_sign(lead_id: int):
    """A verifier confirms the signing: amount and date, nothing else."""
    lead = _lead_or_404(lead_id)
    data = {
        "stage": leads.SIGNED,
        "signed_amount_wan": request.form.get("signed_amount_wan") or None,
        "signed_on": request.form.get("signed_on") or None,
    }
    try:
        leads.update_lead(
            db.session, lead, data, _version(request.form.get("version")), current_user
        )
        db.session.commit()
        flash(_("已核验签约。"), "info")
        return redirect(url_for("crm.lead_detail", lead_id=lead.id))
    except (ValidationError, Forbidden) as error:
        db.session.rollback()
        messages = (
            error.fields.values() if isinstance(error, ValidationError) else [[error.message]]
        )
        flash("；".join(m for group in messages for m in group if m), "error")
        status = 403 if isinstance(error, Forbidden) else 422
    except StaleVersion:
        db.session.rollback()
        flash(_("该线索刚被他人修改，请核对后再确认签约。"), "error")
        status = 409
    return lead_detail(lead_id, status=status)


def _version(text) -> int:
    try:
        return int(text)
    except (TypeError, ValueError):
        abort(400)


@blueprint.post("/leads/<int:lead_id>/activities")
@require("activity.write")
def lead_activity_add(lead_id: int):
    lead = _lead_or_404(lead_id)
    form = ActivityForm()
    form.set_choices(_locale())
    if not form.validate_on_submit():
        return lead_detail(lead_id, form, 422)
    try:
        activities.create_activity(db.session, form.values(), current_user, lead.id)
        db.session.commit()
    except ValidationError as error:
        db.session.rollback()
        form.show_errors(error.fields)
        return lead_detail(lead_id, form, 422)
    except Forbidden as error:
        db.session.rollback()
        refuse(error.message)
    flash(_("已记录。"), "info")
    return redirect(url_for("crm.lead_detail", lead_id=lead.id) + "#activities")


@blueprint.post("/leads/<int:lead_id>/delete")
@require("lead.write")
def lead_delete(lead_id: int):
    lead = _lead_or_404(lead_id)
    try:
        leads.delete_lead(db.session, lead, current_user)
    except Forbidden as error:
        refuse(error.message)
    db.session.commit()
    flash(_("已删除线索“%(name)s”。", name=lead.name), "info")
    return redirect(url_for("crm.lead_list"))
