"""Enterprise names: a normalised form for duplicate checks and pinyin initials for search."""

import re
import unicodedata
from functools import cache, lru_cache

from pypinyin import Style, lazy_pinyin
from pypinyin.constants import PINYIN_DICT

_NOISE = re.compile(r"[\s·・\-_()（）【】\[\]\"'“”‘’,，.。]+")
# A polyphonic character is read in the context of this many characters on each side, as
# pypinyin's phrase dictionary reads 重庆 (chong) but 重工 (zhong).
_CONTEXT = 2


def normalise_name(name: str) -> str:
    """Full-width to half-width, no spaces or punctuation, lower case: 十堰 汉江（集团） → 十堰汉江集团."""
    return _NOISE.sub("", unicodedata.normalize("NFKC", name)).lower()


@cache
def _first_letters() -> dict[str, str | None]:
    """Each character's initial, or None where its readings start with different letters."""
    letters = {}
    for codepoint, readings in PINYIN_DICT.items():
        firsts = {unicodedata.normalize("NFD", reading)[0] for reading in readings.split(",")}
        letters[chr(codepoint)] = firsts.pop() if len(firsts) == 1 else None
    return letters


@lru_cache(maxsize=65536)
def _initial_in_context(window: str, index: int) -> str:
    return lazy_pinyin(window, style=Style.FIRST_LETTER)[index]


def name_initials(name: str) -> str:
    """Pinyin initials of the Chinese characters, letters and digits kept: 东风汽车 → dfqc.

    Most characters have one initial whatever their reading; only the others go through
    pypinyin's phrase dictionary, with their neighbours (a hundred times faster on imports)."""
    text = normalise_name(name)
    known = _first_letters()
    letters = []
    for index, char in enumerate(text):
        if char not in known:
            if char.isalnum():
                letters.append(char)
            continue
        letter = known[char]
        if letter is None:
            # The neighbours that are Chinese too: pypinyin reads each of those as one item.
            start, end = index, index + 1
            while start > index - _CONTEXT and start > 0 and text[start - 1] in known:
                start -= 1
            while end < index + _CONTEXT + 1 and end < len(text) and text[end] in known:
                end += 1
            letter = _initial_in_context(text[start:end], index - start)
        letters.append(letter)
    return "".join(letters).lower()
