"""The relationship graph, kept in memory with networkx and changed edge by edge as records change.

Nodes are ``(kind, id)`` with kind ``expert``, ``institution`` or ``item`` and a display name. Each
edge keeps its relation id, kind, validity period, source (registry record, declaration, office entry,
import) and whether it is confirmed: an edge from an unsure name match is unconfirmed until a person
confirms it, and conflicts through it are reported as possible conflicts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import networkx as nx

from conflicts.policy import EdgeKind

Node = tuple[str, int]


@dataclass(frozen=True)
class Relation:
    id: int
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


class RelationGraph:
    def __init__(self) -> None:
        self.g = nx.MultiDiGraph()

    def add_node(self, node: Node, name: str) -> None:
        self.g.add_node(node, name=name)

    def name(self, node: Node) -> str:
        return self.g.nodes[node].get("name", f"{node[0]}#{node[1]}") if node in self.g else f"{node[0]}#{node[1]}"

    def add(self, relation: Relation) -> None:
        for node in (relation.source, relation.target):
            if node not in self.g:
                self.g.add_node(node)
        self.g.add_edge(relation.source, relation.target, key=relation.id, relation=relation)

    def remove(self, relation: Relation) -> None:
        if self.g.has_edge(relation.source, relation.target, key=relation.id):
            self.g.remove_edge(relation.source, relation.target, key=relation.id)

    def replace(self, old: Relation, new: Relation) -> None:
        """A record changed (an end date set, a match confirmed): the edge follows it."""
        self.remove(old)
        self.add(new)

    def incoming(self, node: Node):
        """``(neighbour, relation)`` for edges ``neighbour → node``."""
        for neighbour, edges in self.g._pred.get(node, {}).items():
            for data in edges.values():
                yield neighbour, data["relation"]

    def outgoing(self, node: Node):
        for neighbour, edges in self.g._succ.get(node, {}).items():
            for data in edges.values():
                yield neighbour, data["relation"]

    def __len__(self) -> int:
        return self.g.number_of_edges()
