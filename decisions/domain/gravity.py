"""How grave an item is, and what that asks of its panel. Pure: plain values in, decisions out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
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


# --- changing the flags (issue 11) -----------------------------------------------------------------
FLAG_NAMES = {"wide_scope": "涉及面广", "controversial": "争议较大", "complex": "特别复杂", "sensitive": "敏感"}


@dataclass(frozen=True)
class DrawnPanel:
    """A panel of experts already drawn for the item: its request, the size asked for and its purpose."""

    request_id: int
    size: int
    purpose: str


@dataclass(frozen=True)
class GravityProblem:
    """Why a change of the flags is refused: ``kind`` "invalid" (422) or "conflict" (409)."""

    kind: str
    field: str
    reason: str
    rule_id: str = "R-PANEL-1"


@dataclass(frozen=True)
class GravityChange:
    """What a change of the flags does: each flag changed (old, new), the minimum panel before and after,
    and notes (a panel already drawn that is now below the minimum: said, never changed silently)."""

    changes: dict[str, tuple[bool, bool]]
    minimum_before: int
    minimum_after: int
    notes: tuple[str, ...] = ()
    problem: GravityProblem | None = None


def judge_gravity_change(current: Mapping[str, Any], wanted: Mapping[str, Any], reason: str,
                         drawn: Sequence[DrawnPanel]) -> GravityChange:
    """R-PANEL-1 and issue 11: a change of an item's gravity flags needs a reason; once a panel of experts has
    been drawn for the item, no flag may be cleared (a unit could otherwise clear "controversial" and ask 5
    instead of 7). Raising a flag is allowed; a panel drawn smaller than the new minimum is named in a note.
    ``wanted`` holds only the flags the caller sent (None: unchanged)."""
    changes = {name: (bool(current.get(name)), bool(wanted[name])) for name in GRAVITY_FLAGS
               if wanted.get(name) is not None and bool(wanted[name]) != bool(current.get(name))}
    before = minimum_panel_size(current)
    after = minimum_panel_size({name: changes.get(name, (False, bool(current.get(name))))[1]
                                for name in GRAVITY_FLAGS})
    if not changes:
        return GravityChange({}, before, before)
    if not reason.strip():
        return GravityChange(changes, before, after, problem=GravityProblem(
            "invalid", "reason", "改变事项的重大程度标记（" + "、".join(FLAG_NAMES[n] for n in changes)
            + "）须说明理由，理由将记入全过程记录"))
    lowered = [name for name, (old, new) in changes.items() if old and not new]
    if lowered and drawn:
        requests = "、".join(f"#{p.request_id}" for p in drawn)
        return GravityChange(changes, before, after, problem=GravityProblem(
            "conflict", lowered[0], f"该事项已抽取专家（抽取申请 {requests}），不得再取消"
            + "、".join(f"“{FLAG_NAMES[n]}”" for n in lowered) + f"标记：重大事项的论证专家不少于{before}人"))
    notes = tuple(f"抽取申请 #{p.request_id} 已抽取 {p.size} 名专家，少于现在的最低人数 {after} 人（R-PANEL-1）；"
                  "已抽取的名单未作改动，请政策法规处决定是否补充抽取或重新申请"
                  for p in drawn if p.size < after)
    return GravityChange(changes, before, after, notes)
