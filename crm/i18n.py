"""Language: Simplified Chinese by default, English on request; the switch remembers the choice."""

from flask import (
    Blueprint,
    abort,
    current_app,
    has_request_context,
    redirect,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_login import current_user

from crm.extensions import db
from crm.security import same_site_path
from crm.services.users import set_preferred_locale

blueprint = Blueprint("i18n", __name__)


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # the command line, or an import's own thread
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if request.path.startswith("/api/"):
        # The API follows Accept-Language, Chinese when none is given.
        return (
            request.accept_languages.best_match(languages)
            or current_app.config["BABEL_DEFAULT_LOCALE"]
        )
    chosen = session.get("locale")
    if chosen is None and current_user.is_authenticated:
        chosen = current_user.locale
    if chosen in languages:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def is_english() -> bool:
    return str(get_locale()).startswith("en")


def locale_key() -> str:
    """'en' or 'zh': the key the vocabulary and other bilingual data use."""
    return "en" if is_english() else "zh"


@blueprint.post("/language/<code>")
def switch_language(code: str):
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    session["locale"] = code
    if current_user.is_authenticated:
        set_preferred_locale(db.session, current_user, code)
        db.session.commit()
    return redirect(same_site_path(request.form.get("next")) or url_for("crm.home"))
