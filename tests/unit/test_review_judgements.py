"""Issue 11, pure rules of the annual review: only the office's judgement of a decline counts (R-POOL-5(3));
a corrected rating counts as corrected (R-POOL-6)."""

from __future__ import annotations

from datetime import date

from registry.domain.reviews import Rating, aggregate, effective_rating, propose
from registry.domain.vocab import ReviewProposal


def test_unjudged_declines_count_neither_way_and_are_named_R_POOL_5():
    figures = aggregate([], [None, None, None, False, True])
    assert (figures.declines_without_good_reason, figures.declines_with_good_reason,
            figures.declines_awaiting_judgement) == (1, 1, 3)
    result = propose([], [None, None, None], None, date(2026, 12, 1))
    assert result.proposal is not ReviewProposal.DISMISS  # three unjudged declines propose nothing
    assert "declines_awaiting_judgement" in [r.code for r in result.reasons]
    assert propose([], [False, False, False], None, date(2026, 12, 1)).proposal is ReviewProposal.DISMISS


def test_corrections_apply_in_turn_and_keep_what_they_do_not_name_R_POOL_6():
    original = Rating(1, 1, None)
    assert effective_rating(original, []) == original
    once = effective_rating(original, [{"participation": 4, "reliability": None, "implementation_effect": None}])
    assert once == Rating(4, 1, None)
    twice = effective_rating(original, [{"participation": 4}, {"reliability": 5, "implementation_effect": 3}])
    assert twice == Rating(4, 5, 3)
