"""The 统一社会信用代码 rules: normalising, then python-stdnum's check."""

import pytest

from crm.uscc import CreditCodeError, normalise, validate

# A real, published code; its check character Q follows from GB 32100's weights.
VALID = "91110108551385082Q"


def test_valid_code_passes_unchanged():
    assert validate(VALID) == VALID


def test_lower_case_full_width_spaces_and_hyphens_are_normalised():
    assert validate("９１１１０１０８-５５１３ ８５０８２ｑ") == VALID
    assert validate("91110108551385082q") == VALID
    assert normalise(" 9111-0108 5513\u30008508 2Q ") == VALID


def test_empty_becomes_none_never_empty_string():
    assert validate("") is None
    assert validate("  -  ") is None
    assert validate(None) is None


def test_bad_check_character():
    with pytest.raises(CreditCodeError) as caught:
        validate("91110108551385082A")
    assert caught.value.reason == "checksum"


@pytest.mark.parametrize("code", ["9111010855138508", "91110108551385082Q1"])
def test_wrong_length(code):
    with pytest.raises(CreditCodeError) as caught:
        validate(code)
    assert caught.value.reason == "length"


@pytest.mark.parametrize("letter", ["I", "O", "Z", "S", "V"])
def test_letters_never_used_are_refused(letter):
    with pytest.raises(CreditCodeError) as caught:
        validate(VALID[:10] + letter + VALID[11:])
    assert caught.value.reason == "characters"
