"""Security headers on every response, cookies kept to HTTPS, request sizes, and redirect
targets kept on this site."""

import unicodedata
from urllib.parse import urlsplit

from flask import current_app, g, request, session
from flask_babel import gettext as _

from crm.spreadsheets import megabytes
from crm.tiles import base_map

# A year; sent only over HTTPS, where a browser heeds it.
HSTS = "max-age=31536000"
# Room for the multipart envelope around an uploaded file: boundaries, part headers, CSRF token.
UPLOAD_ENVELOPE_BYTES = 64 * 1024


def _tile_origin() -> str:
    """The tile server's origin for img-src; nothing when tiles are off (TILE_URL=off)."""
    return base_map().origin


def add_security_headers(response):
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(self)")
    # No page runs inline script; styles may be inline (bars of the dashboard). Nothing loads
    # from elsewhere but the configured tile server.
    headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; "
        f"img-src 'self' data: {_tile_origin()}; "
        "style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'",
    )
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", HSTS)
    if _is_private():
        # Neither the browser's cache nor a proxy's may keep a page after log-out.
        headers["Cache-Control"] = "no-store"
    return response


# Pages without a log-in that still must not be kept: a password link's page names the user.
PRIVATE_ENDPOINTS = frozenset({"crm.password_link"})


def _is_private() -> bool:
    """An API answer, or a page for someone logged in; static files are the same for all.
    Decided without loading the user: Flask-Login keeps the one it loaded in g."""
    if request.endpoint is not None and request.endpoint.rsplit(".", 1)[-1] == "static":
        return False
    if request.path.startswith("/api/") or request.endpoint in PRIVATE_ENDPOINTS:
        return True
    loaded = g.get("_login_user")
    return "_user_id" in session or (loaded is not None and loaded.is_authenticated)


def setting_is_on(value) -> bool:
    """A flag from config.py (True) or from the environment ("1", "true", "yes", "on")."""
    return value is True or str(value).strip().lower() in ("1", "true", "yes", "on")


class SecureCookies:
    """WSGI middleware: every cookie is marked Secure when the request came over HTTPS (behind
    TRUSTED_PROXIES, ProxyFix outside this sets the scheme from X-Forwarded-Proto), or always
    with `always` (SECURE_COOKIES). At the WSGI edge because Flask saves the session cookie
    after every after_request hook has run."""

    def __init__(self, wsgi_app, always: bool = False):
        self.wsgi_app = wsgi_app
        self.always = always

    def __call__(self, environ, start_response):
        if not (self.always or environ.get("wsgi.url_scheme") == "https"):
            return self.wsgi_app(environ, start_response)

        def start_secure(status, headers, exc_info=None):
            headers = [
                (name, _secure(value) if name.lower() == "set-cookie" else value)
                for name, value in headers
            ]
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, start_secure)


def _secure(cookie: str) -> str:
    attributes = (part.strip().lower() for part in cookie.split(";")[1:])
    return cookie if "secure" in attributes else f"{cookie}; Secure"


# ---- request sizes ----


def takes_upload(view):
    """Mark a view that takes a spreadsheet: its request may be as large as IMPORT_MAX_BYTES,
    where JSON and other forms stop at MAX_CONTENT_LENGTH."""
    view.upload_kind = "import"
    return view


def takes_attachments(view):
    """Mark a view that takes a referral's attachments: its request may hold as many files of
    REFERRAL_ATTACHMENT_MAX_BYTES as a referral may carry. A single file over the limit then
    still reaches the view, which names it at the field and keeps the other fields."""
    view.upload_kind = "attachments"
    return view


def _upload_kind() -> str | None:
    view = current_app.view_functions.get(request.endpoint)
    return getattr(view, "upload_kind", None)


def _upload_limit(kind: str) -> int:
    config = current_app.config
    if kind == "attachments":
        return config["REFERRAL_ATTACHMENT_MAX_BYTES"] * config["REFERRAL_ATTACHMENT_MAX_COUNT"]
    return config["IMPORT_MAX_BYTES"]


def raise_upload_limit() -> None:
    """Before anything reads the body: Flask-WTF's CSRF check reads the form, and with the
    general limit it would refuse the file before the view could raise the limit itself."""
    kind = _upload_kind()
    if kind is not None:
        request.max_content_length = _upload_limit(kind) + UPLOAD_ENVELOPE_BYTES


def too_large_message() -> str:
    """What 413 says: the limit that applied, so the sender knows what would be taken."""
    kind = _upload_kind()
    if kind == "attachments":
        config = current_app.config
        return _(
            "附件太大：每个文件不超过 %(limit)s MB，最多 %(count)d 个。",
            limit=megabytes(config["REFERRAL_ATTACHMENT_MAX_BYTES"]),
            count=config["REFERRAL_ATTACHMENT_MAX_COUNT"],
        )
    if kind == "import":
        return _(
            "文件超过 %(limit)s MB 的上限，请拆分后分批导入。",
            limit=megabytes(current_app.config["IMPORT_MAX_BYTES"]),
        )
    return _(
        "提交的内容超过 %(limit)s MB 的上限。",
        limit=megabytes(current_app.config["MAX_CONTENT_LENGTH"]),
    )


# ---- redirects ----


def same_site_path(target: str | None) -> str | None:
    """Only a plain path on this site may be a redirect target (no open redirect): one "/" and
    no second "/" or "\\" after it (browsers read "/\\evil.com" as "//evil.com"), no backslash
    anywhere, and no control, format or space character (CR/LF would split the Location header,
    and browsers drop tabs and newlines, so "/\\t/evil.com" would become "//evil.com")."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if "\\" in target or any(unicodedata.category(char)[0] in "CZ" for char in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
