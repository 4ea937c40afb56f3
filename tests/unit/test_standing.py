"""Eligibility, letters, reviews, the institution pool and the specialty tree, as pure functions."""

from datetime import date

import pytest

from core.errors import DomainError
from registry.domain.eligibility import ExpertStanding, Term, expert_eligibility
from registry.domain.institutions import (
    InstitutionStanding,
    PoolApplication,
    StaffCompetence,
    admission_refusals,
    institution_eligibility,
)
from registry.domain.letters import validate_letter
from registry.domain.reviews import Rating, ReviewPolicy, propose
from registry.domain.specialties import default_specialties, subtree_codes
from registry.domain.terms import TermSpan
from registry.domain.vocab import CreditStatus, DismissalReason, ReviewProposal

TERM = Term(1, TermSpan(date(2025, 1, 1), date(2027, 12, 31)))
DAY = date(2026, 6, 1)


def codes(eligibility):
    return [(r.rule_id, r.code) for r in eligibility.reasons]


def test_eligible_with_term_and_letter():
    result = expert_eligibility(ExpertStanding([TERM], {1}), DAY)
    assert result.eligible and result.current_term_id == 1 and result.reasons == []


def test_no_current_term_is_not_eligible_R_POOL_4():
    assert codes(expert_eligibility(ExpertStanding([TERM], {1}), date(2028, 1, 1))) == [("R-POOL-4", "no_current_term")]


def test_unsigned_letter_is_not_eligible_R_DUTY_1():
    assert codes(expert_eligibility(ExpertStanding([TERM], set()), DAY)) == [("R-DUTY-1", "no_commitment_letter")]


def test_dismissed_and_discredited_are_never_eligible_R_POOL_5_R_POOL_7():
    ended = Term(1, TERM.span, ended_early_on=date(2026, 3, 1))
    standing = ExpertStanding([ended], {1}, dismissed_on=date(2026, 3, 1), discredited_on=date(2026, 3, 1))
    assert codes(expert_eligibility(standing, DAY)) == [
        ("R-POOL-7", "discredited"), ("R-POOL-5", "dismissed"), ("R-POOL-4", "no_current_term")]
    # Before the dismissal took effect the expert was eligible: history is not rewritten.
    assert expert_eligibility(standing, date(2026, 2, 28)).eligible


def test_letter_needs_all_four_commitments_and_a_known_text_R_DUTY_1():
    validate_letter("NMG-E-2020", {"independent": True, "impartial": True, "confidential": True, "lawful": True})
    with pytest.raises(DomainError) as refused:
        validate_letter("v0", {"independent": True, "impartial": False, "confidential": True, "extra": True})
    fields = {e.field for e in refused.value.errors}
    assert fields == {"text_version", "commitments.extra", "commitments.impartial", "commitments.lawful"}
    assert all(e.rule_id == "R-DUTY-1" for e in refused.value.errors)


def test_repeated_declines_propose_dismissal_R_POOL_5():
    result = propose([], [False, False, False, True], None, date(2026, 12, 1))
    assert result.proposal is ReviewProposal.DISMISS
    assert result.dismissal_reason is DismissalReason.REPEATED_DECLINES
    assert result.figures.declines_without_good_reason == 3 and result.figures.declines_with_good_reason == 1
    assert propose([], [False, False, True], None, date(2026, 12, 1)).proposal is ReviewProposal.KEEP


def test_poor_ratings_propose_dismissal_as_incompetent_R_POOL_5_R_POOL_6():
    poor = [Rating(2, 2, 1), Rating(2, 3, None)]
    result = propose(poor, [], None, date(2026, 12, 1))
    assert result.figures.overall == 2.0
    assert (result.proposal, result.dismissal_reason) == (ReviewProposal.DISMISS, DismissalReason.INCOMPETENT)
    # One poor rating is not enough evidence.
    assert propose(poor[:1], [], None, date(2026, 12, 1)).proposal is ReviewProposal.KEEP


def test_good_record_with_term_ending_proposes_renewal_R_POOL_6():
    good = [Rating(5, 4, 5), Rating(4, 4, None)]
    result = propose(good, [True], date(2027, 6, 30), date(2026, 12, 1))
    assert result.proposal is ReviewProposal.RENEW
    assert [r.code for r in result.reasons] == ["performance", "term_ending"]
    assert propose(good, [], date(2028, 6, 30), date(2026, 12, 1)).proposal is ReviewProposal.KEEP
    strict = ReviewPolicy(repeated_decline_threshold=1)
    assert propose(good, [False], None, date(2026, 12, 1), strict).proposal is ReviewProposal.DISMISS


def test_pool_admission_needs_credit_facilities_and_staff_R_POOL_8():
    full = set(StaffCompetence)
    assert admission_refusals(PoolApplication(CreditStatus.GOOD, True, full, False)) == []
    refusals = admission_refusals(PoolApplication(CreditStatus.WARNING, False, {StaffCompetence.LAW}, True))
    assert [r.code for r in refusals] == ["blacklisted", "credit", "facilities", "staff"]
    assert "政策、行政管理、评估方法" in refusals[-1].message


def test_blacklisted_institution_is_never_commissioned_R_POOL_8():
    assert institution_eligibility(InstitutionStanding(True, CreditStatus.GOOD, False)) == []
    blacklisted = institution_eligibility(InstitutionStanding(True, CreditStatus.GOOD, True))
    assert [r.code for r in blacklisted] == ["blacklisted"]


def test_sub_pool_includes_its_refinements_R_POOL_1():
    tree = default_specialties()
    assert subtree_codes("LAW", tree) == {"LAW", "LAW.ADMIN", "LAW.CIVIL", "LAW.ECON", "LAW.LABOUR", "LAW.PROC"}
    assert subtree_codes("LAW.ADMIN", tree) == {"LAW.ADMIN"}
