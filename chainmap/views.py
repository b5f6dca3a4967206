"""Chain pages: the industrial-chain diagram with its analyses, and a lead made from one of its
recommendations."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from chainmap import kept
from chainmap.api import chain_settings
from chainmap.leads import chosen_path, find_target, lead_values, open_lead
from chainmap.paths import introduction_paths
from chainmap.segments import stored_chains, stored_definition
from chainmap.wording import Wording
from crm.extensions import db
from crm.permissions import has_right, require
from crm.services.errors import Forbidden, ValidationError
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
    )


@blueprint.post("/chain/<key>/leads")
@require("lead.write")
def lead_from_recommendation(key: str):
    """A lead of a recommended target, its reasoning recomputed here (never taken from the
    page), with the introduction path when one was chosen."""
    definition = stored_definition(db.session, key)
    found = kept.current(db.session, key, chain_settings()) if definition else None
    enterprise_id = request.form.get("enterprise", type=int)
    target = (
        found
        and enterprise_id
        and find_target(found[0], request.form.get("segment", ""), enterprise_id)
    )
    if not target:
        flash(_("该推荐已不在当前分析中（数据可能已更新），请刷新页面后再试。"), "error")
        return redirect(url_for("chainmap.chain", chain=key))
    existing = open_lead(db.session, enterprise_id)
    if existing is not None:
        flash(_("该企业已有在跟进的线索，未重复创建。"), "info")
        return redirect(url_for("crm.lead_detail", lead_id=existing.id))
    path = None
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


def _reason(error) -> str:
    if isinstance(error, ValidationError):
        return "；".join(message for messages in error.fields.values() for message in messages)
    return str(error.message)
