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
gives the same panel every time. Within a type, members are drawn uniformly, skipping employers that
already have their maximum, so the one-per-employer rule holds in every panel.

Modules: ``constraints`` (candidates, the balance constraints, what a panel breaks), ``plan`` (the
distribution and the seeded draw and replacement from it), ``pricing`` (the integer program over
compositions, and why a request is infeasible), ``planner`` (column generation that builds the plan).
"""
