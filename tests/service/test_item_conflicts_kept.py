"""A process keeps each item's conflicts (``LiveGraph.item_conflicts``) until its graph or policy changes (issue 17:
one-candidate checks ask about the same items again and again). A kept answer must never outlive a change: a
relation added or withdrawn, a name corrected, a new policy version (R-COI-1, R-COI-2)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from conflicts.graph import Relation, RelationGraph
from conflicts.live import LiveGraph
from conflicts.policy import EdgeKind, Purpose, default_policy
from conflicts.rules import check_item

DAY = date(2026, 11, 26)
ITEM, EXPERT, OTHER, FIRM = ("item", 1), ("expert", 10), ("expert", 11), ("institution", 5)


def _live() -> LiveGraph:
    live = LiveGraph()
    live.graph = RelationGraph()
    for node, name in ((ITEM, "某事项"), (EXPERT, "张三"), (OTHER, "李四"), (FIRM, "某公司")):
        live.graph.add_node(node, name)
    live.loaded = True
    return live


def _subjects(live: LiveGraph) -> set:
    return {c.subject for c in live.item_conflicts(1, Purpose.ARGUMENT, DAY)}


def test_a_relation_added_or_withdrawn_changes_the_next_answer_R_COI_1():
    live = _live()
    assert _subjects(live) == set()
    argued = Relation("relation:1", EdgeKind.INTEREST_IN, EXPERT, ITEM)
    live.graph.add(argued)
    assert _subjects(live) == {EXPERT}
    live.graph.add(Relation("relation:2", EdgeKind.INTEREST_IN, FIRM, ITEM))
    live.graph.add(Relation("relation:3", EdgeKind.EMPLOYED_BY, OTHER, FIRM))
    assert {EXPERT, OTHER} <= _subjects(live)
    live.graph.remove(argued)
    assert EXPERT not in _subjects(live) and OTHER in _subjects(live)


def test_the_kept_answer_is_the_walk_of_the_whole_graph_and_names_follow_corrections_R_COI_2():
    live = _live()
    live.graph.add(Relation("relation:1", EdgeKind.INTEREST_IN, EXPERT, ITEM))
    first = live.item_conflicts(1, Purpose.ARGUMENT, DAY)
    assert first == check_item(live.graph, live.policy, ITEM, Purpose.ARGUMENT, DAY)
    assert live.item_conflicts(1, Purpose.ARGUMENT, DAY) is first  # kept while nothing changed
    live.graph.add_node(EXPERT, "张叁")  # a name corrected: the explanation says the new one
    assert "张叁" in live.item_conflicts(1, Purpose.ARGUMENT, DAY)[0].explanation


def test_a_new_policy_or_another_day_or_purpose_is_walked_again():
    live = _live()
    live.graph.add(Relation("relation:1", EdgeKind.INTEREST_IN, EXPERT, ITEM, end=date(2026, 1, 1)))
    kept = live.item_conflicts(1, Purpose.ARGUMENT, DAY)
    live.policy = replace(default_policy(), version=2)
    assert live.item_conflicts(1, Purpose.ARGUMENT, DAY) is not kept
    for purpose in Purpose:
        for day in (date(2025, 12, 31), DAY):
            assert live.item_conflicts(1, purpose, day) == check_item(live.graph, live.policy, ITEM, purpose, day)
