"""What every template may use: labels of vocabulary keys, money in 万元/亿元, the rights table."""

from decimal import Decimal

from flask import Flask
from flask_babel import gettext as _
from flask_login import current_user

from crm import vocabulary
from crm.i18n import locale_key
from crm.permissions import has_right

YI_IN_WAN = Decimal(10000)  # 1 亿元 = 10,000 万元


def label(vocabulary_name: str, key: str | None) -> str:
    return getattr(vocabulary, vocabulary_name.upper()).label(key, locale_key())


def money(amount_wan) -> str:
    """万元 below one 亿元, 亿元 from there on, with thousands separators."""
    if amount_wan is None:
        return "—"
    amount = Decimal(amount_wan)
    if abs(amount) >= YI_IN_WAN:
        return _("%(amount)s 亿元", amount=f"{amount / YI_IN_WAN:,.2f}")
    return _("%(amount)s 万元", amount=f"{amount:,.0f}")


def register(app: Flask) -> None:
    app.jinja_env.filters["money"] = money
    app.jinja_env.globals["label"] = label

    @app.context_processor
    def inject():
        return {
            "can": lambda right: has_right(current_user, right),
            "city_name": app.config["CITY_EN"] if locale_key() == "en" else app.config["CITY"],
            "languages": app.config["LANGUAGES"],
            "locale_key": locale_key(),
        }
