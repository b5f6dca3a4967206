"""The dashboard and the ambassadors' portal."""

from datetime import date

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select

from crm import referral_limits
from crm.clock import city_today
from crm.extensions import db
from crm.i18n import is_english, locale_key
from crm.models import ChainSegment, Park
from crm.permissions import has_right, require
from crm.security import takes_attachments
from crm.services import attachments, referrals
from crm.services.ambassadors import shown_status
from crm.services.dashboard import dashboard_for
from crm.services.dashboard_charts import chart_data
from crm.services.errors import Forbidden, NotFound, ValidationError
from crm.services.projects import led_by
from crm.services.references import segment_groups
from crm.services.scope import scope_label
from crm.services.supervision import open_items_of
from crm.services.targets import targets_for
from crm.views import blueprint, page_number, referral_attachments

EARLIEST_AS_OF = date(2000, 1, 1)


@blueprint.get("/")
@login_required
def home():
    # Ambassadors have a portal of their own; everyone else lands on the dashboard.
    if current_user.role == "ambassador":
        return redirect(url_for("crm.portal"))
    if not has_right(current_user, "dashboard.view"):
        abort(403)
    today = city_today()
    as_of = _as_of(request.args.get("as_of"), today)
    board = dashboard_for(db.session, current_user, as_of, today)
    figures = _figures(board, targets_for(db.session, as_of.year))
    # 我牵头的项目: an official's own projects, first thing on the page.
    led = led_by(db.session, current_user, today) if current_user.role == "official" else None
    # 我的督办: the items the user has to answer, above everything else.
    my_supervision = open_items_of(db.session, current_user)
    return render_template(
        "crm/home.html",
        board=board,
        figures=figures,
        is_today=as_of == today,
        scope=scope_label(db.session, current_user),
        led=led,
        my_supervision=my_supervision,
    )


def _figures(board, targets) -> Markup:
    """The cards, charts and tables of a board, rendered once per language and targets while
    the board is kept (they hold no more of the user than the board's scope)."""
    key = ("figures", locale_key(), tuple(sorted(targets.items())))
    figures = board.derived.get(key)
    if figures is None:
        charts = chart_data(board, targets, url_for, _chart_words(), is_english())
        figures = Markup(render_template("crm/_dashboard_figures.html", board=board, charts=charts))
        board.derived[key] = figures
    return figures


def _chart_words() -> dict[str, str]:
    """The words the charts draw (series, units, the three rates); {x} is filled in by JS."""
    return {
        "landing": _("签约项目落地率"),
        "starting": _("落地项目开工率"),
        "in_statistics": _("开工项目入库率"),
        "actual": _("实际"),
        "target": _("目标"),
        "no_target": _("未设目标"),
        "leads": _("线索数"),
        "projects": _("项目数"),
        "enterprises": _("本地企业数"),
        "investment": _("总投资"),
        "signed": _("签约金额"),
        "funds": _("到位资金"),
        "started": _("新开工项目"),
        "count_unit": _("个"),
        # as crm.templating.money says amounts in each language
        "money_unit": "million yuan" if is_english() else "亿元",
        "month": _("{month}月"),
        "none": _("未填"),
        "signed_count": _("签约项目数"),
        "signed_amount": _("签约金额"),
        "of_target": _("完成目标 {percent}%"),
        "stage": _("阶段"),
    }


def _as_of(text: str | None, today: date) -> date:
    """The day asked for in ?as_of=, or today with a message when it is not a usable date."""
    if not text:
        return today
    try:
        day = date.fromisoformat(text)
    except ValueError:
        flash(_("日期格式应为 YYYY-MM-DD，已显示今天的数据。"), "error")
        return today
    if not EARLIEST_AS_OF <= day <= today:
        flash(_("日期应在 2000-01-01 到今天之间，已显示今天的数据。"), "error")
        return today
    return day


# ---- the ambassadors' portal ----

INVESTOR_FIELDS = (
    "enterprise_name",
    "enterprise_uscc",
    "contact_name",
    "contact_phone",
    "intended_project",
    "estimated_investment_wan",
    "segment_code",
    "how_known",
    "description",
)
TALENT_FIELDS = (
    "person_name",
    "field",
    "qualifications",
    "wishes",
    "suggested_employer",
    "suggested_park_id",
    "contact",
)
# "My referrals" on a phone: a page of them, newest first, and a link to the next.
MY_REFERRALS_PER_PAGE = 20


@blueprint.get("/portal")
@require("portal.use")
def portal():
    return _portal_page()


