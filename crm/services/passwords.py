"""Password rules: length over complexity, and the common-password list refused.

No rule asks for digits or symbols: a long phrase is stronger and easier to remember. What is
refused is what an attacker tries first: short passwords, leaked common ones, the user's own
name, one character repeated."""

import gzip
from functools import cache
from pathlib import Path

from flask import current_app, has_app_context
from flask_babel import gettext as _

COMMON_PASSWORDS = Path(__file__).resolve().parents[2] / "data" / "passwords"
MIN_LENGTH = 12
# Longer is allowed far beyond need; the cap keeps a hash of a megabyte of text off the server.
MAX_LENGTH = 200
# What people add before or after a common word to pass a length or digit rule.
_DECORATION = "0123456789!@#$%^&*._-+=~?, "


@cache
def _common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_PASSWORDS / "common-passwords.txt.gz", "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip())


def min_length() -> int:
    if has_app_context():
        return int(current_app.config.get("PASSWORD_MIN_LENGTH", MIN_LENGTH))
    return MIN_LENGTH


def password_problems(password: str, user_name: str | None = None) -> list[str]:
    """Why this password may not be set; empty when it may."""
    shortest = min_length()
    if len(password) < shortest:
        return [_("密码至少需要 %(count)d 个字符；可以用一句好记的话。", count=shortest)]
    if len(password) > MAX_LENGTH:
        return [_("密码最多 %(count)d 个字符。", count=MAX_LENGTH)]
    folded = password.casefold()
    # "iloveyou1234" is "iloveyou" with digits added: the first thing a guesser tries.
    core = folded.strip(_DECORATION)
    if folded in _common_passwords() or core in _common_passwords():
        return [_("这是常见密码，很容易被猜中，请换一个。")]
    if user_name and user_name.casefold() in folded:
        return [_("密码不能包含用户名。")]
    if len(set(password)) == 1:
        return [_("密码不能由同一个字符重复组成。")]
    return []
