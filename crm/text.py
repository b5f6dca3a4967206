"""The one rule for characters no text field may hold, shared by forms, the API and imports."""

import re

from flask_babel import lazy_gettext as _l

CONTROL_CHARACTERS = _l("不能包含控制字符")
# Unicode's Cc (control) and Cs (surrogate) categories: NUL cannot be stored by PostgreSQL,
# lone surrogates cannot be encoded, and other control characters break spreadsheets.
_FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def has_control_characters(text: str) -> bool:
    return _FORBIDDEN.search(text) is not None
