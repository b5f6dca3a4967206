"""Security headers on every response, and redirect targets kept on this site."""

from urllib.parse import urlsplit

from flask import current_app


def _tile_origin() -> str:
    parts = urlsplit(current_app.config["TILE_URL"])
    return f"{parts.scheme}://{parts.netloc.replace('{s}', '*')}"


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
    return response


def same_site_path(target: str | None) -> str | None:
    """Only a path on this site may be a redirect target (no open redirect)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target
