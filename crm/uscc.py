"""The 统一社会信用代码 (unified social credit code, GB 32100-2015): normalise, then validate."""

import unicodedata

from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength

_SEPARATORS = str.maketrans("", "", " -\u3000\u2010\u2011\u2012\u2013\u2014\u2212")


class CreditCodeError(ValueError):
    """A credit code that is wrong; `reason` is "length", "characters" or "checksum"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


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
