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


def test_plain_rows_are_the_rows_piccolo_gives():
    """``plain_rows`` reads through the driver (no dict per row): the same rows, read by column name, on both
    engines."""
    from core.records import plain_rows

    ids = _institutions(8)
    query = Institution.select(Institution.id, Institution.name, Institution.region).where(
        Institution.id.is_in(ids[::2]))
    dicts = asyncio.run(_awaited(query))
    plain = asyncio.run(plain_rows(query))
    assert sorted((r["id"], r["name"], r["region"]) for r in plain) == sorted(
        (r["id"], r["name"], r["region"]) for r in dicts)
    assert sorted(r["id"] for r in plain) == sorted(ids[::2])


async def _awaited(query):
    return await query


def test_plain_rows_inside_a_transaction_see_its_writes_and_leave_piccolo_working():
    """Inside a unit of work the plain read goes to the transaction's own connection (it sees what the
    transaction wrote), and piccolo's own queries after it still answer dicts."""
    from core.records import plain_rows
    from core.uow import write_transaction

    async def run() -> tuple[list, dict | None]:
        async with write_transaction():
            row = Institution(name="事务内机构", kind="enterprise", uscc=f"ROWSFOR{next(_NUMBERS):05d}",
                              region="浙江省", credit_status="normal")
            await Institution.insert(row)
            seen = await plain_rows(Institution.select(Institution.id, Institution.name).where(
                Institution.id == row.id))
            after = await Institution.select(Institution.id, Institution.name).where(Institution.id == row.id).first()
            return [(r["id"], r["name"]) for r in seen], after
    seen, after = asyncio.run(run())
    assert seen == [(after["id"], "事务内机构")] and isinstance(after, dict)


@pytest.mark.parametrize("in_transaction", [False, True])
def test_reads_together_answer_in_order_inside_and_outside_a_transaction(in_transaction):
    """``read_together``: at once on their own connections outside a transaction; inside one, one after the other
    on its connection (which takes one statement at a time); the answers in the order asked either way."""
    from core.records import plain_rows, read_together
    from core.uow import write_transaction

    ids = _institutions(3)

    def one(i: int):
        return plain_rows(Institution.select(Institution.id).where(Institution.id == i))

    async def run() -> list:
        if in_transaction:
            async with write_transaction():
                return await read_together(*(one(i) for i in ids), Institution.count().where(Institution.id.is_in(ids)))
        return await read_together(*(one(i) for i in ids), Institution.count().where(Institution.id.is_in(ids)))
    *rows, count = asyncio.run(run())
    assert [[r["id"] for r in found] for found in rows] == [[i] for i in ids] and count == 3


def test_a_statement_compiled_once_answers_for_new_values_on_both_engines():
    """``core.records.Statement``: compiled at its first call, then run with other values; a raw ``QueryString``
    the same way; a query whose parameters are not the values given is compiled again each time (never wrong)."""
    from piccolo.querystring import QueryString

    from core.records import Statement

    ids = _institutions(3)
    by_id = Statement(lambda i: Institution.select(Institution.id, Institution.name).where(Institution.id == i))
    raw = Statement(lambda i: QueryString(
        f"SELECT id FROM {Institution._meta.get_formatted_tablename()} WHERE id = {{}}", i))
    shifted = Statement(lambda i: Institution.select(Institution.id).where(Institution.id == i + 1))

    async def run() -> list:
        return [[r["id"] for r in await by_id.rows(i)] for i in ids] + [
            [r["id"] for r in await raw.rows(i)] for i in ids] + [[r["id"] for r in await shifted.rows(ids[0])],
                                                                  [r["id"] for r in await shifted.rows(ids[1])]]
    assert asyncio.run(run()) == [[i] for i in ids] * 2 + [[ids[1]], [ids[2]]]
    assert by_id.compiled and raw.compiled and not shifted.compiled
