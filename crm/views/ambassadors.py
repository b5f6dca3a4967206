"""The ambassadors' registry (/ambassadors): staff, officials and administrators read it, staff
and administrators appoint, edit, revoke and reinstate. Appointing shows a one-time invitation
link, once."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from crm.extensions import db
from crm.forms.ambassadors import (
    AcceptReferralForm,
    AmbassadorForm,
    DeclineReferralForm,
    RevokeForm,
)
from crm.i18n import is_english
from crm.models import Ambassador, ChainSegment
from crm.permissions import require
from crm.schemas.ambassadors import AMBASSADORS
from crm.services import ambassadors, leads, referrals
from crm.services.errors import Forbidden, NotFound, StaleVersion, ValidationError
from crm.services.references import segment_groups
from crm.views import blueprint, error_messages, form_version, page_number
from crm.vocabulary import AMBASSADOR_KIND, AMBASSADOR_STATUS

READ, WRITE = ambassadors.READ, ambassadors.WRITE


def _ambassador_or_404(ambassador_id: int) -> Ambassador:
    try:
        return ambassadors.get_ambassador(db.session, ambassador_id, current_user)
    except NotFound:
        abort(404)


def _form() -> AmbassadorForm:
    form = AmbassadorForm()
    form.set_choices(
        ambassadors.region_names(),
        ambassadors.industry_words(db.session),
        segment_groups(db.session, is_english()),
    )
    return form


def _link_page(ambassador: Ambassador, status: int):
    issued = ambassadors.take_invitation(ambassador)
    link = url_for("crm.password_link", token=issued.token, _external=True)
    page = render_template(
        "crm/ambassador_link.html", ambassador=ambassador, link=link, issued=issued
    )
    return page, status


@blueprint.get("/ambassadors")
@require(READ)
def ambassador_list():
    try:
        filters = AMBASSADORS.parse_filters(request.args)
    except ValidationError:
        filters = AMBASSADORS.filters()
        flash(_("筛选条件有误，已显示全部大使。"), "error")
    page = page_number()
    rows, has_next = ambassadors.list_ambassadors(db.session, filters, current_user, page)
    return render_template(
        "crm/ambassador_list.html",
        rows=[ambassadors.summary_values(row, current_user) for row in rows],
        has_next=has_next,
        page=page,
        filters=filters,
        kinds=AMBASSADOR_KIND.keys,
        statuses=AMBASSADOR_STATUS.keys,
        renewal_days=ambassadors.RENEWAL_DAYS,
        inbox_count=referrals.inbox_count(db.session),
    )


@blueprint.route("/ambassadors/new", methods=["GET", "POST"])
@require(WRITE)
def ambassador_new():
    form = _form()
    if request.method == "GET":
        form.kind.data = "investment_ambassador"
    if form.validate_on_submit():
        try:
            ambassador = ambassadors.create_ambassador(
                db.session, form.values(new=True), current_user
            )
            db.session.commit()
            return _link_page(ambassador, 201)
        except ValidationError as error:
            db.session.rollback()
            form.show_errors(error.fields)
    status = 422 if form.errors else 200
    return render_template("crm/ambassador_form.html", form=form), status


@blueprint.get("/ambassadors/<int:ambassador_id>")
@require(READ)
def ambassador_detail(ambassador_id: int):
    ambassador = _ambassador_or_404(ambassador_id)
    return render_template(
        "crm/ambassador_detail.html",
        ambassador=ambassador,
        values=ambassadors.ambassador_values(ambassador, current_user),
        revoke_form=RevokeForm(),
        segment_names=dict(
            pair for _group, pairs in segment_groups(db.session, is_english()) for pair in pairs
        ),
    )


@blueprint.route("/ambassadors/<int:ambassador_id>/edit", methods=["GET", "POST"])
@require(WRITE)
def ambassador_edit(ambassador_id: int):
    ambassador = _ambassador_or_404(ambassador_id)
    form = _form()
    if request.method == "GET":
        form.fill(ambassadors.ambassador_values(ambassador, current_user))
    status = 200
    if form.validate_on_submit():
        try:
            ambassadors.update_ambassador(
                db.session,
                ambassador,
                form.values(new=False),
                form_version(form.version.data),
                current_user,
            )
            db.session.commit()
            flash(_("已保存。"), "info")
            return redirect(url_for("crm.ambassador_detail", ambassador_id=ambassador.id))
        except ValidationError as error:
            db.session.rollback()
            form.show_errors(error.fields)
            status = 422
        except StaleVersion:
            db.session.rollback()
            ambassador = _ambassador_or_404(ambassador_id)
            form.fill(ambassadors.ambassador_values(ambassador, current_user))
            flash(_("该大使的信息刚被他人修改，下面是最新的内容，请重新修改后保存。"), "error")
            status = 409
    elif form.errors:
        status = 422
    page = render_template("crm/ambassador_form.html", form=form, ambassador=ambassador)
    return page, status


@blueprint.post("/ambassadors/<int:ambassador_id>/revoke")
@require(WRITE)
def ambassador_revoke(ambassador_id: int):
    ambassador = _ambassador_or_404(ambassador_id)
    form = RevokeForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        ambassadors.revoke_ambassador(
            db.session, ambassador, form.revocation_reason.data, current_user
        )
    except ValidationError as error:
        db.session.rollback()
        form.show_errors(error.fields)
        page = render_template(
            "crm/ambassador_detail.html",
            ambassador=ambassador,
            values=ambassadors.ambassador_values(ambassador, current_user),
            revoke_form=form,
            segment_names={},
        )
        return page, 422
    db.session.commit()
    flash(_("已撤销 %(name)s：其登录已结束，API 令牌已失效。", name=ambassador.user.label), "info")
    return redirect(url_for("crm.ambassador_detail", ambassador_id=ambassador.id))


@blueprint.post("/ambassadors/<int:ambassador_id>/reinstate")
@require(WRITE)
def ambassador_reinstate(ambassador_id: int):
    ambassador = _ambassador_or_404(ambassador_id)
    ambassadors.reinstate_ambassador(db.session, ambassador, current_user)
    db.session.commit()
    return _link_page(ambassador, 201)


@blueprint.post("/ambassadors/<int:ambassador_id>/invitation")
@require(WRITE)
def ambassador_invitation(ambassador_id: int):
    ambassador = _ambassador_or_404(ambassador_id)
    try:
        ambassadors.invite(db.session, ambassador, current_user)
    except ValidationError as error:
        db.session.rollback()
        flash(error_messages(error), "error")
        return redirect(url_for("crm.ambassador_detail", ambassador_id=ambassador.id))
    db.session.commit()
    return _link_page(ambassador, 201)


# ---- the inbox of new referrals ----


def _referral_or_404(referral_id: int):
    try:
        return referrals.get_referral(db.session, referral_id, current_user)
    except NotFound:
        abort(404)


@blueprint.get("/ambassadors/inbox")
@require(READ)
def referral_inbox():
    page = page_number()
    found, has_next = referrals.inbox(db.session, current_user, page)
    known = referrals.known_before(db.session, found)
    return render_template(
        "crm/ambassador_inbox.html",
        rows=[referrals.inbox_values(referral, current_user) for referral in found],
        known=known,
        files_of=referrals.attachments_of(db.session, found),
        # Leads outside the reader's scope are named as existing, not shown.
        visible_leads=referrals.visible_lead_ids(
            db.session,
            [duplicate.lead for duplicate in known.values() if duplicate.lead is not None],
            current_user,
        ),
        segment_names=_segment_names({one.segment_code for one in found if one.segment_code}),
        page=page,
        has_next=has_next,
        inbox_count=referrals.inbox_count(db.session),
        accept_form=AcceptReferralForm(),
        decline_form=DeclineReferralForm(),
    )


@blueprint.post("/ambassadors/inbox/<int:referral_id>/accept")
@require(referrals.HANDLE)
def referral_accept(referral_id: int):
    referral = _referral_or_404(referral_id)
    if not AcceptReferralForm().validate_on_submit():
        abort(400)
    known = referrals.known_before(db.session, [referral]).get(referral.id)
    try:
        accepted = referrals.accept_referral(db.session, referral, current_user)
    except ValidationError as error:
        db.session.rollback()
        flash(error_messages(error), "error")
        return redirect(url_for("crm.referral_inbox"))
    except Forbidden as error:
        db.session.rollback()
        flash(error.message or _("您无权受理该推荐。"), "error")
        return redirect(url_for("crm.referral_inbox"))
    db.session.commit()
    if accepted.co_referral:
        flash(
            _(
                "已作为共同推荐受理，关联到线索“%(lead)s”；未记录分配前，功劳归最先推荐的大使，"
                "可在线索页分配。",
                lead=accepted.lead.name,
            ),
            "info",
        )
    elif accepted.created:
        flash(_("已受理，并建立线索“%(lead)s”。", lead=accepted.lead.name), "info")
    else:
        flash(_("已受理，并关联该企业现有的线索“%(lead)s”。", lead=accepted.lead.name), "info")
    if known is not None and known.earlier is not None and not accepted.co_referral:
        flash(
            _(
                "注意：该企业此前已由%(name)s推荐（推荐 #%(id)s），功劳归最先推荐的大使。",
                name=known.earlier.ambassador.user.label,
                id=known.earlier.id,
            ),
            "error",
        )
    return redirect(url_for("crm.referral_inbox"))


@blueprint.post("/ambassadors/inbox/<int:referral_id>/decline")
@require(referrals.HANDLE)
def referral_decline(referral_id: int):
    referral = _referral_or_404(referral_id)
    form = DeclineReferralForm()
    if not form.validate_on_submit():
        abort(400)
    known = request.form.get("known") == "1"
    try:
        referrals.decline_referral(
            db.session, referral, form.rejected_reason.data, current_user, known=known
        )
    except ValidationError as error:
        db.session.rollback()
        flash(error_messages(error), "error")
        return redirect(url_for("crm.referral_inbox"))
    except Forbidden as error:
        db.session.rollback()
        flash(error.message or _("您无权处理该推荐。"), "error")
        return redirect(url_for("crm.referral_inbox"))
    db.session.commit()
    if known:
        flash(_("已以“已知”不予受理；大使看到的原因不提及先推荐者。"), "info")
    else:
        flash(_("已不予受理；大使会看到原因。"), "info")
    return redirect(url_for("crm.referral_inbox"))


def _segment_names(codes: set[str]) -> dict[str, str]:
    """The names of the chain segments the inbox's rows name."""
    if not codes:
        return {}
    english = is_english()
    return {
        code: (name_en if english and name_en else name)
        for code, name, name_en in db.session.execute(
            select(ChainSegment.code, ChainSegment.name, ChainSegment.name_en).where(
                ChainSegment.code.in_(codes), ChainSegment.level == "segment"
            )
        )
    }


@blueprint.post("/leads/<int:lead_id>/credit-split")
@require(referrals.HANDLE)
def referral_credit_split(lead_id: int):
    """Staff record how the lead's reward is split between its co-referrers."""
    from crm.views.leads import lead_detail  # the lead page, shown again with the problems

    try:
        lead = leads.get_lead(db.session, lead_id, current_user)
    except NotFound:
        abort(404)
    if not AcceptReferralForm().validate_on_submit():
        abort(400)
    shares = {
        key.removeprefix("share_"): value
        for key, value in request.form.items()
        if key.startswith("share_")
    }
    try:
        referrals.record_split(db.session, lead, shares, current_user)
    except ValidationError as error:
        db.session.rollback()
        values = {f"share_{key}": value for key, value in shares.items()}
        return lead_detail(lead_id, status=422, credit={"values": values, "errors": error.fields})
    except Forbidden as error:
        db.session.rollback()
        flash(error.message or _("您无权修改该线索。"), "error")
        return redirect(url_for("crm.lead_detail", lead_id=lead_id))
    db.session.commit()
    flash(_("已保存功劳分配。"), "info")
    return redirect(url_for("crm.lead_detail", lead_id=lead_id) + "#referral-credit")
