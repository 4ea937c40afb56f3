"""Request and response bodies of decision items. Unknown fields are refused, never dropped.

The title is one line (it becomes an e-mail subject), the specialty codes a bounded list (issue 12);
the service stores the title stripped and refuses dates out of range.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from msgspec import Meta, Struct

from core.schemas import MAX_LIST, Code, Flag, Input, Note, Title


class ItemCreate(Input, kw_only=True):
    title: Title
    opened_on: date
    drafting_unit_id: int | None = None
    specialty_codes: Annotated[list[Code], Meta(max_length=MAX_LIST)] = []
    wide_scope: Flag = False
    controversial: Flag = False
    complex: Flag = False
    sensitive: Flag = False


class ItemUpdate(Input, kw_only=True):
    decided_on: date | None = None
    wide_scope: Flag | None = None
    controversial: Flag | None = None
    complex: Flag | None = None
    sensitive: Flag | None = None
    reason: Note | None = None  # required when a gravity flag changes (issue 11, R-PANEL-1); kept on the record


class ItemOut(Struct):
    id: int
    title: str
    drafting_unit_id: int | None
    specialty_codes: list[str]
    wide_scope: bool
    controversial: bool
    complex: bool
    sensitive: bool
    opened_on: date
    decided_on: date | None
    minimum_panel_size: int  # R-PANEL-1
    notes: list[str] = []  # after a change: a panel already drawn below the new minimum (said, not changed)


