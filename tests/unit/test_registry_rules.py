"""The registry's rules decided by pure functions: appointment and renewal, dismissal and discredit,
the annual review decision, the blacklist, letters, calls and the specialty tree."""

from datetime import date

import pytest

from core.errors import (
    Duplicate,
    ErrorCollector,
    OutOfOrder,
    RuleViolation,
    StateConflict,
)
from registry.domain import recruitment as rec
from registry.domain.appointments import check_appointable, renewal_of
from registry.domain.dismissals import (
    DismissalOrder,
    check_dismissal,
    dismissal_for_discredit,
)
from registry.domain.eligibility import ExpertStanding, Term
from registry.domain.institutions import (
    PoolApplication,
    StaffCompetence,
    admission_refusals,
    check_credit_change,
    check_not_in_pool,
    credit_after_discredit,
)
from registry.domain.letters import check_letter_for_term
from registry.domain.reviews import check_undecided, check_unrated_effect, decide
from registry.domain.specialties import check_codes
from registry.domain.terms import TermSpan
from registry.domain.vocab import (
    CreditStatus,
    DiscreditKind,
    DismissalReason,
    DutyBreach,
    ReviewProposal,
)

TERM = Term(7, TermSpan(date(2024, 1, 1), date(2026, 12, 31)))


def rule_of(refusal: pytest.ExceptionInfo) -> str | None:
    return refusal.value.errors[0].rule_id


# --- R-POOL-4, R-POOL-5, R-POOL-7: who may be appointed or renewed -----------------------------
def test_dismissed_expert_cannot_be_reappointed_R_POOL_5():
    check_appointable(ExpertStanding([TERM], {7}))
    with pytest.raises(StateConflict) as refused:
        check_appointable(ExpertStanding([TERM], {7}, dismissed_on=date(2025, 5, 1)))
    assert rule_of(refused) == "R-POOL-5" and refused.value.errors[0].field == "expert_id"


def test_discredited_expert_cannot_be_appointed_R_POOL_7():
    with pytest.raises(StateConflict) as refused:
        check_appointable(ExpertStanding([], set(), dismissed_on=date(2025, 5, 1), discredited_on=date(2025, 5, 1)))
    assert rule_of(refused) == "R-POOL-7"  # the discredit record is the reason named first


def test_renewal_runs_three_years_from_the_day_after_the_term_R_POOL_4():
    assert renewal_of(TERM, already_renewed=False) == TermSpan(date(2027, 1, 1), date(2029, 12, 31))
    assert renewal_of(TERM, False, end=date(2028, 6, 30)) == TermSpan(date(2027, 1, 1), date(2028, 6, 30))


def test_term_ended_by_dismissal_is_not_renewed_R_POOL_4_R_POOL_5():
    ended = Term(7, TERM.span, ended_early_on=date(2025, 3, 1))
    with pytest.raises(StateConflict) as refused:
        renewal_of(ended, already_renewed=False)
    assert not isinstance(refused.value, Duplicate) and rule_of(refused) == "R-POOL-5"


def test_a_term_is_renewed_once_R_POOL_4():
    with pytest.raises(Duplicate) as refused:
        renewal_of(TERM, already_renewed=True)
    assert rule_of(refused) == "R-POOL-4"


def test_renewal_starts_after_the_previous_term_R_POOL_4():
    with pytest.raises(RuleViolation) as refused:
        renewal_of(TERM, False, start=date(2026, 12, 31))
    assert rule_of(refused) == "R-POOL-4" and refused.value.errors[0].field == "start"


# --- R-POOL-5, R-POOL-7: dismissal and discredit ---------------------------------------------------
def test_an_expert_is_dismissed_once_R_POOL_5():
    order = DismissalOrder(DismissalReason.OWN_REQUEST, date(2026, 1, 1), "本人申请")
    check_dismissal(False, order)
    with pytest.raises(Duplicate) as refused:
        check_dismissal(True, order)
    assert rule_of(refused) == "R-POOL-5"


def test_duty_breach_supports_codes_1_and_2_only_R_POOL_5():
    breach = DutyBreach.CONFIDENTIALITY_BREACH
    check_dismissal(False, DismissalOrder(DismissalReason.NOT_IMPARTIAL, date(2026, 1, 1), "泄密", breach))
    with pytest.raises(RuleViolation) as refused:
        check_dismissal(False, DismissalOrder(DismissalReason.INCOMPETENT, date(2026, 1, 1), "泄密", breach))
    assert rule_of(refused) == "R-DUTY-2"


def test_discredit_dismisses_with_code_1_R_POOL_7():
    order = dismissal_for_discredit(DiscreditKind.FRAUD, "伪造学历", date(2026, 4, 2), already_dismissed=False)
    assert order == DismissalOrder(DismissalReason.VIOLATION, date(2026, 4, 2), "失信记录：弄虚作假。伪造学历")
    assert order.reason.value == "1"
    # An expert dismissed before keeps that dismissal; the discredit record is filed all the same.
    assert dismissal_for_discredit(DiscreditKind.FRAUD, "伪造学历", date(2026, 4, 2), already_dismissed=True) is None


