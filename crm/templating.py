"""What every template may use: labels of vocabulary keys, money in 万元/亿元, the rights table."""

from datetime import UTC
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import Flask, current_app, request, url_for
from flask_login import current_user
from markupsafe import Markup

from crm import vocabulary
from crm.extensions import db
from crm.i18n import locale_key
from crm.permissions import has_right
from crm.services.demo_marks import has_demo
from crm.tiles import base_map

YI_IN_WAN = Decimal(10000)  # 1 亿元 = 10,000 万元
WAN_IN_MILLION = Decimal(100)  # 1 million yuan = 100 万元
WAN_IN_BILLION = Decimal(100000)


def label(vocabulary_name: str, key: str | None) -> str:
    return getattr(vocabulary, vocabulary_name.upper()).label(key, locale_key())


def money(amount_wan) -> str:
    """Chinese: 万元 below one 亿元, 亿元 from there on. English: million, then billion yuan."""
    if amount_wan is None:
        return "—"
    amount = Decimal(amount_wan)
    if locale_key() == "en":
        if abs(amount) >= WAN_IN_BILLION:
            return f"{amount / WAN_IN_BILLION:,.2f} billion yuan"
        return f"{amount / WAN_IN_MILLION:,.2f} million yuan"
    if abs(amount) >= YI_IN_WAN:
        return f"{amount / YI_IN_WAN:,.2f} 亿元"
    return f"{amount_text(amount)} 万元"


def money_figure(amount_wan) -> Markup:
    """money() for a headline: the number large, its unit smaller beside it, so that in English
    "505.11 million yuan" still fits a card."""
    number, _space, unit = money(amount_wan).partition(" ")
    return Markup('{}<span class="unit">{}</span>').format(number, unit)


def amount_text(value, places: int = 2) -> str:
    """A figure in its column's unit: thousands separated, at most `places` decimals."""
    if value is None:
        return "—"
    text = f"{Decimal(value):,.{places}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def city_time(moment, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """A stored UTC time as the city's clocks show it."""
    if moment is None:
        return "—"
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    return moment.replace(tzinfo=UTC).astimezone(zone).strftime(pattern)


# The first token found names the browser: Edge and WeChat also say "Chrome" and "Safari".
BROWSERS = (
    ("MicroMessenger", "微信"),
    ("Edg/", "Edge"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
    ("curl/", "curl"),
)
SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)


def browser_name(user_agent: str | None) -> str:
    """ "Chrome · Windows" from a User-Agent header, enough to tell one's devices apart."""
    text = user_agent or ""
    browser = next((name for token, name in BROWSERS if token in text), None)
    system = next((name for token, name in SYSTEMS if token in text), None)
    return " · ".join(part for part in (browser, system) if part) or (text[:40] or "—")


def url_with(**changes) -> str:
    """This page's address with some query parameters changed (None or "" removes one)."""
    arguments = {key: value for key, value in request.args.items() if value}
    for key, value in changes.items():
        if value is None or value == "":
            arguments.pop(key, None)
        else:
            arguments[key] = value
    return url_for(request.endpoint, **(request.view_args or {}), **arguments)


def register(app: Flask) -> None:
    app.jinja_env.globals["base_map"] = base_map
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["money_figure"] = money_figure
    app.jinja_env.filters["amount"] = amount_text
    app.jinja_env.filters["city_time"] = city_time
    app.jinja_env.filters["browser_name"] = browser_name
    app.jinja_env.globals["url_with"] = url_with
    app.jinja_env.globals["label"] = label

    @app.context_processor
    def inject():
        return {
            "can": lambda right: has_right(current_user, right),
            "city_name": app.config["CITY_EN"] if locale_key() == "en" else app.config["CITY"],
            "languages": app.config["LANGUAGES"],
            "locale_key": locale_key(),
            "demo_data": current_user.is_authenticated and has_demo(db.session),
        }
