"""Reading a registry row that belongs to one expert, and storing the reasons a rule gave."""

from __future__ import annotations

import json
from typing import Any

from piccolo.table import Table

from core.errors import not_found
from core.records import get_or_404
from registry.domain.eligibility import Reason


async def get_expert_record_or_404(table: type[Table], row_id: int, what: str, expert_id: int,
                                   field_name: str = "id"):
    """A record that belongs to one expert: another expert's record is as missing as a wrong id."""
    row = await get_or_404(table, row_id, what, field_name)
    if row.expert != expert_id:
        raise not_found(what, row_id, field_name)
    return row


def reasons_to_json(reasons: list[Reason]) -> list[dict]:
    return [{"rule_id": r.rule_id, "code": r.code, "message": r.message} for r in reasons]


def json_list(value: Any) -> list:
    """A JSON list column as a list. piccolo turns a JSON column's default (``[]``) into its text when the column
    is defined, so a row made in Python holds ``"[]"`` until it is read back with ``load_json``, and a row read
    without ``load_json`` holds its text on every engine: ``list("[]")`` was ``["[", "]"]`` (issue 13)."""
    if isinstance(value, (str, bytes)):
        value = json.loads(value or "[]")
    return list(value or [])


def json_map(value: Any) -> dict:
    """A JSON object column as a dict (see ``json_list``)."""
    if isinstance(value, (str, bytes)):
        value = json.loads(value or "{}")
    return dict(value or {})
