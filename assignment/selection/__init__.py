"""Balanced, fair and reproducible panel selection (R-PANEL-1, R-PANEL-2).

Among all panels that meet the constraints, the draw gives every eligible candidate a chance as even
as the constraints allow: it maximises the smallest chance (maximin, as the citizens' assembly
algorithms do, Flanigan et al., Nature 2021). Candidates with the same attributes that matter for
the constraints are interchangeable, so the linear program runs over these *types*, not people:

* master LP: weights λ over panel compositions (how many of each type), maximise z with
  every type's per-person chance Σ λ·count/size ≥ z;
* pricing ILP: the composition that best serves the types the duals say are short; its value is an
  upper bound on the optimum, so each plan carries a certificate of how close it is.

The distribution is computed once per request; a draw from it with a recorded seed is instant and
gives the same panel every time. Within a composition, the number drawn from each cell (a type's people
at one employer that could exceed its maximum) is set by dependent rounding (Gandhi et al., J. ACM 2006),
which keeps each cell's expectation and never exceeds an employer's maximum where its expectation is
within it; the planner puts any employer expected above it into the type key. So the one-per-employer
rule holds in every panel without redrawing, and each published chance is exactly the draw's (issue 11;
``bench/selection_bench.py --exactness`` measures it over a million draws per instance).

Constraints have one canonical form (sorted keys), so the key order a client sends never changes a plan.
A panel record commits to its seed (``seed_commitment``) and is re-run from the record alone by
``verify`` (first draws and replacements, R-PANEL-2).

Modules: ``constraints`` (candidates, the balance constraints, what a panel breaks, the commitment),
``plan`` (the distribution, the seeded draw and the replacement order), ``pricing`` (the integer program
over compositions, and why a request is infeasible), ``planner`` (column generation that builds the
plan), ``verify`` (re-running a panel record).
"""
