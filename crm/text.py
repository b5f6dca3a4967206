"""The one rule for characters no text field may hold, shared by forms, the API and imports."""

import unicodedata

from flask_babel import lazy_gettext as _l

CONTROL_CHARACTERS = _l("不能包含控制字符")
# NUL cannot be stored by PostgreSQL, lone surrogates cannot be encoded, and other control
# characters break spreadsheets and exports.
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cs"})


def has_control_characters(text: str) -> bool:
    return any(unicodedata.category(char) in _FORBIDDEN_CATEGORIES for char in text)
