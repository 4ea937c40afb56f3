"""The exclusions of a draw as the panel record keeps them (issue 17): the stages a draw applies, and the filters a
reader may page them by (stage, rule id), refused in Chinese when they are not one."""

from __future__ import annotations

import re

from core.errors import FieldError

STAGES = ("registry", "conflict", "possible_conflict", "workload")
STAGE_NAMES = {"registry": "入库资格", "conflict": "利害关系回避", "possible_conflict": "可能的利害关系",
               "workload": "工作量上限"}
RULE_ID = re.compile(r"^(R-[A-Z]{2,8}-[0-9]{1,3}|WORKLOAD)$")  # R-COI-1, R-POOL-4 ...; WORKLOAD: the caps


def exclusion_filter_problems(stage: str | None, rule_id: str | None) -> list[FieldError]:
    """R-PANEL-2: a stage that is none of the draw's, or a rule id not of the form R-XXX-n, each with why."""
    problems = []
    if stage and stage not in STAGES:
        names = "、".join(f"{s}（{STAGE_NAMES[s]}）" for s in STAGES)
        problems.append(FieldError("stage", f"没有名为“{stage[:40]}”的排除环节；可选：{names}", "R-PANEL-2"))
    if rule_id and not RULE_ID.match(rule_id):
        problems.append(FieldError(
            "rule_id", f"“{rule_id[:40]}”不是规则编号（形如 R-COI-1，或 WORKLOAD 表示工作量上限）", "R-PANEL-2"))
    return problems
