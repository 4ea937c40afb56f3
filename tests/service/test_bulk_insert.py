"""core.bulk.insert_many: the same rows whatever the path (issue 17): a few rows in one INSERT, many rows in
batched INSERTs, or (PostgreSQL, inside a transaction, from ``COPY_FROM`` rows) one COPY; JSON dumped, defaults
filled, ids growing in the rows' order (the graph's change log depends on it)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from conflicts.tables import NameMatchTask
from core.bulk import COPY_FROM, insert_many
from core.uow import write_transaction

AT = datetime(2026, 11, 26, 8, 30, tzinfo=UTC)


@pytest.mark.parametrize("count", [3, COPY_FROM + 50])
@pytest.mark.parametrize("in_transaction", [False, True])
def test_rows_are_stored_alike_by_every_path(count, in_transaction):
    marker = f"bulk-{count}-{in_transaction}"
    rows = [{"source": "employment", "record_id": n, "text": f"{marker} 某单位{n}",
             "candidates": [{"institution_id": n, "name": f"机构{n}", "score": 90.5}], "created_at": AT}
            for n in range(count)]

    async def run() -> list[dict]:
        if in_transaction:
            async with write_transaction():
                await insert_many(NameMatchTask, rows)
        else:
            await insert_many(NameMatchTask, rows)
        return await NameMatchTask.select().where(NameMatchTask.text.like(f"{marker} %")).order_by(
            NameMatchTask.id).output(load_json=True)
    stored = asyncio.run(run())
    assert [r["record_id"] for r in stored] == list(range(count))  # ids grow in the rows' order
    assert stored[-1]["candidates"] == [{"institution_id": count - 1, "name": f"机构{count - 1}", "score": 90.5}]
    assert {r["status"] for r in stored} == {"open"} and {r["note"] for r in stored} == {""}  # defaults
    assert {r["created_at"] for r in stored} == {AT} and all(r["decided_at"] is None for r in stored)
