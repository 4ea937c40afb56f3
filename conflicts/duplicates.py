"""Flag likely duplicate expert records: normalise, block on shared keys, score each pair in a block.

Not all-pairs: two records are compared only when they share a blocking key (normalised name, ID
number digest, phone or e-mail), so the work grows with the records, not their square.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations

import zhconv
from rapidfuzz import fuzz


@dataclass(frozen=True)
class PersonRecord:
    id: int
    name: str
    id_key: str  # the ID number, or its keyed digest: only equality is used
    phone: str
    email: str
    birth_year: int | None = None
    employer: str = ""  # current employer as a normalised key


@dataclass(frozen=True)
class DuplicateFlag:
    first: int
    second: int
    score: float
    reasons: tuple[str, ...]


def normalised_name(name: str) -> str:
    """A person's name as compared: no spaces, simplified characters."""
    return zhconv.convert("".join(name.split()), "zh-cn")


person_key = lru_cache(maxsize=65_536)(normalised_name)  # the same, remembered for names seen again


def _score(a: PersonRecord, b: PersonRecord) -> tuple[float, tuple[str, ...]]:
    reasons = []
    same_name = person_key(a.name) == person_key(b.name)
    if a.id_key and a.id_key == b.id_key:
        return 100.0, ("身份证号相同",)
    name_similarity = 100.0 if same_name else fuzz.ratio(person_key(a.name), person_key(b.name))
    score = 0.0
    if same_name:
        reasons.append("规范化后姓名相同")
        score += 50
    elif name_similarity >= 60:
        reasons.append(f"姓名相近（相似度 {name_similarity:.0f}）")
        score += 25
    if a.phone and a.phone == b.phone:
        reasons.append("手机号相同")
        score += 35
    if a.email and a.email.lower() == b.email.lower():
        reasons.append("电子邮箱相同")
        score += 35
    if a.employer and a.employer == b.employer:
        reasons.append("现工作单位相同")
        score += 30
    if a.birth_year and a.birth_year == b.birth_year:
        score += 5
    return min(score, 99.0), tuple(reasons)


def flag_duplicates(records: list[PersonRecord], threshold: float = 80.0, max_block: int = 200) -> list[DuplicateFlag]:
    blocks: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, r in enumerate(records):
        blocks[("name", person_key(r.name))].append(i)
        if r.id_key:
            blocks[("id", r.id_key)].append(i)
        if r.phone:
            blocks[("phone", r.phone)].append(i)
        if r.email:
            blocks[("email", r.email.lower())].append(i)
    seen: set[tuple[int, int]] = set()
    flags = []
    for members in blocks.values():
        if len(members) < 2 or len(members) > max_block:  # a huge block is a common name: other keys decide
            continue
        for i, j in combinations(members, 2):
            pair = (min(records[i].id, records[j].id), max(records[i].id, records[j].id))
            if pair in seen:
                continue
            seen.add(pair)
            score, reasons = _score(records[i], records[j])
            if score >= threshold:
                flags.append(DuplicateFlag(pair[0], pair[1], score, reasons))
    return sorted(flags, key=lambda f: (-f.score, f.first, f.second))


def duplicates_of(new: PersonRecord, others: list[PersonRecord], threshold: float = 80.0) -> list[DuplicateFlag]:
    """Flags for one record entered now, against the records that share a blocking key with it."""
    flags = []
    for other in others:
        if other.id == new.id:
            continue
        score, reasons = _score(new, other)
        if score >= threshold:
            flags.append(DuplicateFlag(min(new.id, other.id), max(new.id, other.id), score, reasons))
    return sorted(flags, key=lambda f: -f.score)
