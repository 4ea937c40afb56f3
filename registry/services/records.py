"""Reading a registry row that belongs to one expert, and storing the reasons a rule gave."""

from __future__ import annotations

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
