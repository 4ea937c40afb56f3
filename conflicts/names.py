"""Matching free-text names of institutions to canonical records (rapidfuzz after normalising).

"浙大", "浙江大學", "浙江大学（玉泉校区）", "XX有限责任公司" all reach the same key or alias. A sure
match links; an unsure one goes to a person to confirm, and until then a check reports a possible
conflict instead of passing the candidate silently.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

import zhconv
from rapidfuzz import fuzz

# Longest first, so 股份有限公司 is removed whole rather than leaving 股份.
LEGAL_FORMS = ("股份有限公司", "有限责任公司", "集团有限公司", "有限公司", "股份公司", "集团公司", "公司")
_BRACKETED = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_SPACE = re.compile(r"\s+")

SURE_SCORE = 97.0  # a fuzzy (non-exact) match links by itself only when nearly identical
# Below this score a guess is no match at all: no edge, not even a possible conflict; the name waits for
# the office as unmatched (its best guesses are shown as suggestions only). At or above it and below
# SURE_SCORE, the guess is an unconfirmed edge: a possible conflict until a person decides. "浙江大学" →
# "福建科技大学" scores 40 (two characters of ten in common) and must never block a draw.
POSSIBLE_SCORE = 75.0
UNSURE_SCORE = POSSIBLE_SCORE


def normalise(text: str) -> str:
    """A comparison key: simplified characters, half-width, no brackets, spaces or legal form."""
    key = unicodedata.normalize("NFKC", text)  # full-width letters, digits and brackets → half-width
    key = zhconv.convert(key, "zh-cn")
    key = key.replace("【", "[").replace("】", "]").replace("〔", "(").replace("〕", ")")
    key = _BRACKETED.sub("", key)
    key = _SPACE.sub("", key).lower()
    for form in LEGAL_FORMS:
        if key.endswith(form) and len(key) > len(form) + 1:
            key = key[: -len(form)] + ("集团" if form.startswith("集团") else "")
            break
    return key


def _bigrams(key: str) -> set[str]:
    return {key[i:i + 2] for i in range(len(key) - 1)} or {key}


class MatchStatus(str, Enum):
    SURE = "sure"
    UNSURE = "unsure"  # queued for a person to confirm
    NONE = "none"


@dataclass(frozen=True)
class Match:
    text: str
    institution_id: int | None
    score: float
    status: MatchStatus
    alternatives: tuple[tuple[int, float], ...] = ()


class InstitutionMatcher:
    """An index over canonical names and aliases; built once, then updated as institutions change."""

    def __init__(self) -> None:
        self._by_key: dict[str, set[int]] = defaultdict(set)
        self._keys: dict[int, set[str]] = defaultdict(set)
        self._by_bigram: dict[str, set[str]] = defaultdict(set)

    def add(self, institution_id: int, name: str, aliases: Iterable[str] = ()) -> None:
        for text in (name, *aliases):
            key = normalise(text)
            if not key:
                continue
            self._by_key[key].add(institution_id)
            self._keys[institution_id].add(key)
            for gram in _bigrams(key):
                self._by_bigram[gram].add(key)

    def remove(self, institution_id: int) -> None:
        for key in self._keys.pop(institution_id, set()):
            self._by_key[key].discard(institution_id)
            if not self._by_key[key]:
                del self._by_key[key]
                for gram in _bigrams(key):
                    self._by_bigram[gram].discard(key)

    def score(self, text: str, institution_id: int) -> float:
        """How well ``text`` matches this one institution's names (100: the same key)."""
        key = normalise(text)
        return max((100.0 if k == key else fuzz.ratio(key, k) for k in self._keys.get(institution_id, ())),
                   default=0.0)

    def match(self, text: str, shortlist: int = 40) -> Match:
        key = normalise(text)
        exact = self._by_key.get(key)
        if exact:
            if len(exact) == 1:
                return Match(text, next(iter(exact)), 100.0, MatchStatus.SURE)
            ids = sorted(exact)  # an alias shared by several institutions: a person decides
            return Match(text, ids[0], 100.0, MatchStatus.UNSURE, tuple((i, 100.0) for i in ids))
        # Block: only keys sharing character pairs with the text are scored.
        shared = Counter(k for gram in _bigrams(key) for k in self._by_bigram.get(gram, ()))
        scored = sorted(((fuzz.ratio(key, k), k) for k, _ in shared.most_common(shortlist)), reverse=True)
        ranked: list[tuple[int, float]] = []
        for score, k in scored:
            for inst in sorted(self._by_key[k]):
                if all(inst != r[0] for r in ranked):
                    ranked.append((inst, score))
        if not ranked or ranked[0][1] < UNSURE_SCORE:
            return Match(text, None, ranked[0][1] if ranked else 0.0, MatchStatus.NONE, tuple(ranked[:3]))
        best_id, best = ranked[0]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        status = MatchStatus.SURE if best >= SURE_SCORE and best - runner_up >= 3 else MatchStatus.UNSURE
        return Match(text, best_id, best, status, tuple(ranked[:3]))
