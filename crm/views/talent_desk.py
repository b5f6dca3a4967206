"""The talent desk: staff follow the talent 招才大使 refer (crm.services.talent_desk)."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm.extensions import db
from crm.forms.ambassadors import TalentStepForm
from crm.models import Park, TalentReferral
from crm.permissions import require
from crm.services import talent_desk
from crm.services.errors import StaleVersion, ValidationError
from crm.services.referrals import HANDLE, READ_ALL
from crm.views import blueprint, error_messages, form_version, page_number
from crm.vocabulary import TALENT_REFERRAL_STATUS


@blueprint.get("/ambassadors/talent")
@require(READ_ALL)
def talent_desk_page():
    status = request.args.get("status") or None
    if status not in (None, *TALENT_REFERRAL_STATUS.keys):
        status = None
    page = page_number()
    found, has_next = talent_desk.desk(db.session, current_user, status, page)
    park_ids = {one.suggested_park_id for one in found if one.suggested_park_id}
    parks = dict(
        db.session.query(Park.id, Park.name).filter(Park.id.in_(park_ids)).all() if park_ids else []
    )
    return render_template(
        "crm/talent_desk.html",
        rows=found,
        parks=parks,
        status=status,
        statuses=TALENT_REFERRAL_STATUS.keys,
        next_steps=talent_desk.NEXT_STEPS,
        page=page,
        has_next=has_next,
        waiting=talent_desk.open_count(db.session),
        form=TalentStepForm(),
    )


@blueprint.post("/ambassadors/talent/<int:referral_id>/step")
@require(HANDLE)
def talent_step(referral_id: int):
    referral = db.session.get(TalentReferral, referral_id)
    if referral is None or referral.deleted_at is not None:
        abort(404)
    form = TalentStepForm()
    if not form.validate_on_submit():
        abort(400)
    back = redirect(request.referrer or url_for("crm.talent_desk_page"))
    try:
        talent_desk.move(
            db.session,
            referral,
            form.status.data,
            form.rejected_reason.data,
            form_version(form.version.data),
            current_user,
        )
    except ValidationError as error:
        db.session.rollback()
        flash(error_messages(error, "；"), "error")
        return back
    except StaleVersion:
        db.session.rollback()
        flash(_("这条人才推荐刚被别人处理过，请看看它现在的状态。"), "error")
        return back
    db.session.commit()
    flash(_("已更新：%(person)s", person=referral.person_name), "info")
    return back
