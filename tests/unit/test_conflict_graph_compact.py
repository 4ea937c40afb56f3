"""Issue 17: the compact relationship graph answers every conflict check exactly as the networkx graph it
replaced did (R-COI-1..5): the same conflicts, the same explaining paths in the same order, also after edges
are removed, replaced and added again (which moves them in networkx's order)."""

import random
from datetime import date, timedelta

import networkx as nx
import pytest

from conflicts.graph import Relation, RelationGraph
from conflicts.policy import EdgeKind, Purpose, default_policy, with_hierarchy_hops
from conflicts.rules import check_item
from registry.datagen import generate

DAY = date(2026, 6, 1)


class NetworkxGraph:
    """The graph as it was before issue 17 (networkx's MultiDiGraph), as the reference."""

    def __init__(self) -> None:
        self.g = nx.MultiDiGraph()

    def add_node(self, node, name):
        self.g.add_node(node, name=name)

    def name(self, node):
        return self.g.nodes[node].get("name", f"{node[0]}#{node[1]}") if node in self.g else f"{node[0]}#{node[1]}"

    def add(self, relation):
        for node in (relation.source, relation.target):
            if node not in self.g:
                self.g.add_node(node)
        self.g.add_edge(relation.source, relation.target, key=relation.id, relation=relation)

    def remove(self, relation):
        if self.g.has_edge(relation.source, relation.target, key=relation.id):
            self.g.remove_edge(relation.source, relation.target, key=relation.id)

    def incoming(self, node):
        for neighbour, edges in self.g._pred.get(node, {}).items():
            for data in edges.values():
                yield neighbour, data["relation"]

    def outgoing(self, node):
        for neighbour, edges in self.g._succ.get(node, {}).items():
            for data in edges.values():
                yield neighbour, data["relation"]

    def __len__(self):
        return self.g.number_of_edges()


def world_relations(world, rng: random.Random) -> list[Relation]:
    """The generated world's edges as the service builds them, with some unconfirmed and some repeated
    between the same two nodes (an employment history at one institution)."""
    out = []
    for n, r in enumerate(world.relations, start=1):
        out.append(Relation(f"relation:{n}", EdgeKind(r.kind), r.source, r.target, r.start, r.end,
                            origin=rng.choice(["import", "declaration", "office"]),
                            confirmed=rng.random() > 0.1, detail=r.detail))
    for n, r in enumerate(rng.sample(out, 40), start=1):  # a second edge between the same two nodes
        out.append(Relation(f"employment:{n}", r.kind, r.source, r.target, r.end, None, detail="again"))
    for item in world.items:
        out.append(Relation(f"drafts:{item.id}", EdgeKind.DRAFTS, ("institution", item.drafting_unit_id),
                            ("item", item.id)))
    return out


def both(world, relations) -> tuple[RelationGraph, NetworkxGraph]:
    compact, reference = RelationGraph(), NetworkxGraph()
    for graph in (compact, reference):
        for e in world.experts:
            graph.add_node(("expert", e.id), e.name)
        for i in world.institutions:
            graph.add_node(("institution", i.id), i.name)
        for item in world.items[:-3]:  # a few items unnamed: the fallback name
            graph.add_node(("item", item.id), item.title)
        for r in relations:
            graph.add(r)
    return compact, reference


def churn(graphs, relations: list[Relation], rng: random.Random) -> None:
    """Remove some edges, end others (replaced by a changed copy), add some back: the same on both graphs."""
    chosen = rng.sample(relations, 300)
    for r in chosen[:100]:
        for graph in graphs:
            graph.remove(r)
    for r in chosen[100:200]:
        ended = Relation(r.id, r.kind, r.source, r.target, r.start, DAY - timedelta(days=rng.randrange(1, 1000)),
                         r.origin, r.confirmed, r.detail)
        for graph in graphs:
            graph.remove(r)
            graph.add(ended)
    for r in chosen[:50] + chosen[200:250]:  # back after removal, and the same edge added twice
        for graph in graphs:
            graph.add(r)


def assert_same_answers(compact: RelationGraph, reference: NetworkxGraph, world) -> None:
    assert len(compact) == len(reference)
    nodes = list(reference.g.nodes)
    for node in nodes:
        assert list(compact.incoming(node)) == list(reference.incoming(node))
        assert list(compact.outgoing(node)) == list(reference.outgoing(node))
        assert compact.name(node) == reference.name(node)
    found = 0
    for policy in (default_policy(), with_hierarchy_hops(default_policy(), 3)):
        for item in world.items:
            for purpose in Purpose:
                ours = check_item(compact, policy, ("item", item.id), purpose, DAY)
                theirs = check_item(reference, policy, ("item", item.id), purpose, DAY)  # type: ignore[arg-type]
                assert [(c.subject, c.rule_id, c.explanation, c.possible) for c in ours] \
                    == [(c.subject, c.rule_id, c.explanation, c.possible) for c in theirs]
                assert ours == theirs  # the paths too, hop by hop
                found += len(ours)
    assert found > 100  # the world has conflicts to compare, not only empty answers


@pytest.mark.parametrize("seed", [1, 2026])
def test_compact_graph_answers_as_networkx_R_COI_1(seed):
    world = generate(experts=400, institutions=80, items=40, seed=seed)
    rng = random.Random(seed)
    relations = world_relations(world, rng)
    compact, reference = both(world, relations)
    assert_same_answers(compact, reference, world)
    churn((compact, reference), relations, rng)
    assert_same_answers(compact, reference, world)


def test_compact_graph_removes_and_replaces_edges_between_the_same_nodes():
    a, b = ("expert", 1), ("institution", 2)
    first, second, third = (Relation(f"relation:{n}", EdgeKind.EMPLOYED_BY, a, b) for n in (1, 2, 3))
    g = RelationGraph()
    for r in (first, second, third):
        g.add(r)
    assert [r.id for _, r in g.outgoing(a)] == ["relation:1", "relation:2", "relation:3"]
    ended = Relation("relation:2", EdgeKind.EMPLOYED_BY, a, b, end=DAY)
    g.add(ended)  # the same id again: replaced where it stands
    assert [r for _, r in g.incoming(b)] == [first, ended, third]
    g.remove(first)
    g.remove(third)
    g.remove(third)  # not there any more: nothing happens
    assert [r for _, r in g.outgoing(a)] == [ended] and len(g) == 1
    g.remove(ended)
    assert list(g.outgoing(a)) == [] and list(g.incoming(b)) == [] and len(g) == 0
    assert g.name(a) == "expert#1"


def test_compact_graph_shares_node_tuples():
    g = RelationGraph()
    node = g.node("expert", 7)
    assert g.node("expert", 7) is node
    g.add_node(("expert", 7), "张三")
    assert g.name(node) == "张三"
    assert g.to_networkx().nodes[node]["name"] == "张三"
