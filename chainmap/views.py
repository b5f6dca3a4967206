"""Chain pages: the industrial-chain diagram with its analyses, and a lead made from one of its
recommendations."""

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from chainmap import kept
from chainmap.api import chain_settings
from chainmap.definition import ChainDefinitionError
from chainmap.leads import chosen_path, find_target, lead_values, open_lead
from chainmap.paths import introduction_paths
from chainmap.segments import ChainInUse, stored_chains, sync_chain
from chainmap.wording import Wording
from crm.extensions import db
from crm.permissions import has_right, require
from crm.services.audit import record_event
from crm.services.enterprises import get_enterprise, update_enterprise
from crm.services.errors import Forbidden, NotFound, StaleVersion, ValidationError
from crm.services.leads import create_lead

blueprint = Blueprint("chainmap", __name__)


@blueprint.get("/chain")
@require("chain.read")
def chain():
    chains = stored_chains(db.session)
    key = request.args.get("chain") or (chains[0].key if chains else None)
    if chains and key not in {chain.key for chain in chains}:
        abort(404)
    return render_template(
        "chainmap/chain.html",
        chains=chains,
        key=key,
        may_make_leads=has_right(current_user, "lead.write"),
        may_flag=has_right(current_user, "enterprise.write"),
    )


@blueprint.post("/chain/<key>/leads")
@require("lead.write")
def lead_from_recommendation(key: str):
    """A lead of a recommended target, its reasoning recomputed here (never taken from the
    page), with the introduction path when one was chosen."""
    found = kept.current(db.session, key, chain_settings())
    enterprise_id = request.form.get("enterprise", type=int)
    target = (
        found
        and enterprise_id
        and find_target(found.analysis, request.form.get("segment", ""), enterprise_id)
    )
    if not target:
        flash(_("该推荐已不在当前分析中（数据可能已更新），请刷新页面后再试。"), "error")
        return redirect(url_for("chainmap.chain", chain=key))
    existing = open_lead(db.session, enterprise_id)
    if existing is not None:
        flash(_("该企业已有在跟进的线索，未重复创建。"), "info")
        return redirect(url_for("crm.lead_detail", lead_id=existing.id))
    path, definition = None, found.definition
    if introducer := request.form.get("introducer"):
        paths = introduction_paths(db.session, enterprise_id, definition, chain_settings())
        path = chosen_path(paths, definition, introducer) if paths else None
    values = lead_values(*target, Wording(definition), path)
    try:
        lead = create_lead(db.session, values, current_user)
    except (ValidationError, Forbidden) as error:
        db.session.rollback()
        flash(_("未能创建线索：%(why)s", why=_reason(error)), "error")
        return redirect(url_for("chainmap.chain", chain=key))
    db.session.commit()
    flash(_("已创建线索，依据已写入“线索依据”。"), "success")
    return redirect(url_for("crm.lead_detail", lead_id=lead.id))


@blueprint.post("/chain/<key>/flags")
@require("enterprise.write")
def confirm_flag(key: str):
    """Staff confirm a 链主 or 龙头 flag the leaders analysis suggests: it is set only if the
    current analysis still suggests it, by the enterprise's own rules and scope."""
    found = kept.current(db.session, key, chain_settings())
    enterprise_id = request.form.get("enterprise", type=int)
    flag, value = request.form.get("flag"), request.form.get("value") == "1"
    suggested = found is not None and any(
        entry["enterprise"].id == enterprise_id
        and {"flag": flag, "value": value} in entry["suggestions"]
        for entry in found.analysis.leaders
    )
    if not suggested:
        flash(_("该建议已不在当前分析中（数据可能已更新），请刷新页面后再试。"), "error")
        return redirect(url_for("chainmap.chain", chain=key))
    try:
        enterprise = get_enterprise(db.session, enterprise_id, current_user)
        update_enterprise(db.session, enterprise, {flag: value}, enterprise.version, current_user)
    except (ValidationError, Forbidden, NotFound, StaleVersion) as error:
        db.session.rollback()
        flash(_("未能修改标注：%(why)s", why=_reason(error)), "error")
        return redirect(url_for("chainmap.chain", chain=key))
    db.session.commit()
    flash(_("已修改 %(name)s 的标注。", name=enterprise.name), "success")
    return redirect(url_for("chainmap.chain", chain=key))


def _reason(error) -> str:
    if isinstance(error, ValidationError):
        return "；".join(message for messages in error.fields.values() for message in messages)
    if isinstance(error, StaleVersion):
        return _("记录刚被他人修改，请重试。")
    return str(getattr(error, "message", "") or _("记录不存在，或您无权修改。"))


@blueprint.route("/admin/chains", methods=["GET", "POST"])
@require("config.manage")
def admin_chains():
    """Administrators load a chain definition file (or a changed one) without a console."""
    problem, in_use = None, {}
    if request.method == "POST":
        upload = request.files.get("file")
        try:
            text = upload.read().decode("utf-8-sig") if upload and upload.filename else None
        except UnicodeDecodeError:
            text, problem = None, _("文件须为 UTF-8 编码的 TOML。")
        if text is None and problem is None:
            problem = _("请选择产业链定义文件（.toml）。")
        if text is not None:
            try:
                definition, outcome = sync_chain(db.session, text)
            except ChainDefinitionError as error:
                db.session.rollback()
                problem = _("文件有误，未作任何修改：%(why)s", why=str(error))
            except ChainInUse as error:
                db.session.rollback()
                problem, in_use = _("文件删去的环节仍在使用，未作任何修改："), error.users
            else:
                chain = next(c for c in stored_chains(db.session) if c.key == definition.key)
                record_event(db.session, "import", "chains", chain.id, current_user.id)
                db.session.commit()
                flash(
                    _("已加载 %(name)s：新增 %(added)s，修改 %(changed)s，删除 %(removed)s。",
                      name=definition.name, added=len(outcome.added),
                      changed=len(outcome.changed), removed=len(outcome.removed)),
                    "success",
                )  # fmt: skip
                return redirect(url_for("chainmap.admin_chains"))
    return render_template(
        "chainmap/admin_chains.html",
        chains=stored_chains(db.session),
        problem=problem,
        in_use=in_use,
    ), (422 if problem else 200)


@blueprint.get("/admin/chains/<key>.toml")
@require("config.manage")
def admin_chain_file(key: str):
    """The file a chain was last loaded from: to edit and load again."""
    chain = next((chain for chain in stored_chains(db.session) if chain.key == key), None)
    if chain is None:
        abort(404)
    return Response(
        chain.definition,
        mimetype="application/toml",
        headers={"Content-Disposition": f'attachment; filename="{chain.key}.toml"'},
    )
