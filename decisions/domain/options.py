"""Multi-option items (R-PANEL-6, NMG-E art.10): the options argued together, entered by the owning unit.

Plain rules, no database: the list is either empty (the item is argued as one proposal) or holds two to
``MAX_OPTIONS`` options, each with a label and a summary, no two labels alike.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.errors import FieldError

MAX_OPTIONS = 10
RULE = "R-PANEL-6"


@dataclass(frozen=True)
class Option:
    label: str
    summary: str


def _key(label: str) -> str:
    return "".join(label.split()).casefold()


def option_problems(options: list[Option]) -> list[FieldError]:
    """Every problem of the list at once (422 citing R-PANEL-6); empty when it may be stored."""
    problems: list[FieldError] = []
    if len(options) == 1:
        problems.append(FieldError("options", "多方案论证须至少有两个方案；只有一个方案时请留空", RULE))
    if len(options) > MAX_OPTIONS:
        problems.append(FieldError("options", f"一个事项最多登记 {MAX_OPTIONS} 个备选方案", RULE))
    seen: dict[str, int] = {}
    for n, option in enumerate(options):
        if not option.label.strip():
            problems.append(FieldError(f"options[{n}].label", "方案名称不能为空", RULE))
        elif _key(option.label) in seen:
            problems.append(FieldError(f"options[{n}].label",
                                       f"方案名称与第 {seen[_key(option.label)] + 1} 个方案重复", RULE))
        else:
            seen[_key(option.label)] = n
        if not option.summary.strip():
            problems.append(FieldError(f"options[{n}].summary", "方案概要不能为空", RULE))
    return problems
