"""Experts' search keys (issue 13): the readings remembered per name segment (issue 16, for imports) are exactly
what pypinyin itself gives, heteronyms included, for Chinese, traditional, mixed and foreign names."""

from itertools import islice, product
from typing import Any

import pytest
from pypinyin import Style, pinyin

from registry.domain.search import MAX_READINGS, fold, initials, readings, search_key

NAMES = ["王伟", "单雄信", "曾国藩", "龔軒", "欧阳娜娜", "諸葛亮", "Gong Xuan", "A 王", "王-b", "嗯", "曾经理", "长乐",
         "行长", "重庆", "朝阳", "x1y", "", "  "]


def each_character(chars: str) -> Any:
    return list(chars)


def reference(name: str, style: Style) -> list[str]:
    syllables = pinyin(fold(name), style=style, heteronym=True, errors=each_character)
    options = [list(dict.fromkeys(s.lower() for s in choices)) or [""] for choices in syllables]
    return ["".join(combo) for combo in islice(product(*options), MAX_READINGS)]


@pytest.mark.parametrize("name", NAMES)
def test_readings_and_initials_are_pypinyins_own(name):
    for _ in range(2):  # the second time from what was remembered
        assert readings(name) == reference(name, Style.NORMAL)
        assert initials(name) == reference(name, Style.FIRST_LETTER)


def test_a_surname_keeps_both_readings_and_the_key_names_the_employer():
    assert {"shanxiongxin", "danxiongxin"} <= set(readings("单雄信"))
    key = search_key("龔軒", ["浙江大學"])
    assert "|龚轩|" in key and "|gongxuan|" in key and "|gx|" in key and "|浙江大学|" in key
