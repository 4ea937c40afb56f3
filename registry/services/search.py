"""Experts' search keys (issue 13), written with the profile and its employments: ``GET /experts?q=`` then
compares the folded query with one stored column (``LIKE``) instead of computing pinyin per row per query."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from registry.domain.search import search_key
from registry.tables import Employment, Expert


async def refresh_search_keys(expert_ids: Iterable[int] | None = None) -> int:
    """Recompute the keys of ``expert_ids`` (every expert when None) from their names and current employers
    (employments without an end); inside the caller's unit of work when there is one. Returns how many."""
    query = Expert.select(Expert.id, Expert.name)
    jobs = Employment.select(Employment.expert, Employment.employer_name).where(Employment.end.is_null())
    if expert_ids is not None:
        ids = sorted(set(expert_ids)) or [-1]
        query, jobs = query.where(Expert.id.is_in(ids)), jobs.where(Employment.expert.is_in(ids))
    employers: dict[int, list[str]] = defaultdict(list)
    for row in await jobs.order_by(Employment.id):
        employers[row["expert"]].append(row["employer_name"])
    rows = await query
    for row in rows:
        await Expert.update({Expert.search_key: search_key(row["name"], employers[row["id"]])}).where(
            Expert.id == row["id"])
    return len(rows)
