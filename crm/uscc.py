"""The 统一社会信用代码 (unified social credit code, GB 32100-2015): normalise, then validate."""

import unicodedata

from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength

_SEPARATORS = str.maketrans("", "", " -\u3000\u2010\u2011\u2012\u2013\u2014\u2212")


class CreditCodeError(ValueError):
    """A credit code that is wrong; `reason` is a key of REASONS."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# Chinese first, English when asked; {field} is the name of the form field.
REASONS = {
    "length": (
        "{field}应为18位，当前为{length}位",
        "{field} must have 18 characters, not {length}",
    ),
    "characters": (
        "{field}格式不正确：前8位应为数字，后10位为数字或字母（不含 I、O、Z、S、V）",
        "{field} is malformed: 8 digits, then 10 digits or letters (never I, O, Z, S or V)",
    ),
    "checksum": (
        "{field}校验位不正确，请核对后重新输入",
        "{field} has a wrong check character; please check the code",
    ),
}


def normalise(value: str | None) -> str | None:
    """Full-width to half-width, separators removed, upper case; empty becomes None."""
    if value is None:
        return None
    text = unicodedata.normalize("NFKC", value).translate(_SEPARATORS).strip().upper()
    return text or None


def validate(value: str | None) -> str | None:
    """The normalised code, or None when empty; raises CreditCodeError when wrong."""
    code = normalise(value)
    if code is None:
        return None
    try:
        return uscc.validate(code)
    except InvalidLength as error:
        raise CreditCodeError("length") from error
    except InvalidFormat as error:
        raise CreditCodeError("characters") from error
    except InvalidChecksum as error:
        raise CreditCodeError("checksum") from error


def message(error: CreditCodeError, value: str | None, field: str, locale: str = "zh") -> str:
    zh, en = REASONS[error.reason]
    template = en if locale.startswith("en") else zh
    return template.format(field=field, length=len(normalise(value) or ""))
