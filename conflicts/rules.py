"""Conflict checks: which candidates a policy excludes from a decision item, why, and by which path."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from conflicts.graph import Node, Relation, RelationGraph
from conflicts.policy import EDGE_LABELS, SYMMETRIC, ConflictRule, Direction, Policy, Purpose, Step


@dataclass(frozen=True, slots=True)
class Hop:
    relation: Relation
    forward: bool  # True when the stored edge points from the candidate's side towards the item


@dataclass(frozen=True, slots=True)
class Conflict:
    subject: Node
    item: Node
    rule_id: str
    rule_name: str
    sentence: str
    path: tuple[Hop, ...]
    explanation: str  # 张三 —任职于→ 浙江大学 —利害关系→ 某项目
    possible: bool  # the path uses an unconfirmed relation (an unsure name match)
    policy_version: int


def _expansions(graph: RelationGraph, node: Node, step: Step, day: date):
    """Neighbours one step further from the item. A forward step walks its stored edges backwards
    (``neighbour —kind→ node``); a reverse step walks them as stored (``node —kind→ neighbour``, the
    edge pointing at the candidate's side); a symmetric kind is walked both ways."""
    forward = step.direction == Direction.FORWARD
    for neighbour, relation in graph.incoming(node):
        if relation.kind in step.kinds and (forward or relation.kind in SYMMETRIC) \
                and relation.counts_on(day, step.lookback_days):
            yield neighbour, Hop(relation, forward=True)
    for neighbour, relation in graph.outgoing(node):
        if relation.kind in step.kinds and (not forward or relation.kind in SYMMETRIC) \
                and relation.counts_on(day, step.lookback_days):
            yield neighbour, Hop(relation, forward=False)


def _walk(graph: RelationGraph, item: Node, rule: ConflictRule, day: date) -> dict[Node, tuple[Hop, ...]]:
    """Breadth-first from the item along the rule's steps reversed; the first path to reach a
    candidate is a shortest one. States are (node, step, repeats so far) so repeats stay bounded."""
    steps = list(reversed(rule.steps))
    start = (item, 0, 0)
    paths: dict[tuple[Node, int, int], tuple[Hop, ...]] = {start: ()}
    frontier = [start]
    found: dict[Node, tuple[Hop, ...]] = {}

    def settle(state):
        node, index, reps = state
        complete = reps >= steps[index].min_repeat and all(s.min_repeat == 0 for s in steps[index + 1:])
        if complete and node[0] in rule.subjects and node != item and node not in found:
            found[node] = paths[state]

    settle(start)
    while frontier:
        next_frontier = []
        for state in frontier:
            node, index, reps = state
            # From this state we may take another repeat of this step, or move on to later steps.
            options = []
            i, r = index, reps
            while i < len(steps):
                if r < steps[i].max_repeat:
                    options.append((i, r))
                if r < steps[i].min_repeat:
                    break
                i, r = i + 1, 0
            for i, r in options:
                for neighbour, hop in _expansions(graph, node, steps[i], day):
                    new_state = (neighbour, i, r + 1)
                    if new_state in paths or any(h.relation.id == hop.relation.id for h in paths[state]):
                        continue
                    paths[new_state] = (hop,) + paths[state]
                    next_frontier.append(new_state)
                    settle(new_state)
        frontier = next_frontier
    return found


def explain(graph: RelationGraph, subject: Node, path: tuple[Hop, ...]) -> str:
    text, node = graph.name(subject), subject
    for hop in path:
        rel = hop.relation
        nxt = rel.target if rel.source == node else rel.source
        label = EDGE_LABELS[rel.kind] + ("" if rel.confirmed else "（待确认）")
        if rel.origin.startswith("panel:"):  # taken from the system's own panel record (R-COI-3): name it
            label += f"（{rel.detail or rel.origin}）"
        text += f" —{label}→ " if hop.forward else f" ←{label}— "
        text += graph.name(nxt)
        node = nxt
    return text


def check_item(graph: RelationGraph, policy: Policy, item: Node, purpose: Purpose, day: date,
               candidates: Iterable[Node] | None = None) -> list[Conflict]:
    """Every conflicted candidate for the item and purpose, one conflict per candidate and rule,
    each with the shortest explaining path. ``candidates`` limits the answer to those nodes."""
    wanted = set(candidates) if candidates is not None else None
    item_name = graph.name(item)
    out: list[Conflict] = []
    for rule in policy.for_purpose(purpose):
        for subject, path in _walk(graph, item, rule, day).items():
            if wanted is not None and subject not in wanted:
                continue
            out.append(Conflict(
                subject=subject, item=item, rule_id=rule.rule_id, rule_name=rule.name,
                sentence=rule.sentence.format(subject=graph.name(subject), item=item_name), path=path,
                explanation=explain(graph, subject, path), possible=not all(h.relation.confirmed for h in path),
                policy_version=policy.version))
    return sorted(out, key=lambda c: (c.subject, c.rule_id, len(c.path)))


@dataclass(frozen=True)
class CommissionFinding:
    field: str
    rule_id: str
    sentence: str


def check_commission(graph: RelationGraph, policy: Policy, item: Node, purpose: Purpose, day: date,
                     institution: Node, hired_experts: Iterable[Node],
                     subcontractors: Iterable[tuple[Node, bool]]) -> tuple[list[CommissionFinding], list[Conflict]]:
    """R-COI-5: a commissioned institution may not subcontract without consent, and the outside
    experts it hires (and any consented subcontractor) pass the same conflict checks as itself."""
    hired, subs = list(hired_experts), list(subcontractors)
    findings = [CommissionFinding(f"subcontractors[{i}].consent_given", "R-COI-5",
                                  f"{graph.name(institution)}未经委托方同意不得将评估工作转委托给{graph.name(node)}")
                for i, (node, consent) in enumerate(subs) if not consent]
    conflicts = check_item(graph, policy, item, purpose, day, candidates=[institution, *hired, *(n for n, _ in subs)])
    return findings, conflicts