# --- R-POOL-6: the office's decision on an annual review -------------------------------------------
def test_review_dismissal_takes_the_proposed_code_R_POOL_6():
    outcome = decide(ReviewProposal.DISMISS, 2026, DismissalReason.REPEATED_DECLINES, date(2026, 12, 10), "",
                     "", TERM)
    assert outcome.renew_term_id is None
    assert outcome.dismissal == DismissalOrder(DismissalReason.REPEATED_DECLINES, date(2026, 12, 10),
                                               "2026 年度考核：无正当理由多次拒绝参加论证")
    noted = decide(ReviewProposal.DISMISS, 2026, None, date(2026, 12, 10), "不称职", "", None)
    assert (noted.dismissal.reason.value, noted.dismissal.explanation) == ("4", "不称职")


def test_review_renewal_renews_the_term_current_at_the_review_R_POOL_6_R_POOL_4():
    assert decide(ReviewProposal.RENEW, 2026, None, date(2026, 12, 10), "", "聘字9号", TERM).renew_term_id == 7
    with pytest.raises(RuleViolation) as refused:
        decide(ReviewProposal.RENEW, 2026, None, date(2026, 12, 10), "", "", TERM)
    assert refused.value.errors[0].field == "certificate_no" and rule_of(refused) == "R-POOL-4"
    with pytest.raises(StateConflict) as refused:
        decide(ReviewProposal.RENEW, 2026, None, date(2026, 12, 10), "", "聘字9号", None)
    assert rule_of(refused) == "R-POOL-4"


def test_keeping_an_expert_files_nothing_R_POOL_6():
    outcome = decide(ReviewProposal.KEEP, 2026, DismissalReason.INCOMPETENT, date(2026, 12, 10), "", "", TERM)
    assert outcome.dismissal is None and outcome.renew_term_id is None


def test_a_review_is_decided_once_and_ratings_are_not_overwritten_R_POOL_6():
    check_undecided(None, None)
    with pytest.raises(Duplicate) as refused:
        check_undecided("keep", date(2026, 12, 1))
    assert rule_of(refused) == "R-POOL-6" and "2026-12-01" in refused.value.errors[0].reason
    check_unrated_effect(None)
    with pytest.raises(Duplicate):
        check_unrated_effect(4)


# --- R-POOL-8: the evaluator pool and the permanent blacklist --------------------------------------
def test_cheating_blacklists_for_good_R_POOL_8():
    cheated = credit_after_discredit(DiscreditKind.EVALUATION_CHEATING, blacklisted=False)
    assert (cheated.status, cheated.blacklisted) == (CreditStatus.DISCREDITED, True)
    other = credit_after_discredit(DiscreditKind.FRAUD, blacklisted=False)
    assert (other.status, other.blacklisted) == (CreditStatus.DISCREDITED, False)
    assert credit_after_discredit(DiscreditKind.FRAUD, blacklisted=True).blacklisted  # nothing lifts it


def test_blacklisted_institution_credit_cannot_be_restored_R_POOL_8():
    check_credit_change(False, CreditStatus.GOOD)
    check_credit_change(True, CreditStatus.WARNING)
    with pytest.raises(StateConflict) as refused:
        check_credit_change(True, CreditStatus.GOOD)
    assert rule_of(refused) == "R-POOL-8"


def test_blacklisted_institution_is_refused_readmission_R_POOL_8():
    full = set(StaffCompetence)
    assert [r.code for r in admission_refusals(PoolApplication(CreditStatus.GOOD, True, full, True))] == ["blacklisted"]
    with pytest.raises(Duplicate) as refused:
        check_not_in_pool(True)
    assert rule_of(refused) == "R-POOL-8"


# --- R-DUTY-1: one letter per term, before it ends ---------------------------------------------------
def test_letter_is_signed_once_before_the_term_ends_R_DUTY_1():
    check_letter_for_term(date(2026, 12, 31), date(2026, 12, 31), already_signed=False)
    with pytest.raises(RuleViolation) as refused:
        check_letter_for_term(date(2026, 12, 31), date(2027, 1, 1), already_signed=False)
    assert rule_of(refused) == "R-DUTY-1"
    with pytest.raises(Duplicate) as refused:
        check_letter_for_term(date(2026, 12, 31), date(2026, 6, 1), already_signed=True)
    assert rule_of(refused) == "R-DUTY-1"


# --- R-POOL-1, R-POOL-2, R-POOL-3 ------------------------------------------------------------------
def test_specialty_codes_must_be_known_and_distinct_R_POOL_1():
    errors = ErrorCollector()
    check_codes(["LAW", "NOPE", "LAW"], {"LAW", "ECON"}, "specialties", errors)
    assert [(e.field, e.rule_id) for e in errors.errors] == [("specialties[1]", "R-POOL-1"), ("specialties", None)]


def test_applications_are_taken_while_the_call_is_open_R_POOL_2():
    rec.check_call_open(date(2026, 3, 1), date(2026, 3, 31), date(2026, 3, 31))
    with pytest.raises(OutOfOrder) as refused:
        rec.check_call_open(date(2026, 3, 1), date(2026, 3, 31), date(2026, 4, 1))
    assert rule_of(refused) == "R-POOL-2" and refused.value.errors[0].field == "applied_on"


def test_each_condition_is_reviewed_exactly_once_R_POOL_3():
    every = [rec.ConditionFinding(c, True) for c in rec.Condition]
    rec.check_findings_complete(every)
    with pytest.raises(RuleViolation) as refused:
        rec.check_findings_complete(every[:4] + every[:1])
    fields = [e.field for e in refused.value.errors]
    assert fields == ["findings.time_and_willingness", "findings"]
    assert all(e.rule_id == "R-POOL-3" for e in refused.value.errors)
