"""The commissioned organiser (R-PANEL-8, NMG-E art.14) and what it may do (R-COI-5, MH post-eval art.8; JY art.21).

Plain rules, no database: a commission's dates, whether it is in force on a day, the institution's refusals
(registry standing and conflicts, each with its rule id and explained path), the identity of an outside expert
the organiser hires, and the consent a subcontract needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from core.errors import FieldError

COMMISSION = "R-PANEL-8"
SUBCONTRACT = "R-COI-5"


def commission_dates_problem(starts_on: date, ends_on: date) -> FieldError | None:
    if ends_on < starts_on:
        return FieldError("ends_on", f"委托结束日期 {ends_on} 早于开始日期 {starts_on}", COMMISSION)
    return None


@dataclass(frozen=True)
class CommissionTerm:
    starts_on: date
    ends_on: date
    revoked_on: date | None = None
    revocation_reason: str = ""


def commission_closed_reason(term: CommissionTerm, today: date) -> str | None:
    """Why the organiser may not act for the commission today (R-PANEL-8); None while it is in force."""
    if term.revoked_on is not None:
        return f"委托已于 {term.revoked_on} 被委托单位撤销（理由：{term.revocation_reason}），组织机构账号不能再办理"
    if today < term.starts_on:
        return f"委托自 {term.starts_on} 起生效，此前组织机构账号不能办理"
    if today > term.ends_on:
        return f"委托已于 {term.ends_on} 期满，组织机构账号不能再办理"
    return None


def revocation_problem(reason: str, term: CommissionTerm) -> FieldError | None:
    if term.revoked_on is not None:
        return FieldError("reason", f"委托已于 {term.revoked_on} 撤销，不能再次撤销", COMMISSION)
    if len(reason.strip()) < 2:
        return FieldError("reason", "撤销委托须写明理由", COMMISSION)
    return None


@dataclass(frozen=True)
class Refusal:
    """One reason a party may not be commissioned or hired: the rule, the message, the explained path."""

    rule_id: str
    message: str
    explanation: str = ""


def party_refusals(field: str, registry: list[Refusal], conflicts: list[Refusal]) -> list[FieldError]:
    """The registry's reasons (standing in the pool, credit, appointment) and the conflicts found with the item,
    each as a field error with its rule id; the explanation of a conflict's path follows its message."""
    return [FieldError(field, f"{r.message}（{r.explanation}）" if r.explanation else r.message, r.rule_id)
            for r in [*registry, *conflicts]]


def outside_expert_identity_problems(expert_id: int | None, name: str, employer: str) -> list[FieldError]:
    """An outside expert is named by the registry's id, or by a person's name and employer (not both)."""
    if expert_id is not None and (name or employer):
        return [FieldError("expert_id", "请只填写专家编号，或只填写姓名和工作单位", SUBCONTRACT)]
    if expert_id is None:
        return [FieldError(field, f"未填写专家编号时须填写{label}", SUBCONTRACT)
                for field, label, value in (("name", "姓名", name), ("employer", "工作单位", employer)) if not value]
    return []


def subcontract_problem(may_subcontract: bool, institution_name: str) -> FieldError | None:
    """R-COI-5: no subcontract without the commissioning unit's consent given with the commission."""
    if not may_subcontract:
        return FieldError("may_subcontract", f"委托单位未同意转委托，{institution_name}不得将组织论证工作转委托他人",
                          SUBCONTRACT)
    return None
