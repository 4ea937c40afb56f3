"""Batched INSERTs for many rows (a spreadsheet import, issue 16), without a piccolo ``Table`` instance per row.

``Table.insert(*rows)`` builds an object and converts every value of every row in Python (about 0.1 ms a row);
an import of 50,000 experts writes some 300,000 rows. Here each row is a plain dict of column name → value (a
column left out takes its default, as a new instance would), values go to the driver as they are (dates, times,
numbers, text; JSON columns dumped), a few hundred rows per statement within both engines' parameter limits
(PostgreSQL: 32,767). Plain SQL (``INSERT ... VALUES ..., ... RETURNING``) that SQLite 3.35+ and PostgreSQL both
take. Inside a transaction (a unit of work) the statements go to the transaction's own connection through the
driver (``?`` for SQLite, ``$n`` for asyncpg), skipping piccolo's per-parameter processing; outside one, through
``Table.raw``."""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from typing import Any

from piccolo.columns import JSON, JSONB, Column
from piccolo.columns.defaults.base import Default
from piccolo.engine.sqlite import dict_factory
from piccolo.table import Table
from piccolo.utils.encoding import dump_json

MAX_PARAMETERS = 30_000
MAX_ROWS = 1_000
COPY_FROM = 100  # rows: below it one INSERT is cheaper (asyncpg's COPY first asks the table's column types)


def _default(column: Column) -> Any:
    value = column.get_default_value()
    return value.python() if isinstance(value, Default) else value


async def insert_many(table: type[Table], rows: Sequence[dict[str, Any]],
                      returning: Sequence[Column] = ()) -> list[dict[str, Any]]:
    """Insert ``rows`` (dicts by column name), in order (serial ids grow with it); the ``returning`` columns of the
    rows inserted, in the order the database gives them (match them on a unique column, not by position)."""
    if not rows:
        return []
    columns = [c for c in table._meta.columns if not c._meta.primary_key]
    given = set().union(*(row.keys() for row in rows))
    unknown = given - {c._meta.name for c in columns}
    if unknown:
        raise ValueError(f"{table._meta.tablename} has no column {sorted(unknown)}")
    defaults = {c._meta.name: _default(c) for c in columns}
    json_columns = {c._meta.name for c in columns if isinstance(c, (JSON, JSONB))}
    names = [c._meta.name for c in columns]
    head = f"INSERT INTO {table._meta.get_formatted_tablename()} (" \
           + ",".join(f'"{c._meta.db_column_name}"' for c in columns) + ") VALUES "
    tail = " RETURNING " + ",".join(f'"{c._meta.db_column_name}"' for c in returning) if returning else ""
    def values_of(row: dict[str, Any]) -> list[Any]:
        values = []
        for name in names:
            value = row.get(name, defaults[name])
            if isinstance(value, Enum):
                value = value.value
            elif name in json_columns and value is not None and not isinstance(value, str):
                value = dump_json(value)
            values.append(value)
        return values

    if not returning and len(rows) >= COPY_FROM and (connection := _copy_connection(table)) is not None:
        # PostgreSQL inside a transaction: one COPY instead of statements of a few hundred rows (a 50,000-expert
        # draw writes its thousands of exclusion rows in a tenth of the time, issue 17)
        await connection.copy_records_to_table(
            table._meta.tablename, columns=[c._meta.db_column_name for c in columns],
            records=[tuple(values_of(row)) for row in rows])
        return []
    per_statement = max(1, min(MAX_ROWS, MAX_PARAMETERS // len(columns)))
    out: list[dict[str, Any]] = []
    for start in range(0, len(rows), per_statement):
        batch = rows[start:start + per_statement]
        values: list[Any] = []
        for row in batch:
            values.extend(values_of(row))
        result = await _run(table, head, len(columns), len(batch), tail, values)
        if returning:
            out.extend(result)
    return out


def _copy_connection(table: type[Table]) -> Any:
    """The asyncpg connection of the PostgreSQL transaction in progress, or None (SQLite, or no transaction)."""
    engine: Any = table._meta.db
    if engine.engine_type != "postgres":
        return None
    transaction = engine.current_transaction.get()
    return transaction.connection if transaction is not None else None


async def _run(table: type[Table], head: str, width: int, count: int, tail: str, values: list[Any]) -> list[dict]:
    engine: Any = table._meta.db
    transaction = engine.current_transaction.get()
    if transaction is None:
        row = "(" + ",".join(["{}"] * width) + ")"
        return list(await table.raw(head + ",".join([row] * count) + tail, *values))
    if engine.engine_type == "sqlite":
        row = "(" + ",".join(["?"] * width) + ")"
        connection = transaction.connection
        connection.row_factory = dict_factory
        async with connection.execute(head + ",".join([row] * count) + tail, values) as cursor:
            return list(await cursor.fetchall())
    rows = ",".join("(" + ",".join(f"${n * width + i + 1}" for i in range(width)) + ")" for n in range(count))
    return [dict(r) for r in await transaction.connection.fetch(head + rows + tail, *values)]
