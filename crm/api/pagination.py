"""Pages of a list: ?page=&per_page=, answered with the next page's number, never a count."""

import re

from flask import request
from flask_babel import gettext as _

from crm.api.errors import invalid

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
# Keeps OFFSET inside every database's integer range; a province's million rows still fit.
MAX_PAGE = 10_000_000


def _whole_number(name: str, default: int, high: int) -> int:
    text = request.args.get(name)
    if text is None:
        return default
    if not re.fullmatch(r"\d{1,9}", text, re.ASCII) or not 1 <= int(text) <= high:
        raise invalid({name: [_("应为 1 到 %(high)d 之间的整数", high=high)]})
    return int(text)


def page_arguments() -> tuple[int, int]:
    """(page, per_page) from the query string; 422 naming the parameter when out of range."""
    return (
        _whole_number("page", 1, MAX_PAGE),
        _whole_number("per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE),
    )


def page_body(items: list, page: int, per_page: int, has_next: bool) -> dict:
    return {
        "items": items,
        "page": page,
        "per_page": per_page,
        "next": page + 1 if has_next else None,
    }
