"""Third-party evaluation institution pool (第三方评估机构库). R-POOL-8: SY 三(一)1, 三(一)4; JY art.22.

An institution caught cheating in an evaluation is blacklisted for good: its credit is never restored
and it is never admitted or commissioned again. A government body (党政机关) is no third party: it is
never independent of the evaluation object (R-COI-4, SY 三(一)2) and never in the pool.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.errors import conflict, invalid
from registry.domain.eligibility import Reason
from registry.domain.refusals import duplicate
from registry.domain.vocab import CreditStatus, DiscreditKind, InstitutionKind, LabelledEnum


class StaffCompetence(LabelledEnum):
    """JY art.22: staff versed in law, policy, administration and evaluation methods."""

    LAW = "law", "法律"
    POLICY = "policy", "政策"
    ADMINISTRATION = "administration", "行政管理"
    EVALUATION_METHODS = "evaluation_methods", "评估方法"


@dataclass(frozen=True)
class PoolApplication:
    credit_status: CreditStatus
    has_facilities: bool
    staff_competences: set[StaffCompetence]
    blacklisted: bool


def admission_refusals(app: PoolApplication) -> list[Reason]:
    """Why an institution may not join the pool; empty when it may."""
    reasons: list[Reason] = []
    if app.blacklisted:
        reasons.append(Reason("R-POOL-8", "blacklisted", "该机构曾在评估中弄虚作假，不再委托"))
    if app.credit_status is not CreditStatus.GOOD:
        reasons.append(Reason("R-POOL-8", "credit", f"信用状况为「{app.credit_status.label}」，须信用良好"))
    if not app.has_facilities:
        reasons.append(Reason("R-POOL-8", "facilities", "不具备开展评估所需的设施条件"))
    missing = [c.label for c in StaffCompetence if c not in app.staff_competences]
    if missing:
        reasons.append(Reason("R-POOL-8", "staff", "缺少熟悉" + "、".join(missing) + "的专业人员"))
    return reasons


GOVERNMENT_BODY_MESSAGE = "党政机关不是第三方，不能独立于评估对象，不得进入第三方评估机构库"


def check_may_apply(kind: InstitutionKind, blacklisted: bool) -> None:
    """Who may not even apply to the pool: a government body (422, R-COI-4) and a blacklisted
    institution (409, R-POOL-8: never commissioned again)."""
    if kind is InstitutionKind.GOVERNMENT_BODY:
        raise invalid("kind", GOVERNMENT_BODY_MESSAGE, "R-COI-4")
    if blacklisted:
        raise conflict("机构已列入黑名单", "institution_id",
                       "该机构因在评估中弄虚作假被列入黑名单，不再进入第三方评估机构库", "R-POOL-8")


def listed_in_pool(kind: InstitutionKind, credit_status: CreditStatus, blacklisted: bool) -> bool:
    """Whether an admitted institution is shown in the pool and offered for draws: blacklisted and
    discredited institutions and government bodies leave every pool list (R-POOL-8, R-COI-4)."""
    return not blacklisted and credit_status is not CreditStatus.DISCREDITED \
        and kind is not InstitutionKind.GOVERNMENT_BODY


@dataclass(frozen=True)
class InstitutionStanding:
    in_pool: bool
    credit_status: CreditStatus
    blacklisted: bool
    government_body: bool = False


def institution_eligibility(standing: InstitutionStanding) -> list[Reason]:
    """Why an institution may not be commissioned now; empty when it may."""
    reasons: list[Reason] = []
    if standing.government_body:
        reasons.append(Reason("R-COI-4", "government_body", GOVERNMENT_BODY_MESSAGE))
    if standing.blacklisted:
        reasons.append(Reason("R-POOL-8", "blacklisted", "该机构因弄虚作假被列入黑名单，不再委托"))
    if not standing.in_pool:
        reasons.append(Reason("R-POOL-8", "not_in_pool", "不在第三方评估机构库中"))
    if standing.credit_status is not CreditStatus.GOOD:
        reasons.append(Reason("R-POOL-8", "credit", f"信用状况为「{standing.credit_status.label}」"))
    return reasons


def check_not_in_pool(in_pool: bool) -> None:
    """An institution applies to the pool while it is not in it (R-POOL-8)."""
    if in_pool:
        raise duplicate("机构已在库中", "institution_id", "该机构已进入第三方评估机构库", "R-POOL-8")


def check_credit_change(blacklisted: bool, new_status: CreditStatus | None) -> None:
    """A blacklisted institution's credit cannot be restored to good (R-POOL-8)."""
    if new_status is CreditStatus.GOOD and blacklisted:
        raise conflict("机构已列入黑名单", "credit_status",
                       "列入黑名单的机构不再委托，其信用状况不能恢复",
                       "R-POOL-8")


@dataclass(frozen=True)
class Credit:
    status: CreditStatus
    blacklisted: bool


def credit_after_discredit(kind: DiscreditKind, blacklisted: bool) -> Credit:
    """A discredit record makes the credit 'discredited'; cheating in an evaluation also blacklists,
    and nothing lifts a blacklisting (SY 三(一)4)."""
    return Credit(CreditStatus.DISCREDITED, blacklisted or kind is DiscreditKind.EVALUATION_CHEATING)
