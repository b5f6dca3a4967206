"""The one rule for characters no text field may hold, shared by forms, the API and imports,
and the stricter one for names."""

import re
import unicodedata

from flask_babel import lazy_gettext as _l

CONTROL_CHARACTERS = _l("不能包含控制字符")
INVISIBLE_ONLY = _l("不能只由空白或不可见字符组成")
DIRECTION_CONTROLS = _l("不能包含文字方向控制字符（如 U+202E）")
# Unicode's Cc (control) and Cs (surrogate) categories: NUL cannot be stored by PostgreSQL,
# lone surrogates cannot be encoded, and other control characters break spreadsheets.
_FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
# Embeddings, overrides and isolates: in a name they make it read otherwise than it sorts and
# matches ("‮cba" shows as "abc").
_DIRECTION_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
# Format characters (zero-width space and joiners, word joiner, BOM …) and separators.
_INVISIBLE_CATEGORIES = {"Cf", "Zs", "Zl", "Zp"}


def has_control_characters(text: str) -> bool:
    return _FORBIDDEN.search(text) is not None


def has_direction_controls(text: str) -> bool:
    return _DIRECTION_CONTROLS.search(text) is not None


def is_invisible(text: str) -> bool:
    """Nothing a reader would see: a name of zero-width spaces looks empty in every list."""
    return all(
        char.isspace() or unicodedata.category(char) in _INVISIBLE_CATEGORIES for char in text
    )
