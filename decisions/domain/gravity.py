"""How grave an item is, and what that asks of its panel. Pure: plain values in, decisions out."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

GRAVITY_FLAGS = ("wide_scope", "controversial", "complex", "sensitive")
MINIMUM_PANEL = 5
MINIMUM_GRAVE_PANEL = 7


def is_grave(flags: Mapping[str, Any]) -> bool:
    """涉及面广、争议较大、特别复杂或敏感: any one flag makes the item grave (R-PANEL-1)."""
    return any(bool(flags.get(name)) for name in GRAVITY_FLAGS)


def minimum_panel_size(flags: Mapping[str, Any]) -> int:
    """R-PANEL-1: at least 5 experts; at least 7 where the item is wide in scope, highly controversial,
    especially complex or sensitive (NMG-E art.9)."""
    return MINIMUM_GRAVE_PANEL if is_grave(flags) else MINIMUM_PANEL
