"""Enterprise names: the normalised form and the pinyin initials that search finds."""

import pytest

from crm.services.names import name_initials, normalise_name


def test_normalising_drops_widths_spaces_and_brackets():
    assert normalise_name(" 十堰 汉江（集团）Ｃｏ. ") == "十堰汉江集团co"


@pytest.mark.parametrize(
    ("name", "initials"),
    [
        ("十堰汉江精工有限公司", "syhjjgyxgs"),
        ("东风汽车集团", "dfqcjt"),
        ("重庆长安汽车股份有限公司", "cqcaqcgfyxgs"),  # 重 read chong, 长 chang, in context
        ("十堰重型车桥厂", "syzxcqc"),  # 重 read zhong
        ("中国银行十堰分行", "zgyhsyfh"),  # 行 read hang
        ("十堰测试0042号", "sycs0042h"),  # digits kept; a polyphone among them still read
        ("Tesla 上海超级工厂", "teslashcjgc"),
        ("长", "z"),
    ],
)
def test_initials_read_polyphones_in_their_context(name, initials):
    assert name_initials(name) == initials
