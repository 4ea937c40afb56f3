"""Conflict-of-interest checking (回避) on a relationship graph: R-COI-1..5, R-DUTY-2..3."""
