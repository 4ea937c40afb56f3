"""core.records.rows_for: the same rows whether the ids go to the database as a list or are kept in Python
(issue 17: a draw over a national pool names tens of thousands of ids; PostgreSQL takes at most 32,767
parameters per statement)."""

from __future__ import annotations

import asyncio
import itertools

import pytest

import core.records
from core.records import rows_for
from registry.tables import Institution

_NUMBERS = itertools.count()  # the module's tests share one database, and uscc is unique


def _institutions(n: int) -> list[int]:
    async def make() -> list[int]:
        rows = [Institution(name=f"测试机构{i}", kind="enterprise", uscc=f"ROWSFOR{next(_NUMBERS):05d}",
                            region="浙江省", credit_status="normal") for i in range(n)]
        await Institution.insert(*rows)
        return [row.id for row in rows]
    return asyncio.run(make())


@pytest.mark.parametrize("limit", [1000, 3])
def test_rows_for_answers_the_same_rows_for_short_and_long_lists(monkeypatch, limit):
    ids = _institutions(12)
    wanted = ids[1::2] + [10**9]  # six stored ids and one that does not exist
    monkeypatch.setattr(core.records, "ID_LIST_LIMIT", limit)
    rows = asyncio.run(rows_for(Institution.select(Institution.id, Institution.name), Institution.id, wanted))
    assert sorted(r["id"] for r in rows) == sorted(ids[1::2])
    assert asyncio.run(rows_for(Institution.select(), Institution.id, [])) == []


def test_more_ids_than_postgresql_takes_as_parameters():
    ids = _institutions(3)
    many = list(range(10**8, 10**8 + 40_000)) + ids  # 40,003 ids: beyond 32,767 parameters
    rows = asyncio.run(rows_for(Institution.select(Institution.id), Institution.id, many))
    assert sorted(r["id"] for r in rows) == sorted(ids)
