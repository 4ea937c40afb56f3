"""The search key of an expert (issue 13): what ``GET /experts?q=`` matches, computed once on write.

A person is found by the name as written, in simplified characters (龔軒 → 龚轩), by its pinyin written
together (``gongxuan``), by its pinyin initials (``gx``), and by the names of their current employers. A
surname often has two readings (单 dan/shan, 曾 zeng/ceng): pypinyin has no surname mode, so every reading
of every character is kept (heteronyms), up to ``MAX_READINGS`` combinations. The key is lower-case text
whose parts are separated by ``|``, so a query never matches across two parts. Pure: no database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from itertools import islice, product
from typing import Any

from pypinyin import Style
from pypinyin.converter import UltimateConverter
from pypinyin.core import Pinyin
from zhconv import convert

SEPARATOR = "|"
MAX_READINGS = 32  # combinations of readings of one name kept (a 4-character name of ambiguous readings)
MAX_KEY = 4000  # characters of one key (a person with very many employers keeps the first)
_SPACE = re.compile(r"[\s·•.\-_'’]+")


@lru_cache(maxsize=65_536)
def fold(text: str) -> str:
    """Text as the key holds it and a query is compared: simplified characters, lower case, without spaces or
    the dots of foreign names (``龔 軒`` → ``龚轩``, ``Gong Xuan`` → ``gongxuan``)."""
    return _SPACE.sub("", convert(text, "zh-cn")).lower().replace(SEPARATOR, "")


class _RememberingConverter(UltimateConverter):
    """pypinyin's own converter (as ``pypinyin.pinyin`` uses it), remembering the readings of each segment it has
    converted: names are made of a few hundred surnames and given-name characters, each converted once."""

    def __init__(self) -> None:
        super().__init__(v_to_u=False, neutral_tone_with_five=False)
        self._known: dict[tuple, list[list[str]]] = {}

    def convert(self, words, style, heteronym, errors, strict, **kwargs):
        key = (words, style, heteronym, strict)
        known = self._known.get(key)
        if known is None:
            known = super().convert(words, style, heteronym, errors, strict, **kwargs)
            if len(self._known) < 100_000:
                self._known[key] = known
        return [list(choices) for choices in known]


_PINYIN = Pinyin(_RememberingConverter())


def _keep_as_is(chars: str) -> Any:  # pypinyin takes a list of one item per character
    return list(chars)


@lru_cache(maxsize=65_536)
def _syllables(folded: str) -> tuple[tuple[str, ...], ...]:
    """Each character's readings (heteronyms, the most common first), lower case without tones; characters that
    are not Chinese stay as they are. Cached: an import reads the same names and surnames again and again."""
    syllables = _PINYIN.pinyin(folded, style=Style.NORMAL, heteronym=True, errors=_keep_as_is)
    return tuple(tuple(dict.fromkeys(s.lower() for s in choices)) or ("",) for choices in syllables)


def readings(name: str) -> list[str]:
    """The pinyin of ``name`` written together, one per combination of the characters' readings (heteronyms),
    the most common reading first; characters that are not Chinese stay as they are."""
    return ["".join(combo) for combo in islice(product(*_syllables(fold(name))), MAX_READINGS)]


def initials(name: str) -> list[str]:
    """The first letters of each syllable (``gx`` for 龚轩), one per combination of readings (a reading's first
    letter is pypinyin's ``FIRST_LETTER``)."""
    options = [tuple(dict.fromkeys(s[:1] for s in choices)) for choices in _syllables(fold(name))]
    return ["".join(combo) for combo in islice(product(*options), MAX_READINGS)]


def search_key(name: str, employers: Iterable[str] = ()) -> str:
    """The stored key: the name folded, its pinyin readings and initials, and each employer's name folded."""
    parts = [fold(name), *readings(name), *initials(name), *(fold(e) for e in employers)]
    unique = [p for p in dict.fromkeys(parts) if p]
    return (SEPARATOR + SEPARATOR.join(unique) + SEPARATOR)[:MAX_KEY]


def query_text(q: str) -> str:
    """What a query is matched as: folded the same way as the key (traditional → simplified, no spaces)."""
    return fold(q)
