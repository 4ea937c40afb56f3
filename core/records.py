"""Reading stored rows, shared by every capability."""

from __future__ import annotations

from typing import Any, cast

from piccolo.table import Table

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
