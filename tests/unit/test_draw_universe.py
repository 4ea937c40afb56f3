"""Issue 17: the stored eligibility's window (R-POOL-4, R-DUTY-1, R-POOL-5, R-POOL-7) and the draw's universe of
sub-pools in the record's canonical form (R-POOL-1, R-PANEL-2)."""

from __future__ import annotations

from datetime import date, timedelta

from assignment.selection.constraints import Candidate, Constraints, candidates_hash, seed_commitment
from assignment.selection.plan import draw
from assignment.selection.planner import plan_panel
from assignment.selection.verify import verify_record
from documents.formatting import constraint_lines
from registry.domain.eligibility import ExpertStanding, Term, eligibility_window, expert_eligibility
from registry.domain.terms import TermSpan

TERM = Term(1, TermSpan(date(2026, 1, 1), date(2028, 12, 31)))


def _same_answer_within(standing: ExpertStanding, day: date) -> None:
    """Every day of the window gets the answer of ``day``; the day the window ends gets another."""
    since, until = eligibility_window(standing, day)
    answer = expert_eligibility(standing, day)
    first = since or day - timedelta(days=400)
    last = (until - timedelta(days=1)) if until else day + timedelta(days=400)
    for d in (first, day, last):
        other = expert_eligibility(standing, d)
        assert (other.eligible, [r.code for r in other.reasons]) == (answer.eligible, [r.code for r in answer.reasons])
    if until is not None:
        after = expert_eligibility(standing, until)
        assert (after.eligible, [r.code for r in after.reasons]) != (answer.eligible, [r.code for r in answer.reasons])


def test_window_of_a_signed_term_ends_the_day_after_its_last_R_POOL_4_R_DUTY_1():
    standing = ExpertStanding(terms=[TERM], signed_letter_term_ids={1})
    assert eligibility_window(standing, date(2026, 11, 24)) == (date(2026, 1, 1), date(2029, 1, 1))
    assert expert_eligibility(standing, date(2028, 12, 31)).eligible
    assert not expert_eligibility(standing, date(2029, 1, 1)).eligible
    _same_answer_within(standing, date(2026, 11, 24))


def test_window_before_the_term_starts_and_with_no_term_R_POOL_4():
    standing = ExpertStanding(terms=[TERM], signed_letter_term_ids={1})
    assert eligibility_window(standing, date(2025, 6, 1)) == (None, date(2026, 1, 1))
    _same_answer_within(standing, date(2025, 6, 1))
    assert eligibility_window(ExpertStanding(), date(2026, 11, 24)) == (None, None)


def test_window_closes_on_a_dismissal_and_a_discredit_R_POOL_5_R_POOL_7():
    ended = Term(1, TERM.span, ended_early_on=date(2026, 12, 10))
    dismissed = ExpertStanding(terms=[ended], signed_letter_term_ids={1}, dismissed_on=date(2026, 12, 10))
    assert eligibility_window(dismissed, date(2026, 11, 24)) == (date(2026, 1, 1), date(2026, 12, 10))
    _same_answer_within(dismissed, date(2026, 11, 24))
    later = expert_eligibility(dismissed, date(2026, 12, 10))
    assert "R-POOL-5" in [r.rule_id for r in later.reasons]
    discredited = ExpertStanding(terms=[TERM], signed_letter_term_ids={1}, discredited_on=date(2027, 3, 1))
    assert eligibility_window(discredited, date(2027, 3, 1)) == (date(2027, 3, 1), date(2029, 1, 1))
    _same_answer_within(discredited, date(2027, 3, 1))


def test_window_of_renewed_terms_R_POOL_4():
    renewed = Term(2, TermSpan(date(2029, 1, 1), date(2031, 12, 31)))
    standing = ExpertStanding(terms=[TERM, renewed], signed_letter_term_ids={1})  # the renewal not signed yet
    assert eligibility_window(standing, date(2028, 6, 1)) == (date(2026, 1, 1), date(2029, 1, 1))
    assert [r.rule_id for r in expert_eligibility(standing, date(2029, 1, 1)).reasons] == ["R-DUTY-1"]
    _same_answer_within(standing, date(2028, 6, 1))


def _people() -> list[Candidate]:
    return [Candidate(i, frozenset({"ECON"}), i, "academia" if i % 2 else "government", "杭州") for i in range(1, 9)]


def test_universe_is_canonical_and_absent_when_the_whole_pool_R_POOL_1():
    whole = Constraints(5, {}, 1, 3)
    assert "universe" not in whole.as_dict()  # records made before issue 17 keep their fingerprint
    k = Constraints(5, {}, 1, 3, universe=("SOC", "ECON", "ECON"))
    assert k.as_dict()["universe"] == ["ECON", "SOC"]
    assert Constraints.from_dict(k.as_dict()) == k
    assert Constraints.from_dict(whole.as_dict()).universe == ()
    assert candidates_hash(_people(), k) != candidates_hash(_people(), whole)  # the fingerprint binds the universe


def test_verification_compares_the_stored_universe_R_PANEL_2():
    people = _people()
    k = Constraints(5, {}, 1, 3, universe=("ECON",))
    plan = plan_panel(people, k)
    members = draw(plan, {c.id: c for c in people}, k, 99)
    digest = candidates_hash(people, k)
    record = {"id": 1, "supersedes": None, "seed": "99", "candidates": [c.as_dict() for c in people],
              "candidates_hash": digest, "constraints": k.as_dict(), "members": members,
              "probabilities": {str(i): p for i, p in plan.probabilities().items()},
              "seed_commitment": seed_commitment(99, digest)}
    assert verify_record(record, universe=["ECON"]).verified
    assert verify_record(record, universe=["ECON"]).passed("universe") is True
    assert verify_record(record, universe=["LAW"]).passed("universe") is False
    assert verify_record(record).passed("universe") is None  # not asked: no such check


def test_the_printed_record_names_the_sub_pools_drawn_from_R_POOL_1():
    lines = constraint_lines({"size": 5, "min_per_specialty": {}, "universe": ["ECON", "LAW"]},
                             {"ECON": "经济", "LAW": "法律"})
    assert lines[1] == "抽取范围：专业分库 “经济”（ECON）、“法律”（LAW）（含其下级专业）"
    assert not any("抽取范围" in line for line in constraint_lines({"size": 5}, {}))  # the whole pool: no line
