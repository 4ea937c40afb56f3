"""Request and response bodies of decision items. Unknown fields are refused, never dropped."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from msgspec import Meta, Struct

from registry.schemas import Input


class ItemCreate(Input, kw_only=True):
    title: Annotated[str, Meta(min_length=1, max_length=300)]
    opened_on: date
    drafting_unit_id: int | None = None
    specialty_codes: list[str] = []
    wide_scope: bool = False
    controversial: bool = False
    complex: bool = False
    sensitive: bool = False


class ItemUpdate(Input, kw_only=True):
    decided_on: date | None = None
    wide_scope: bool | None = None
    controversial: bool | None = None
    complex: bool | None = None
    sensitive: bool | None = None


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


