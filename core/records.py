"""Reading stored rows, shared by every capability."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, cast

import aiosqlite
from piccolo.engine.sqlite import dict_factory
from piccolo.querystring import QueryString
from piccolo.table import Table

from core.db import current_engine
from core.errors import not_found


async def get_or_404(table: type[Table], row_id: int, what: str, field_name: str = "id") -> Any:
    """The row as an object (JSON columns decoded), or a 404 naming the field."""
    row = await table.objects().where(table._meta.primary_key == row_id).output(load_json=True).first()
    if row is None:
        raise not_found(what, row_id, field_name)
    return row


async def stored(table: type[Table], row_id: int) -> dict:
    """A row as stored (JSON columns decoded), read back after a write (so it is there)."""
    return cast(dict, await table.select().where(table._meta.primary_key == row_id).output(load_json=True).first())


ID_LIST_LIMIT = 500  # longer lists are not sent as query parameters (see rows_for)


async def plain_rows(query: Any) -> Sequence[Any]:
    """The rows of a piccolo select as the driver gives them (asyncpg ``Record``, ``sqlite3.Row``: read by column
    name like a dict), without piccolo's conversion of every row to a dict: a draw over a national pool reads
    some 100,000 rows, and the conversion was most of their cost (issue 17). For plain columns only (numbers,
    text, dates): JSON is not decoded here."""
    engine: Any = query.table._meta.db
    sql, args = query.querystrings[0].compile_string(engine_type=engine.engine_type)
    return await _run_plain(engine, sql, list(args))


class Statement:
    """A select asked on every request (the graph's change log, a login, a check's records), compiled to SQL once
    per engine and then run with its new values through the driver (``plain_rows``' rows): piccolo builds and
    compiles a query object each time, about a third of a short read's cost. ``build(*values)`` makes the query
    (a piccolo select, or a ``QueryString`` of raw SQL with ``{}`` placeholders) whose parameters are ``values``
    in that order; when they are not, it is compiled on every call instead."""

    def __init__(self, build: Callable[..., Any]) -> None:
        self.build = build
        self.compiled: dict[str, str] = {}

    async def rows(self, *values: Any) -> Sequence[Any]:
        engine: Any = current_engine()
        sql = self.compiled.get(engine.engine_type)
        if sql is None:
            made = self.build(*values)
            querystring = made if isinstance(made, QueryString) else made.querystrings[0]
            sql, args = querystring.compile_string(engine_type=engine.engine_type)
            if list(args) == list(values):
                self.compiled[engine.engine_type] = sql
            else:
                return await _run_plain(engine, sql, list(args))
        return await _run_plain(engine, sql, list(values))


async def _run_plain(engine: Any, sql: str, args: list[Any]) -> Sequence[Any]:
    transaction = engine.current_transaction.get()
    if engine.engine_type == "postgres":
        if transaction is not None:
            return cast(Sequence, await transaction.connection.fetch(sql, *args))
        if engine.pool is not None:
            async with engine.pool.acquire() as connection:
                return cast(Sequence, await connection.fetch(sql, *args))
        connection = await engine.get_new_connection()
        try:
            return cast(Sequence, await connection.fetch(sql, *args))
        finally:
            await connection.close()
    if transaction is not None:
        connection = transaction.connection
        connection.row_factory = sqlite3.Row
        try:
            async with connection.execute(sql, args) as cursor:
                return cast(Sequence, await cursor.fetchall())
        finally:
            connection.row_factory = dict_factory  # as piccolo sets it for every query of its own
    async with aiosqlite.connect(**engine.connection_kwargs) as connection:
        connection.row_factory = sqlite3.Row
        async with connection.execute(sql, args) as cursor:
            return cast(Sequence, await cursor.fetchall())


async def rows_for(query: Any, column: Any, ids: Iterable[int]) -> list[dict]:
    """The rows of ``query`` (a select that returns ``column``) whose ``column`` is one of ``ids``.

    A short list becomes ``column IN (...)``. A long one (a draw over a national pool names tens of thousands)
    is not sent at all: PostgreSQL takes at most 32,767 parameters per statement and piccolo converts each one
    (seconds at 50,000); the rows are read whole and kept here by a set lookup instead."""
    wanted = set(ids)
    if not wanted:
        return []
    if len(wanted) <= ID_LIST_LIMIT:
        return cast(list, await query.where(column.is_in(sorted(wanted))))
    name = column._meta.name
    return [row for row in await query if row[name] in wanted]


async def rows_within(query: Any, column: Any, ids: Iterable[int]) -> list[dict]:
    """The rows of ``query`` whose ``column`` is one of ``ids``, read by the ids' range (two parameters) and kept
    by a set lookup: for a batch of neighbouring ids (a whole-pool job walks the pool in id order, issue 17)."""
    wanted = set(ids)
    if not wanted:
        return []
    name = column._meta.name
    rows = await query.where((column >= min(wanted)) & (column <= max(wanted)))
    return [row for row in rows if row[name] in wanted]


async def read_together(*reads: Awaitable[Any]) -> list[Any]:
    """Independent reads at once, each on its own connection (PostgreSQL: the server works on one while Python
    converts another's rows, issue 17); one after the other inside a transaction, whose single connection takes
    one statement at a time, and on SQLite, where each read is a thread of this process converting its rows
    under the interpreter's lock (at once they took 1.3 s of a draw instead of 0.9)."""
    engine: Any = current_engine()
    if engine.engine_type != "postgres" or engine.current_transaction.get() is not None:
        return [await read for read in reads]
    return list(await asyncio.gather(*reads))
