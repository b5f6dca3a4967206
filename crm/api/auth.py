"""Who calls the API: a Bearer token, else the session cookie (whose writes need a CSRF header)."""

from datetime import timedelta

from flask import current_app, g, request
from flask_login import current_user
from flask_wtf.csrf import validate_csrf
from sqlalchemy import select, update
from wtforms.validators import ValidationError

from crm.api.errors import (
    BAD_TOKEN,
    CSRF_MISSING,
    LOG_IN_FIRST,
    MALFORMED_AUTHORIZATION,
    ApiError,
    forbidden,
    token_expired,
)
from crm.extensions import db
from crm.models import ApiToken, User
from crm.models.base import utcnow
from crm.permissions import has_right

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# last_used_at is for spotting dormant tokens; a write per request would be waste.
LAST_USED_RESOLUTION = timedelta(minutes=1)
CSRF_HEADERS = ("X-CSRFToken", "X-CSRF-Token")


def public(view):
    """Mark a view that answers without log-in."""
    view.public = True
    return view


def authenticate() -> None:
    """Before every API request: find the caller, or answer 401 (never a redirect)."""
    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "public", False):
        return
    header = request.headers.get("Authorization")
    if header is not None:
        # A token is sent on purpose, so a forged cross-site request cannot carry it: no CSRF.
        g.api_user = _token_user(header)
        return
    if not current_user.is_authenticated:
        raise ApiError(401, "unauthorized", LOG_IN_FIRST)
    if request.method in UNSAFE_METHODS:
        _check_csrf()
    g.api_user = current_user._get_current_object()


def api_user() -> User:
    """The caller: the token's user for this request only, else the logged-in user."""
    return g.get("api_user") or current_user


def require_right(right: str) -> User:
    """The caller when their role holds `right`; 403 otherwise."""
    user = api_user()
    if not has_right(user, right):
        raise forbidden()
    return user


def _token_user(header: str) -> User:
    scheme, _space, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        raise ApiError(401, "unauthorized", MALFORMED_AUTHORIZATION)
    # The user and two columns of the token: no ApiToken object to load and track.
    found = db.session.execute(
        select(User, ApiToken.id, ApiToken.last_used_at, ApiToken.expires_at)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == ApiToken.hash(token), ApiToken.revoked_at.is_(None))
    ).first()
    if found is None or not found.User.is_active:
        raise ApiError(401, "unauthorized", BAD_TOKEN)
    now = utcnow()
    if found.expires_at is not None and found.expires_at <= now:
        # Said plainly, so the owner makes a new token rather than hunting for a typo.
        raise ApiError(401, "token_expired", token_expired(found.expires_at))
    if found.last_used_at is None or now - found.last_used_at >= LAST_USED_RESOLUTION:
        # A transaction of its own that begins with the write, so in a GET (which begins
        # deferred, see crm.database) it waits for SQLite's write lock instead of failing
        # because another connection wrote since this one read.
        db.session.commit()
        db.session.execute(update(ApiToken).where(ApiToken.id == found.id).values(last_used_at=now))
        db.session.commit()
    return found.User


def _check_csrf() -> None:
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return
    token = next(filter(None, (request.headers.get(name) for name in CSRF_HEADERS)), None)
    try:
        validate_csrf(token)
    except ValidationError as error:
        raise ApiError(400, "csrf", CSRF_MISSING) from error