def _portal_page(
    investor: dict | None = None,
    talent: dict | None = None,
    errors: dict | None = None,
    status: int = 200,
    reselect: bool = False,
):
    ambassador = current_user.ambassador
    page = page_number()
    mine, more, talents, more_talents = [], False, [], False
    if ambassador is not None:
        own = referrals.ReferralFilters(ambassador=ambassador.id)
        mine, more = referrals.list_referrals(
            db.session, own, current_user, page, MY_REFERRALS_PER_PAGE
        )
        if referrals.may_refer_talent(ambassador):
            own_talent = referrals.TalentReferralFilters(ambassador=ambassador.id)
            talents, more_talents = referrals.list_talent_referrals(
                db.session, own_talent, current_user, page, MY_REFERRALS_PER_PAGE
            )
    shown = shown_status(ambassador) if ambassador is not None else None
    may_investors = referrals.may_refer_investors(ambassador)
    may_talent = referrals.may_refer_talent(ambassador)
    body = render_template(
        "crm/portal.html",
        ambassador=ambassador,
        shown_status=shown,
        may_refer_investors=may_investors,
        may_refer_talent=may_talent,
        investor=investor or {},
        talent=talent or {},
        errors=errors or {},
        mine=mine,
        talents=talents,
        page=page,
        has_next=more or more_talents,
        # The lists the forms need, read only when a form is shown.
        segments=(
            segment_groups(db.session, is_english()) if may_investors and shown == "active" else []
        ),
        parks=(
            db.session.execute(select(Park.id, Park.name).order_by(Park.name)).all()
            if may_talent and shown == "active"
            else []
        ),
        attachment_limits=referrals.attachment_limits(current_app.config),
        reselect=reselect,
    )
    return body, status


def _throttled(form_values: dict, which: str):
    """The portal again, the form kept, when the ambassador has submitted too many."""
    ambassador = current_user.ambassador
    wait = referral_limits.wait_seconds(ambassador.id) if ambassador is not None else None
    if wait is None:
        return None
    flash(referral_limits.message(wait), "error")
    body, status = _portal_page(**{which: form_values}, status=429)
    return body, status, {"Retry-After": str(wait)}


@blueprint.post("/portal/referrals")
@takes_attachments
@require("portal.use")
def portal_referral():
    data = {name: request.form.get(name, "").strip() or None for name in INVESTOR_FIELDS}
    saved = []
    try:
        referrals.submitter(current_user, referrals.INVESTOR_KINDS)
        throttled = _throttled(request.form, "investor")
        if throttled is not None:
            return throttled
        uploads, problems = referral_attachments.checked_files()
        if problems:  # the referral's own fields are checked too, to name every problem at once
            raise ValidationError(
                referrals.referral_problems(db.session, data) | {"attachments": problems}
            )
        referral = referrals.create_referral(db.session, data, current_user)
        folder = referral_attachments.upload_folder()
        saved = referrals.attach_files(db.session, referral, uploads, current_user, folder)
        db.session.commit()
    except Forbidden as refused:
        db.session.rollback()
        flash(refused.message or _("您不能提交推荐。"), "error")
        return _portal_page(investor=request.form, status=403)
    except ValidationError as invalid:
        db.session.rollback()
        flash(_("请修改标出的内容后再提交。"), "error")
        reselect = referral_attachments.chosen_files()
        return _portal_page(
            investor=request.form, errors=invalid.fields, status=422, reselect=reselect
        )
    except BaseException:
        db.session.rollback()
        attachments.discard(referral_attachments.upload_folder(), saved)
        raise
    referral_limits.counted(current_user.ambassador.id)
    flash(_("推荐已提交，招商局受理后会在这里显示进展。"), "success")
    return redirect(url_for("crm.portal") + "#mine")


@blueprint.post("/portal/talent-referrals")
@require("portal.use")
def portal_talent_referral():
    data = {name: request.form.get(name, "").strip() or None for name in TALENT_FIELDS}
    try:
        referrals.submitter(current_user, referrals.TALENT_KINDS)
        throttled = _throttled(request.form, "talent")
        if throttled is not None:
            return throttled
        referrals.create_talent_referral(db.session, data, current_user)
    except Forbidden as refused:
        db.session.rollback()
        flash(refused.message or _("您不能提交推荐。"), "error")
        return _portal_page(talent=request.form, status=403)
    except ValidationError as invalid:
        db.session.rollback()
        flash(_("请修改标出的内容后再提交。"), "error")
        return _portal_page(talent=request.form, errors=invalid.fields, status=422)
    db.session.commit()
    referral_limits.counted(current_user.ambassador.id)
    flash(_("人才推荐已提交。"), "success")
    return redirect(url_for("crm.portal") + "#talents")


@blueprint.get("/portal/referrals/<int:referral_id>")
@require("portal.use")
def portal_referral_detail(referral_id: int):
    try:
        referral = referrals.get_referral(db.session, referral_id, current_user)
    except NotFound:
        abort(404)
    progress = referrals.progress_of(db.session, [referral])[referral.id]
    segment = (
        db.session.scalar(
            select(ChainSegment.name).where(
                ChainSegment.code == referral.segment_code, ChainSegment.level == "segment"
            )
        )
        if referral.segment_code
        else None
    )
    return render_template(
        "crm/portal_referral.html",
        referral=referral,
        progress=progress,
        reason=referrals.shown_reason(referral, progress.status),
        segment_name=segment,
        steps=referrals.steps_of(progress),
        files=referrals.attachments_by_id(db.session, referral.id),
    )
