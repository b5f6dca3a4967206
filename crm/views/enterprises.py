"""Enterprise pages: the list with its filters, a record's page, create and edit (a conflict is
shown, never overwritten), merge, contacts unmasked on purpose, and saved filters."""

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

from crm.extensions import db
from crm.forms.enterprises import EnterpriseForm
from crm.i18n import is_english
from crm.models import District, Enterprise, Park
from crm.permissions import require
from crm.schemas.enterprises import ENTERPRISES
from crm.services import enterprise_profile, records, saved_filters, service_requests
from crm.services.enterprise_export import XLSX, export_file, export_name
from crm.services.enterprise_merge import MERGE_RULES, merge_candidates, merge_enterprises
from crm.services.enterprises import (
    CHANGE,
    CREATE,
    SORTS,
    Browse,
    actor_scope,
    browse_enterprises,
    create_enterprise,
    delete_enterprise,
    enterprise_values,
    get_enterprise,
    may_change,
    may_create,
    scope_refusal,
    update_enterprise,
)
from crm.services.errors import Forbidden, NotFound, StaleVersion, ValidationError
from crm.services.history import history_of
from crm.services.references import park_choices, segment_groups
from crm.views import blueprint, form_version, refuse, shown_districts

LIST_NAME = "enterprises"
PER_PAGE = 50


def _enterprise_or_404(enterprise_id: int) -> Enterprise:
    """The enterprise; for one merged into another, the answer is a redirect there."""
    try:
        return get_enterprise(db.session, enterprise_id, current_user)
    except NotFound:
        target = enterprise_profile.merged_into(db.session, enterprise_id)
        if target is not None and enterprise_id > 0:
            flash(_("该企业已合并到下面这条记录。"), "info")
            abort(redirect(url_for("crm.enterprise_detail", enterprise_id=target)))
        abort(404)


def _choices() -> dict:
    english = is_english()
    return {
        "districts": shown_districts(),
        "parks": park_choices(db.session),
        "segment_groups": segment_groups(db.session, english),
    }


# ---- the list ----


def _given_arguments() -> dict[str, str]:
    """The query's filled-in parameters: a filter form sends its empty "all" choices too."""
    return {key: value for key, value in request.args.items() if value.strip()}


@blueprint.get("/enterprises")
@require("enterprise.read")
def enterprise_list():
    arguments = _given_arguments()
    sort = arguments.get("sort") if arguments.get("sort") in SORTS else "name"
    after = records.parse_cursor(SORTS[sort], arguments.get("after"))
    errors: dict[str, list[str]] = {}
    try:
        filters = ENTERPRISES.parse_filters(arguments)
        browse = browse_enterprises(db.session, filters, current_user, sort, after, PER_PAGE)
    except ValidationError as error:
        errors, filters, browse = error.fields, None, Browse([], False, 0)
    next_after = records.cursor_text(SORTS[sort], browse.rows[-1]) if browse.has_next else None
    return render_template(
        "crm/enterprise_list.html",
        browse=browse,
        filters=filters,
        errors=errors,
        sort=sort,
        next_after=next_after,
        first_page=after is not None,
        saved=saved_filters.saved_filters(db.session, current_user, LIST_NAME),
        arguments=arguments,
        may_create=may_create(db.session, current_user),
        **_choices(),
    )


@blueprint.get("/enterprises/export.xlsx")
@require("export.run")
def enterprise_export():
    try:
        filters = ENTERPRISES.parse_filters(request.args)
    except ValidationError as error:
        flash(
            " ".join(message for messages in error.fields.values() for message in messages), "error"
        )
        return redirect(url_for("crm.enterprise_list"))
    file = export_file(db.session, filters, current_user, current_app.config["TIMEZONE"])
    return send_file(file, mimetype=XLSX, as_attachment=True, download_name=export_name())


@blueprint.post("/enterprises/saved-filters")
@require("enterprise.read")
def enterprise_filter_save():
    query = request.form.get("query", "")
    try:
        saved_filters.save_filter(
            db.session, current_user, LIST_NAME, request.form.get("name", ""), query
        )
        db.session.commit()
        flash(_("筛选已保存。"), "info")
    except ValidationError as error:
        db.session.rollback()
        flash(f"{_('筛选名称')}：{' '.join(error.fields['name'])}", "error")
    return redirect(url_for("crm.enterprise_list") + (f"?{query}" if query else ""))


@blueprint.post("/enterprises/saved-filters/<int:filter_id>/delete")
@require("enterprise.read")
def enterprise_filter_delete(filter_id: int):
    try:
        saved_filters.delete_filter(db.session, current_user, filter_id)
    except NotFound:
        abort(404)
    db.session.commit()
    flash(_("筛选已删除。"), "info")
    return redirect(url_for("crm.enterprise_list"))


# ---- one record ----


