"""The bureau's pages, one module per section, on one blueprint."""

from flask import Blueprint, abort, current_app, make_response, render_template, request

from crm.errors import MESSAGES
from crm.services.errors import Forbidden

blueprint = Blueprint("crm", __name__)


def refuse(message=None):
    """A 403 page that says why: the scope's reason, where the role alone is not it."""
    page = render_template("errors/error.html", status=403, message=message or MESSAGES[403])
    abort(make_response(page, 403))


@blueprint.errorhandler(Forbidden)
def refused_by_a_service(error: Forbidden):
    """A service's refusal a view did not turn into a message of its own: a 403 page saying
    why, never a 500 (the refused write is rolled back)."""
    from crm.extensions import db

    db.session.rollback()
    page = render_template("errors/error.html", status=403, message=error.message or MESSAGES[403])
    return page, 403


def page_number() -> int:
    """The list page asked for in ?page=, at least 1 and at most the API's MAX_PAGE."""
    from crm.api.pagination import MAX_PAGE

    return min(max(1, request.args.get("page", 1, type=int) or 1), MAX_PAGE)


def error_messages(error, separator: str = " ") -> str:
    """A ValidationError's messages in one line, for a flash."""
    return separator.join(message for messages in error.fields.values() for message in messages)


def form_version(text) -> int:
    """The version a form read its record at; -1 when it sent none, which is never a record's,
    so the save is a conflict the user is shown, never an overwrite."""
    try:
        return int(text)
    except (TypeError, ValueError):
        return -1


def shown_districts() -> list[tuple[str, str]]:
    """(code, name) of every district, named in the page's language, for the forms' choices."""
    from crm.extensions import db
    from crm.i18n import is_english
    from crm.services.references import district_choices

    english = is_english()
    return [
        (code, (name_en or name) if english else name)
        for code, name, name_en in district_choices(db.session)
    ]


@blueprint.get("/favicon.ico")
def favicon():
    """Browsers ask for it at the root whatever the page says; it needs no log-in."""
    return current_app.send_static_file("favicon.ico")


from crm.views import (  # noqa: E402, F401  (their routes join the blueprint)
    account,
    admin,
    ambassadors,
    enterprises,
    home,
    imports,
    leads,
    projects,
    referral_attachments,
    reports,
    rewards,
    service_requests,
    supervision,
    supply_links,
    talent_desk,
    targets,
)
