"""The draw's planning step has a time budget (issue 12, PLAN_SECONDS): once it is spent the planner
stops and says so in Chinese, naming the field, instead of running on; a solver stopped by the time
limit is never taken for proof that no panel exists (R-PANEL-2)."""

from __future__ import annotations

import random

import numpy as np
import pytest

from assignment.selection.constraints import Budget, Candidate, Constraints, PlanTooSlow
from assignment.selection.planner import plan_panel
from assignment.selection.pricing import CompositionModel

SPECS = ("LAW", "ECON", "PLAN", "ENV")


def _pool(n: int) -> list[Candidate]:
    rng = random.Random(7)
    return [Candidate(i, frozenset(rng.sample(SPECS, 1)), rng.randrange(40), rng.choice(("academia", "government")),
                      rng.choice(("杭州", "宁波"))) for i in range(1, n + 1)]


K = Constraints(5, {"LAW": 2}, 1, 3, {"宁波": 2})


def test_a_spent_budget_refuses_with_the_field_and_a_chinese_reason_issue_12():
    with pytest.raises(PlanTooSlow) as refused:
        plan_panel(_pool(60), K, seconds=1e-9)
    [error] = refused.value.errors
    assert error.field == "balance" and error.rule_id == "R-PANEL-2" and "秒" in error.reason
    assert refused.value.extra["plan_seconds"] == 1e-9


def test_a_budget_that_suffices_changes_nothing_issue_12():
    people = _pool(60)
    assert plan_panel(people, K, seconds=600).to_dict() == plan_panel(people, K).to_dict()


def test_pricing_stopped_by_the_budget_is_not_called_infeasible_issue_12():
    people = _pool(30)
    types = sorted({(tuple(sorted(c.specialties & {"LAW"})), c.sector, c.region if c.region == "宁波" else "", False,
                     None) for c in people})
    groups = [[c for c in people if (tuple(sorted(c.specialties & {"LAW"})), c.sector,
                                     c.region if c.region == "宁波" else "", False, None) == t] for t in types]
    spent = CompositionModel(types, groups, K, False, Budget(1e-9))
    with pytest.raises(PlanTooSlow):
        spent.best(np.ones(spent.n))
    assert CompositionModel(types, groups, K, False).best(np.ones(len(types))) is not None


def test_no_budget_never_runs_out_issue_12():
    assert Budget().check() is None and Budget().left() is None
    assert Budget(60).check() > 59