@blueprint.get("/enterprises/<int:enterprise_id>")
@require("enterprise.read")
def enterprise_detail(enterprise_id: int, unmasked: frozenset[int] = frozenset()):
    enterprise = _enterprise_or_404(enterprise_id)
    profile = enterprise_profile.enterprise_profile(db.session, enterprise, current_user, unmasked)
    return render_template(
        "crm/enterprise_detail.html",
        enterprise=enterprise,
        values=enterprise_values(db.session, enterprise),
        profile=profile,
        labels=history_labels(),
        places=_place_names(profile.history),
        may_change=may_change(db.session, enterprise, current_user),
        **_aftercare(enterprise, profile),
    )


def _aftercare(enterprise: Enterprise, profile) -> dict:
    """What the service requests' forms need: units to choose and which requests the user may
    handle (crm.services.service_requests)."""
    handle = service_requests.may_handle
    return {
        "request_units": service_requests.unit_choices(db.session),
        "may_add_request": handle(db.session, enterprise, None, current_user)
        or (
            current_user.unit_id is not None
            and handle(db.session, enterprise, current_user.unit_id, current_user)
        ),
        "may_handle": {
            row.id: handle(db.session, enterprise, row.responsible_unit_id, current_user)
            for row in profile.service_requests
        },
    }


@blueprint.post("/enterprises/<int:enterprise_id>/contacts/<int:contact_id>/unmask")
@require("enterprise.read")
def contact_unmask(enterprise_id: int, contact_id: int):
    enterprise = _enterprise_or_404(enterprise_id)
    try:
        enterprise_profile.unmask_contact(db.session, enterprise, contact_id, current_user)
    except Forbidden:
        abort(403)
    except NotFound:
        abort(404)
    db.session.commit()
    # Shown once, in this answer; the page reloaded is masked again.
    return enterprise_detail(enterprise_id, frozenset({contact_id}))


def _form(values: dict | None = None) -> EnterpriseForm:
    form = EnterpriseForm()
    choices = _choices()
    form.set_choices(
        choices["districts"],
        [name for _id, name in choices["parks"]],
        choices["segment_groups"],
    )
    if values is not None and request.method == "GET":
        form.fill(values)
    return form


@blueprint.route("/enterprises/new", methods=["GET", "POST"])
@require("enterprise.write")
def enterprise_new():
    if not may_create(db.session, current_user):
        refuse(scope_refusal(db.session, actor_scope(db.session, current_user), None, CREATE))
    form = _form({})
    holders: dict[str, int] = {}
    forbidden = False
    if form.validate_on_submit():
        try:
            enterprise = create_enterprise(db.session, form.values(), current_user)
            db.session.commit()
            flash(_("已新建企业“%(name)s”。", name=enterprise.name), "info")
            return redirect(url_for("crm.enterprise_detail", enterprise_id=enterprise.id))
        except ValidationError as error:
            db.session.rollback()
            form.show_errors(error.fields)
            holders = error.holders
        except Forbidden as error:  # a district outside the user's: said at the field, kept
            db.session.rollback()
            form.show_errors({"district": [str(error.message)]})
            forbidden = True
    status = 403 if forbidden else 422 if form.errors else 200
    return render_template("crm/enterprise_form.html", form=form, holders=holders), status


@blueprint.route("/enterprises/<int:enterprise_id>/edit", methods=["GET", "POST"])
@require("enterprise.write")
def enterprise_edit(enterprise_id: int):
    enterprise = _enterprise_or_404(enterprise_id)
    if not may_change(db.session, enterprise, current_user):
        scope = actor_scope(db.session, current_user)
        refuse(scope_refusal(db.session, scope, enterprise.district_id, CHANGE))
    values = enterprise_values(db.session, enterprise)
    form = _form(values)
    if request.method == "GET":
        form.version.data = enterprise.version
        form.original.data = _shown_json(values)
    holders: dict[str, int] = {}
    conflict = None
    forbidden = False
    if form.validate_on_submit():
        try:
            update_enterprise(
                db.session, enterprise, form.values(), form_version(form.version.data), current_user
            )
            db.session.commit()
            flash(_("已保存。"), "info")
            return redirect(url_for("crm.enterprise_detail", enterprise_id=enterprise.id))
        except ValidationError as error:
            db.session.rollback()
            form.show_errors(error.fields)
            holders = error.holders
        except Forbidden as error:  # moving it to a district outside the user's
            db.session.rollback()
            form.show_errors({"district": [str(error.message)]})
            forbidden = True
        except StaleVersion:
            db.session.rollback()
            conflict = _conflict(form, enterprise_id)
            if conflict is None:
                abort(404)
    status = 403 if forbidden else 409 if conflict else 422 if form.errors else 200
    return render_template(
        "crm/enterprise_form.html",
        form=form,
        enterprise=enterprise,
        holders=holders,
        conflict=conflict,
        labels=history_labels(),
    ), status


def _shown_json(values: dict) -> str:
    record = ENTERPRISES.record_json(values)
    return json.dumps({key: record[key] for key in ENTERPRISES.writable}, ensure_ascii=False)


