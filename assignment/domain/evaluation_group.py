"""Mixed evaluation groups and the evaluation report (混合评估组、评估报告, R-EVAL-1, issue 14), pure.

A post-decision evaluation is done by one group that combines four parts (MH post-eval art.12; JY art.11): the
evaluating unit (评估单位), field experts drawn fairly with every conflict rule (a panel request of purpose
``post_evaluation`` for experts; R-COI-3 bars those who argued the decision before), named representatives of the
units involved, and third-party institutions drawn from the evaluator pool (R-COI-4). The group links the drawn
panels; a panel of another item, another purpose or the wrong kind is refused. The report carries the
conclusions, the recommendations and a finding per trigger; it is stored once, with its SHA-256.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from core.errors import FieldError
from decisions.domain.evaluation import TRIGGERS

RULE = "R-EVAL-1"
PURPOSE = "post_evaluation"

EVALUATING_UNIT, FIELD_EXPERTS = "evaluating_unit", "field_experts"
REPRESENTATIVES, INSTITUTIONS = "unit_representatives", "third_party_institutions"
PARTS: dict[str, str] = {
    EVALUATING_UNIT: "评估单位",
    FIELD_EXPERTS: "领域专家（按决策后评估抽取）",
    REPRESENTATIVES: "相关单位代表",
    INSTITUTIONS: "第三方评估机构（从评估机构库抽取）",
}
# the request body's field that supplies each part
PART_FIELDS: dict[str, str] = {EVALUATING_UNIT: "evaluating_unit_id", FIELD_EXPERTS: "expert_request_id",
                               REPRESENTATIVES: "representatives", INSTITUTIONS: "institution_request_id"}


@dataclass(frozen=True)
class Composition:
    """How many of each part the group has (members of a panel: the seats held, pending or accepted)."""

    evaluating_unit: bool
    field_experts: int
    representatives: int
    institutions: int


def missing_parts(c: Composition) -> list[FieldError]:
    """Each part of the mixed group that is missing (empty: the group is complete, R-EVAL-1)."""
    counts = {EVALUATING_UNIT: int(c.evaluating_unit), FIELD_EXPERTS: c.field_experts,
              REPRESENTATIVES: c.representatives, INSTITUTIONS: c.institutions}
    return [FieldError(PART_FIELDS[part], f"评估组缺少“{PARTS[part]}”：决策后评估组须由评估单位、领域专家、"
                                          "相关单位代表和第三方评估机构共同组成", RULE)
            for part, count in counts.items() if count < 1]


@dataclass(frozen=True)
class LinkedPanel:
    """A panel request named as one part of the group, as stored."""

    request_id: int
    item_id: int
    purpose: str
    subject_kind: str
    status: str


def panel_problem(field: str, panel: LinkedPanel, item_id: int, kind: str) -> FieldError | None:
    """Why the panel request cannot be this part of the item's group (None: it can)."""
    what = "专家" if kind == "expert" else "第三方评估机构"
    if panel.item_id != item_id:
        return FieldError(field, f"抽取请求 {panel.request_id} 属于另一决策事项（{panel.item_id}），"
                                 f"不能作为本事项评估组的{what}", RULE)
    if panel.purpose != PURPOSE:
        return FieldError(field, f"抽取请求 {panel.request_id} 的用途不是决策后评估（{panel.purpose}）："
                                 "评估组的成员须按决策后评估抽取，以适用 R-COI-3 等回避规则", RULE)
    if panel.subject_kind != kind:
        return FieldError(field, f"抽取请求 {panel.request_id} 抽取的不是{what}", RULE)
    if panel.status == "cancelled":
        return FieldError(field, f"抽取请求 {panel.request_id} 已撤销", RULE)
    return None


def representatives_problems(reps: list[tuple[str, str, str]]) -> list[FieldError]:
    """The named representatives (name, unit, role): nobody named twice for the same unit."""
    seen: set[tuple[str, str]] = set()
    problems = []
    for n, (name, unit, _role) in enumerate(reps):
        key = (name.strip(), unit.strip())
        if key in seen:
            problems.append(FieldError(f"representatives[{n}]", f"{unit} 的 {name} 已列入评估组", RULE))
        seen.add(key)
    return problems


# --- the evaluation report (评估报告) -------------------------------------------------------------------------
REPORT_RULE = "R-EVAL-2"


def findings_problems(trigger: str, finding_triggers: list[str]) -> list[FieldError]:
    """The per-trigger findings: known triggers, each once, and one for the trigger the evaluation opened on."""
    problems = []
    seen: set[str] = set()
    for n, t in enumerate(finding_triggers):
        field = f"findings[{n}].trigger"
        if t not in TRIGGERS:
            problems.append(FieldError(field, f"未知的评估启动情形 {t}；可选：{'、'.join(TRIGGERS)}", REPORT_RULE))
        elif t in seen:
            problems.append(FieldError(field, f"启动情形“{TRIGGERS[t]}”的评估发现重复填写", REPORT_RULE))
        seen.add(t)
    if trigger not in seen:
        problems.append(FieldError("findings", f"请就本次评估的启动情形“{TRIGGERS.get(trigger, trigger)}”"
                                               "写明评估发现", REPORT_RULE))
    return problems


def may_file_report(role: str, unit_id: int | None, evaluating_unit_id: int) -> bool:
    """Only the group's evaluating unit and the office file the report."""
    return role == "office" or (role == "unit" and unit_id == evaluating_unit_id)


def report_digest(content: dict[str, Any]) -> str:
    """SHA-256 of the report's content as canonical JSON (sorted keys, no spaces, UTF-8)."""
    text = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def conclusion_problem(evaluation_id: int, has_group: bool, has_report: bool) -> FieldError | None:
    """An evaluation done by a mixed group is concluded by the group's report (R-EVAL-1); one without a group may
    still be concluded with a plain summary (None: it may be concluded)."""
    if has_group and not has_report:
        return FieldError("evaluation_id", f"决策后评估 {evaluation_id} 已组成评估组，须由评估组提交评估报告"
                                           "（POST /items/{id}/evaluation-report）后方可结束", RULE)
    return None
