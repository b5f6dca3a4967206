"""Security headers on every response."""

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
    # Map pages carry inline scripts and styles written by folium; nothing loads from elsewhere
    # but the configured tile server.
    headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; "
        f"img-src 'self' data: {_tile_origin()}; "
        "style-src 'self' 'unsafe-inline'; "
        "script-src 'self' 'unsafe-inline'; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'",
    )
    return response
