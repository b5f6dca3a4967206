"""InvestAtlas (招商图谱): the application factory, read top to bottom like a table of contents."""

import os
import secrets
from datetime import timedelta
from pathlib import Path

from flask import Flask

DEFAULTS = {
    "CITY": "十堰市",
    "CITY_EN": "Shiyan",
    "TIMEZONE": "Asia/Shanghai",
    # Only the tile server is outside; everything else is served by the app (intranet-safe).
    # The base map (crm.tiles): osm, tianditu (with TIANDITU_KEY), amap (高德, GCJ-02: the map
    # pages' coordinates are converted for it), off, or an intranet tile URL (TILE_SYSTEM wgs84
    # or gcj02).
    "TILE_URL": "osm",
    "TILE_ATTRIBUTION": "",
    # The map's places are data (geo.city): the boundary file of the city's districts and
    # zones, the projection areas are measured in, the threshold presets of its filter and
    # its 亩均 evaluation scheme.
    "MAP_BOUNDARIES": "data/geo/shiyan-districts.geojson",
    "MAP_AREA_CRS": "EPSG:4546",
    "MAP_PRESETS": "data/geo/threshold-presets.toml",
    "MAP_EVALUATION": "data/geo/mu-evaluation.toml",
    # The rhythm's reports: the quarterly bulletin's weights and marks, the annual rubric.
    "REPORT_QUARTERLY": "data/rubrics/quarterly.toml",
    "REPORT_ANNUAL_RUBRIC": "data/rubrics/annual.toml",
    "BABEL_DEFAULT_LOCALE": "zh_Hans_CN",
    "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
    "LANGUAGES": {"zh_Hans_CN": "中文", "en": "English"},
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    # Log-in sessions: one with remember-me lasts REMEMBER_DAYS from the log-in (its cookie's
    # life too); one without ends after SESSION_IDLE_HOURS without a request.
    "REMEMBER_DAYS": 30,
    "SESSION_IDLE_HOURS": 12,
    "PASSWORD_MIN_LENGTH": 12,
    "PASSWORD_LINK_HOURS": 72,
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    # Failed log-ins: per account and address, and a far higher ceiling per address (an office
    # behind one NAT address shares it).
    "LOGIN_LIMITS": "10 per minute;50 per hour",
    "LOGIN_ADDRESS_LIMITS": "100 per minute;500 per hour",
    # Referrals an ambassador may submit (investor and talent, portal and API together).
    "REFERRAL_LIMITS": "20 per hour",
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_HEADERS_ENABLED": True,
    # The largest request body: JSON and forms. Only the views that take a file accept up to
    # IMPORT_MAX_BYTES (crm.security.takes_upload), so no other body can fill the memory.
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    # Mark every cookie Secure even when the request does not look like HTTPS (a proxy that
    # does not send X-Forwarded-Proto); over HTTPS they are marked anyway.
    "SECURE_COOKIES": False,
    # Imports: the largest file taken, and whether an import page runs it in a thread of its
    # own (so the page can show progress) or within the request.
    "IMPORT_MAX_BYTES": 20 * 1024 * 1024,
    "IMPORT_IN_BACKGROUND": True,
    # Referral attachments (a business card's photo, a brochure): each file's largest size,
    # and how many files one referral may carry. Stored in UPLOAD_FOLDER, outside the web root.
    "REFERRAL_ATTACHMENT_MAX_BYTES": 10 * 1024 * 1024,
    "REFERRAL_ATTACHMENT_MAX_COUNT": 3,
}

# Settings an operator may give as environment variables (INVESTATLAS_<NAME> or the bare name).
FROM_ENVIRONMENT = (
    "DATABASE_URL",
    "SECRET_KEY",
    "CITY",
    "CITY_EN",
    "TIMEZONE",
    "TILE_URL",
    "TILE_SYSTEM",
    "TIANDITU_KEY",
    "MAP_BOUNDARIES",
    "MAP_AREA_CRS",
    "MAP_PRESETS",
    "MAP_EVALUATION",
    "REPORT_QUARTERLY",
    "REPORT_ANNUAL_RUBRIC",
    "TRUSTED_PROXIES",
    "RATELIMIT_STORAGE_URI",
    "LOGIN_LIMITS",
    "LOGIN_ADDRESS_LIMITS",
    "REFERRAL_LIMITS",
    "REMEMBER_DAYS",
    "SESSION_IDLE_HOURS",
    "PASSWORD_MIN_LENGTH",
    "PASSWORD_LINK_HOURS",
    "SECURE_COOKIES",
    "UPLOAD_FOLDER",
    "REFERRAL_ATTACHMENT_MAX_BYTES",
    "REFERRAL_ATTACHMENT_MAX_COUNT",
)


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    load_config(app, config)
    register_extensions(app)
    register_blueprints(app)
    register_commands(app)
    register_error_handlers(app)
    register_security_headers(app)
    register_proxy_settings(app)
    register_template_helpers(app)
    return app


