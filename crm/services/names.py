"""Enterprise names: a normalised form for duplicate checks and pinyin initials for search."""

import re
import unicodedata

from pypinyin import Style, lazy_pinyin

_NOISE = re.compile(r"[\s·・\-_()（）【】\[\]\"'“”‘’,，.。]+")


def normalise_name(name: str) -> str:
    """Full-width to half-width, no spaces or punctuation, lower case: 十堰 汉江（集团） → 十堰汉江集团."""
    return _NOISE.sub("", unicodedata.normalize("NFKC", name)).lower()


def name_initials(name: str) -> str:
    """Pinyin initials of the Chinese characters, letters and digits kept: 东风汽车 → dfqc."""
    letters = lazy_pinyin(normalise_name(name), style=Style.FIRST_LETTER, errors="default")
    return "".join(letter for letter in "".join(letters).lower() if letter.isalnum())