def _conflict(form: EnterpriseForm, enterprise_id: int) -> dict | None:
    """Someone saved the record while this form was open. The form becomes the record as it
    is now, with this user's own changes kept where the other person left the field alone;
    nothing is saved until the user looks and saves again."""
    try:
        enterprise = get_enterprise(db.session, enterprise_id, current_user)
    except NotFound:
        return None
    current_values = enterprise_values(db.session, enterprise)
    submitted_values = form.values()
    original = form.original_values()
    current = json.loads(_shown_json(current_values))
    submitted = json.loads(_shown_json(current_values | submitted_values))
    conflict = records.edit_conflict(original, current, submitted)
    form.fill(current_values | {key: submitted_values[key] for key in conflict.kept})
    form.version.data = enterprise.version
    form.original.data = json.dumps(current, ensure_ascii=False)
    last = history_of(db.session, Enterprise.__tablename__, enterprise_id, limit=1)
    return {
        "theirs": [(key, original[key], current[key]) for key in conflict.theirs],
        "clashing": {key: submitted[key] for key in conflict.clashing},
        "who": last[0].who if last else None,
        "at": last[0].at if last else None,
    }


@blueprint.post("/enterprises/<int:enterprise_id>/delete")
@require("enterprise.write")
def enterprise_delete(enterprise_id: int):
    enterprise = _enterprise_or_404(enterprise_id)
    try:
        delete_enterprise(db.session, enterprise, current_user)
    except Forbidden as error:
        refuse(error.message)
    db.session.commit()
    flash(_("已删除企业“%(name)s”。", name=enterprise.name), "info")
    return redirect(url_for("crm.enterprise_list"))


# ---- merge ----


@blueprint.route("/enterprises/<int:enterprise_id>/merge", methods=["GET", "POST"])
@require("enterprise.merge")
def enterprise_merge(enterprise_id: int):
    keep = _enterprise_or_404(enterprise_id)
    other_id = request.values.get("other", type=int)
    other = None
    if other_id is not None:
        try:
            other = get_enterprise(db.session, other_id, current_user)
        except NotFound:
            flash(_("编号为 %(id)s 的企业不存在。", id=other_id), "error")
    if request.method == "POST" and other is not None:
        versions = (
            request.form.get("version", type=int),
            request.form.get("other_version", type=int),
        )
        try:
            result = merge_enterprises(db.session, keep, other, versions, current_user)
            db.session.commit()
            moved = sum(result.moved.values())
            flash(
                _("已将“%(other)s”合并到本记录，转移了 %(moved)d 条相关记录。",
                  other=other.name, moved=moved),
                "info",
            )  # fmt: skip
            return redirect(url_for("crm.enterprise_detail", enterprise_id=keep.id))
        except StaleVersion:
            db.session.rollback()
            flash(_("两条记录中有一条刚被他人修改，请核对后再合并。"), "error")
            return redirect(url_for("crm.enterprise_merge", enterprise_id=keep.id, other=other.id))
        except ValidationError as error:
            db.session.rollback()
            flash(
                " ".join(message for messages in error.fields.values() for message in messages),
                "error",
            )
        except Forbidden as error:
            db.session.rollback()
            refuse(error.message)
    return render_template(
        "crm/enterprise_merge.html",
        keep=keep,
        other=other,
        keep_values=enterprise_values(db.session, keep),
        other_values=enterprise_values(db.session, other) if other else None,
        candidates=merge_candidates(db.session, keep),
        rules=MERGE_RULES,
        labels=history_labels(),
    )


# ---- what the pages call the fields ----


def history_labels() -> dict[str, str]:
    """Field names as people read them, for the history and the conflict page."""
    form = EnterpriseForm(meta={"csrf": False}, formdata=None)
    labels = {name: str(field.label.text) for name, field in form._fields.items()}
    return labels | {
        "district_id": labels["district"],
        "park_id": labels["park"],
        "location": _("位置"),
        "lon": labels["lon"],
        "lat": labels["lat"],
        "name_initials": _("拼音首字母"),
        "merged_from": _("合并了"),
        "merged_into": _("合并到"),
        "import_batch_id": _("导入批次"),
        "created_by_id": _("创建人"),
        "deleted_at": _("删除时间"),
    }


def _place_names(history) -> dict:
    """District and park names for ids the history shows."""
    ids = {
        "district_id": {int(e.old) for e in history if e.field == "district_id" and e.old}
        | {int(e.new) for e in history if e.field == "district_id" and e.new},
        "park_id": {int(e.old) for e in history if e.field == "park_id" and e.old}
        | {int(e.new) for e in history if e.field == "park_id" and e.new},
    }
    names = {}
    for field, model in (("district_id", District), ("park_id", Park)):
        if ids[field]:
            for row_id, name in db.session.execute(
                db.select(model.id, model.name).where(model.id.in_(ids[field]))
            ):
                names[(field, str(row_id))] = name
    return names
