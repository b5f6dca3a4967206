"""How values are written in JSON: decimals as strings, datetimes in UTC ending in Z."""

from datetime import UTC, date, datetime
from decimal import Decimal


def decimal_text(value: Decimal | None) -> str | None:
    """Without trailing zeros, never in exponent form: 1200, 12.5."""
    if value is None:
        return None
    return format((value + 0).normalize(), "f")


def date_text(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def datetime_text(value: datetime | None) -> str | None:
    """Stored datetimes are UTC without a zone; an aware one is converted first."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(timespec="seconds") + "Z"
