"""The relationship graph, kept in memory as a compact adjacency and changed edge by edge as records change.

Nodes are ``(kind, id)`` with kind ``expert``, ``institution`` or ``item`` and a display name. Each
edge keeps its relation id, kind, validity period, source (registry record, declaration, office entry,
import) and whether it is confirmed: an edge from an unsure name match is unconfirmed until a person
confirms it, and conflicts through it are reported as possible conflicts.

Issue 17 (50,000 experts, ~490,000 relations in every service process): the checks only ever walk a node's
incoming and outgoing edges, so the graph is two plain dicts, node → neighbour → the relation (or, rarely, a
list of the relations between the same two nodes), instead of networkx's dict of dicts of dicts with a data
dict per edge. The walk sees the edges in exactly the order networkx gave (neighbours in the order they were
first linked, the edges between two nodes in the order they were added; a neighbour whose last edge was
removed goes to the back when linked again), so the same paths explain the same conflicts. ``node`` hands out
one shared tuple per node, so the hundreds of thousands of relations do not each hold copies of their ends.
networkx stays available for analysis (``to_networkx``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from conflicts.policy import EdgeKind

Node = tuple[str, int]


@dataclass(frozen=True, slots=True)
class Relation:
    id: Any  # "relation:12", "employment:3", ... (tests use small integers)
    kind: EdgeKind
    source: Node
    target: Node
    start: date | None = None
    end: date | None = None
    origin: str = "registry"  # registry | declaration | office | import
    confirmed: bool = True
    detail: str = ""

    def counts_on(self, day: date, lookback_days: int | None) -> bool:
        """Current on ``day``, or ended no longer than ``lookback_days`` before it."""
        if self.start is not None and self.start > day:
            return False
        if self.end is None or self.end >= day:
            return True
        return lookback_days is not None and self.end + timedelta(days=lookback_days) >= day


# node → neighbour → the relation between them, or a list of them when there are several
Adjacency = dict[Node, dict[Node, "Relation | list[Relation]"]]


def _link(adjacency: Adjacency, node: Node, neighbour: Node, relation: Relation) -> bool:
    """Add ``relation`` under ``node`` → ``neighbour``; an edge with the same id there is replaced in its place
    (as networkx does for the same key). True when the edge is new. A list of several edges is never changed in
    place (a new list replaces it), so a walk that is reading it meanwhile sees it whole."""
    edges = adjacency.get(node)
    if edges is None:
        adjacency[node] = {neighbour: relation}
        return True
    present = edges.get(neighbour)
    if present is None:
        edges[neighbour] = relation
    elif type(present) is list:
        for i, other in enumerate(present):
            if other.id == relation.id:
                edges[neighbour] = [*present[:i], relation, *present[i + 1:]]
                return False
        edges[neighbour] = [*present, relation]
    elif present.id == relation.id:  # type: ignore[union-attr]
        edges[neighbour] = relation
        return False
    else:
        edges[neighbour] = [present, relation]  # type: ignore[list-item]
    return True


def _unlink(adjacency: Adjacency, node: Node, neighbour: Node, relation_id: Any) -> bool:
    edges = adjacency.get(node)
    present = edges.get(neighbour) if edges is not None else None
    if present is None:
        return False
    if type(present) is list:
        rest = [other for other in present if other.id != relation_id]
        if len(rest) == len(present):
            return False
        edges[neighbour] = rest[0] if len(rest) == 1 else rest  # type: ignore[index]
        return True
    if present.id != relation_id:  # type: ignore[union-attr]
        return False
    del edges[neighbour]  # type: ignore[union-attr]
    if not edges:
        del adjacency[node]
    return True


def _each(edges: dict[Node, Relation | list[Relation]] | None) -> Iterator[tuple[Node, Relation]]:
    if edges:
        for neighbour, present in edges.items():
            if type(present) is list:
                for relation in present:
                    yield neighbour, relation
            else:
                yield neighbour, present  # type: ignore[misc]


class RelationGraph:
    __slots__ = ("_nodes", "_names", "_in", "_out", "_count", "generation")

    def __init__(self) -> None:
        self._nodes: dict[Node, Node] = {}  # one shared tuple per node
        self._names: dict[Node, str] = {}
        self._in: Adjacency = {}  # target → source → relation(s)
        self._out: Adjacency = {}  # source → target → relation(s)
        self._count = 0
        self.generation = 0  # grows with every change of a node's name or of an edge (answers kept per generation)

    def node(self, kind: str, node_id: int) -> Node:
        """The graph's own tuple for this node (made once): relations built with it share it."""
        key = (kind, node_id)
        return self._nodes.setdefault(key, key)

    def add_node(self, node: Node, name: str) -> None:
        node = self._nodes.setdefault(node, node)
        self._names[node] = name
        self.generation += 1

    def name(self, node: Node) -> str:
        return self._names.get(node, f"{node[0]}#{node[1]}")

    def knows(self, node: Node) -> bool:
        """Whether the node's record was read (every expert, person, item and institution is named when read)."""
        return node in self._names

    def forget(self, node: Node) -> None:
        """A node whose record is not stored after all (its creation rolled back): no longer known or named."""
        if self._names.pop(node, None) is not None:
            self.generation += 1

    def add(self, relation: Relation) -> None:
        source, target = relation.source, relation.target
        self.generation += 1
        if _link(self._out, source, target, relation):
            self._count += 1
        _link(self._in, target, source, relation)

    def remove(self, relation: Relation) -> None:
        self.generation += 1
        if _unlink(self._out, relation.source, relation.target, relation.id):
            self._count -= 1
            _unlink(self._in, relation.target, relation.source, relation.id)

    def replace(self, old: Relation, new: Relation) -> None:
        """A record changed (an end date set, a match confirmed): the edge follows it."""
        self.remove(old)
        self.add(new)

    def incoming(self, node: Node) -> Iterator[tuple[Node, Relation]]:
        """``(neighbour, relation)`` for edges ``neighbour → node``."""
        return _each(self._in.get(node))

    def outgoing(self, node: Node) -> Iterator[tuple[Node, Relation]]:
        return _each(self._out.get(node))

    def __len__(self) -> int:
        return self._count

    def to_networkx(self):
        """The same graph as a networkx ``MultiDiGraph`` (for analysis; the checks do not need it)."""
        import networkx as nx

        g = nx.MultiDiGraph()
        for node in self._nodes:
            g.add_node(node, **({"name": self._names[node]} if node in self._names else {}))
        for source in self._out:
            for _, relation in _each(self._out[source]):
                g.add_edge(relation.source, relation.target, key=relation.id, relation=relation)
        return g
