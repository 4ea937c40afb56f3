from datetime import date

import pytest

from core.errors import DomainError, OutOfOrder
from registry.domain import recruitment as rec
from registry.domain.terms import TermSpan, latest_term_end, renewal_span, validate_term


def test_a_term_may_last_three_years_R_POOL_4():
    assert validate_term(date(2024, 1, 1), date(2026, 12, 31)) == TermSpan(date(2024, 1, 1), date(2026, 12, 31))
    with pytest.raises(DomainError) as refused:
        validate_term(date(2024, 1, 1), date(2027, 1, 1))
    assert refused.value.errors[0].rule_id == "R-POOL-4"
    assert "2026-12-31" in refused.value.errors[0].reason


def test_leap_day_start_R_POOL_4():
    assert latest_term_end(date(2024, 2, 29)) == date(2027, 2, 27)


def test_end_before_start_and_overlap_are_refused_R_POOL_4():
    with pytest.raises(DomainError, match="早于开始日期"):
        validate_term(date(2025, 1, 1), date(2024, 1, 1))
    with pytest.raises(DomainError, match="重叠"):
        validate_term(date(2025, 1, 1), date(2025, 6, 1), [TermSpan(date(2024, 1, 1), date(2025, 3, 1))])


def test_renewal_follows_the_previous_term_R_POOL_4():
    assert renewal_span(TermSpan(date(2024, 1, 1), date(2026, 12, 31)), None) == (date(2027, 1, 1), date(2029, 12, 31))


def test_recruitment_steps_in_order_R_POOL_2():
    rec.require_step(rec.ApplicationState.SUBMITTED, rec.ApplicationStep.QUALIFICATION_REVIEW)
    with pytest.raises(DomainError) as refused:
        rec.require_step(rec.ApplicationState.SUBMITTED, rec.ApplicationStep.APPOINTMENT)
    assert isinstance(refused.value, OutOfOrder)
    assert refused.value.extra["allowed_next_steps"] == ["qualification-review", "withdrawal"]
    with pytest.raises(DomainError, match="已办结"):
        rec.require_step(rec.ApplicationState.APPOINTED, rec.ApplicationStep.WITHDRAWAL)


def test_all_five_conditions_must_be_met_R_POOL_3():
    all_met = [rec.ConditionFinding(c, True) for c in rec.Condition]
    assert rec.qualification_outcome(all_met) == (rec.ApplicationState.QUALIFIED, [])
    one_unmet = all_met[:-1] + [rec.ConditionFinding(rec.Condition.TIME_AND_WILLINGNESS, False, "工作繁忙")]
    state, reasons = rec.qualification_outcome(one_unmet)
    assert state is rec.ApplicationState.NOT_QUALIFIED
    assert reasons == ["有足够的时间和精力，自愿参加论证工作：工作繁忙"]
    assert rec.missing_conditions(all_met[:3]) == [rec.Condition.CREDIBILITY, rec.Condition.TIME_AND_WILLINGNESS]
