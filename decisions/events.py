"""Domain events of decision items, emitted inside the unit of work that makes the change."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ItemRegistered:
    item_id: int


@dataclass(frozen=True)
class ItemChanged:
    item_id: int
