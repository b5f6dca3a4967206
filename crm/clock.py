"""Today in the city's time zone: deadlines, "overdue" and "this year" are reckoned there."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def city_today() -> date:
    return datetime.now(ZoneInfo(current_app.config["TIMEZONE"])).date()