def load_config(app: Flask, config: dict | None) -> None:
    """Defaults, then instance/config.py, then the environment, then the caller's config."""
    app.config.from_mapping(DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    for name in FROM_ENVIRONMENT:
        value = os.environ.get(f"INVESTATLAS_{name}") or os.environ.get(name)
        if value:
            app.config[name] = value
    app.config.update(config or {})

    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.setdefault("DATABASE_URL", f"sqlite:///{Path(app.instance_path) / 'investatlas.db'}")
    app.config.setdefault("SQLALCHEMY_DATABASE_URI", app.config["DATABASE_URL"])
    app.config.setdefault("UPLOAD_FOLDER", str(Path(app.instance_path) / "uploads"))
    app.config.setdefault(
        "BABEL_TRANSLATION_DIRECTORIES", str(Path(app.root_path) / "crm" / "translations")
    )
    for name in (
        "REMEMBER_DAYS",
        "SESSION_IDLE_HOURS",
        "PASSWORD_MIN_LENGTH",
        "PASSWORD_LINK_HOURS",
        "REFERRAL_ATTACHMENT_MAX_BYTES",
        "REFERRAL_ATTACHMENT_MAX_COUNT",
    ):
        app.config[name] = int(app.config[name])  # the environment gives text
    app.config.setdefault("REMEMBER_COOKIE_DURATION", timedelta(days=app.config["REMEMBER_DAYS"]))
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path) / "secret_key")
    from chainmap.settings import ChainSettings
    from crm.services.supervision import SupervisionSettings
    from crm.tiles import base_map

    # A wrong TILE_URL, CHAIN_ANALYSIS or SUPERVISION stops the start, naming the setting.
    base_map(app.config)
    ChainSettings.from_config(app.config.get("CHAIN_ANALYSIS"))
    SupervisionSettings.from_config(app.config.get("SUPERVISION"))
    check_report_rules(app)
    # JSON in UTF-8, so curl and browsers show Chinese rather than \uXXXX escapes.
    app.json.ensure_ascii = False


def check_report_rules(app: Flask) -> None:
    """A wrong quarterly rules or annual rubric file stops the start, naming the file and key."""
    from crm.reports.quarterly import load_rules
    from crm.reports.rubric import load_rubric

    for key, load in (("REPORT_QUARTERLY", load_rules), ("REPORT_ANNUAL_RUBRIC", load_rubric)):
        path = Path(app.config[key])
        load(path if path.is_absolute() else Path(app.root_path) / path)


def _instance_secret(path: Path) -> str:
    """A random key kept in instance/, so sessions survive a restart without configuration."""
    if not path.exists():
        # Created readable by the owner only from the first byte (no umask window).
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_hex(32))
    return path.read_text().strip()


def register_extensions(app: Flask) -> None:
    import crm.models  # noqa: F401  (every table registered before migrations look)
    from crm import auth, database, i18n
    from crm.extensions import babel, csrf, db, limiter, login_manager, migrate
    from crm.security import raise_upload_limit

    db.init_app(app)
    database.configure_engines(app)
    # Before the CSRF check, which reads the form.
    app.before_request(raise_upload_limit)
    migrate.init_app(
        app,
        db,
        directory=str(Path(app.root_path) / "migrations"),
        render_as_batch=True,
        compare_type=True,
    )
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    limiter.init_app(app)
    login_manager.init_app(app)
    auth.configure_login(login_manager)


def register_blueprints(app: Flask) -> None:
    # Their routes join the API blueprint before it is registered (crm never imports them).
    import chainmap.api  # noqa: F401
    import geo.api
    import geo.picking
    from chainmap.views import blueprint as chainmap_views
    from crm.api import blueprint as api_views
    from crm.auth import blueprint as auth_views
    from crm.i18n import blueprint as language_views
    from crm.services.enterprises import DISTRICTS_FINDER, PLACE_FINDER
    from crm.views import blueprint as crm_views
    from geo.views import blueprint as geo_views

    # A location saved without a district gets the one it lies in (crm calls it, never imports).
    app.extensions[PLACE_FINDER] = geo.picking.place_of
    app.extensions[DISTRICTS_FINDER] = geo.picking.districts_at
    for blueprint in (auth_views, language_views, crm_views, chainmap_views, geo_views, api_views):
        app.register_blueprint(blueprint)


def register_commands(app: Flask) -> None:
    from chainmap.cli import commands as chain_commands
    from crm.cli import commands as crm_commands
    from demo.cli import commands as demo_commands

    for command in (*crm_commands, *chain_commands, *demo_commands):
        app.cli.add_command(command)


def register_error_handlers(app: Flask) -> None:
    from crm.errors import register

    register(app)


def register_security_headers(app: Flask) -> None:
    from crm.security import SecureCookies, add_security_headers, setting_is_on

    app.after_request(add_security_headers)
    # Inside ProxyFix (installed after this), so it sees the scheme X-Forwarded-Proto gives.
    app.wsgi_app = SecureCookies(app.wsgi_app, always=setting_is_on(app.config["SECURE_COOKIES"]))


def register_proxy_settings(app: Flask) -> None:
    """Behind TRUSTED_PROXIES reverse proxies, take the client's address from X-Forwarded-For,
    so the log-in throttle counts each client, not the proxy."""
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)


def register_template_helpers(app: Flask) -> None:
    from crm.templating import register

    register(app)
