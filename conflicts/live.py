"""The relationship graph of this service process, built from the database once and then kept current.

Writers emit a domain event; its handler (``conflicts/handlers.py``, ``conflicts/on_registry.py``)
appends a ``GraphChange`` row in the same transaction as the record changed. Before each check
(and before name matching) the process applies the changes it has not seen yet, in id order,
re-reading only the records they name. So the graph is never rebuilt per request, and two service
processes see the same graph without talking to each other.

The application owns its graph (``app.state.live_graph``, made by ``create_app`` and loaded at
start-up); controllers receive it through ``conflicts.deps`` and hand it to the services.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import gc
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from datetime import UTC, date, datetime
from typing import Any

from piccolo.columns.combination import Combinable
from piccolo.table import Table

from conflicts.duplicates import normalised_name, person_key
from conflicts.graph import Node, Relation, RelationGraph
from conflicts.names import POSSIBLE_SCORE, InstitutionMatcher
from conflicts.policy import EdgeKind, Policy, Purpose, default_policy, policy_from_document
from conflicts.rules import Conflict, check_item
from conflicts.tables import GraphChange, NameMatchTask, Person, PolicyVersion
from conflicts.tables import Relation as RelationRow
from core.bulk import insert_many
from core.locks import take_turn
from core.records import Statement
from core.uow import current_unit
from decisions.tables import DecisionItem
from registry.tables import Employment, Expert, Institution

EMPLOYMENT_COLUMNS = (Employment.id, Employment.expert, Employment.institution, Employment.employer_name,
                      Employment.start, Employment.end)
INSTITUTION_COLUMNS = (Institution.id, Institution.name, Institution.aliases, Institution.parent)
ITEM_COLUMNS = (DecisionItem.id, DecisionItem.title, DecisionItem.drafting_unit)
RELATION_COLUMNS = (RelationRow.id, RelationRow.kind, RelationRow.source_kind, RelationRow.source_id,
                    RelationRow.target_kind, RelationRow.target_id, RelationRow.role, RelationRow.start,
                    RelationRow.end, RelationRow.origin, RelationRow.confirmed, RelationRow.detail,
                    RelationRow.withdrawn_at)


_CHANGES_SINCE = Statement(lambda cursor: GraphChange.select(
    GraphChange.id, GraphChange.record_table, GraphChange.record_id).where(GraphChange.id > cursor).order_by(
    GraphChange.id))
ANSWERS_KEPT = 2000  # items whose conflicts are kept (a few KB each)
GRAPH_LOG_LOCK_KEY = 7_301_2028  # PostgreSQL: writers of the change log take turns until they commit


async def note_change(record_table: str, record_id: int) -> None:
    """Append to the graph change log, inside the writer's transaction: the graph of every process
    will follow this record. Called by the event handlers, not by services.

    Readers follow the log by id (``sync``), so ids must become visible in their order: on PostgreSQL two
    writers could take ids 10 and 11 and commit 11 first, and a process that read 11 would never see 10. The
    writers of the log take turns from their first change row to their commit (an advisory lock; SQLite's
    write transaction already excludes every other writer)."""
    await take_turn(GRAPH_LOG_LOCK_KEY)
    await GraphChange.insert(GraphChange(record_table=record_table, record_id=record_id,
                                         created_at=datetime.now(UTC)))


async def note_changes(record_table: str, record_ids: Iterable[int]) -> None:
    """``note_change`` for many records of one table, in batched statements (the ids' order kept; the same turn
    taken as ``note_change``, so the log's ids still become visible in their order)."""
    await take_turn(GRAPH_LOG_LOCK_KEY)
    now = datetime.now(UTC)
    await insert_many(GraphChange, [{"record_table": record_table, "record_id": record_id, "created_at": now}
                                    for record_id in record_ids])


EDGE_KINDS = {kind.value: kind for kind in EdgeKind}


class _Edges:
    """Builds the edges of one graph from rows: the ends are the graph's shared node tuples and the repeated
    values (dates, origins, roles, employer names) one shared object each, so 490,000 relations do not hold
    a million copies of the same few thousand values (issue 17)."""

    __slots__ = ("node", "_shared")

    def __init__(self, graph: RelationGraph) -> None:
        self.node = graph.node
        self._shared: dict[Any, Any] = {}

    def share(self, value: Any) -> Any:
        return value if value is None else self._shared.setdefault(value, value)

    def employment(self, row: dict, open_task: dict | None) -> Relation | None:
        confirmed = row["institution"] is not None
        target = row["institution"]
        if target is None and open_task and open_task["candidates"] \
                and open_task["candidates"][0]["score"] >= POSSIBLE_SCORE:
            target = open_task["candidates"][0]["institution_id"]  # unsure: a possible conflict until decided
        # a weaker guess is no edge at all: the name waits for the office as unmatched (names.POSSIBLE_SCORE)
        if target is None:
            return None
        share = self.share
        return Relation(f"employment:{row['id']}", EdgeKind.EMPLOYED_BY, self.node("expert", row["expert"]),
                        self.node("institution", target), share(row["start"]), share(row["end"]), origin="registry",
                        confirmed=confirmed, detail=share(row["employer_name"]))

    def relation(self, row: dict) -> Relation | None:
        if row["withdrawn_at"] is not None or row["target_id"] is None:
            return None
        share, node = self.share, self.node
        return Relation(f"relation:{row['id']}", EDGE_KINDS[row["kind"]],
                        node(row["source_kind"], row["source_id"]), node(row["target_kind"], row["target_id"]),
                        share(row["start"]), share(row["end"]), origin=share(row["origin"]), confirmed=row["confirmed"],
                        detail=share(row["role"] or row["detail"]))

    def drafting(self, row: dict) -> Relation | None:
        """决策承办单位 —承办→ 事项: the item's evaluation object, for independence checks (R-COI-4)."""
        if row["drafting_unit"] is None:
            return None
        return Relation(f"drafts:{row['id']}", EdgeKind.DRAFTS, self.node("institution", row["drafting_unit"]),
                        self.node("item", row["id"]), origin="registry")

    def parent(self, row: dict) -> Relation | None:
        if row["parent"] is None:
            return None
        return Relation(f"parent:{row['id']}", EdgeKind.PART_OF, self.node("institution", row["id"]),
                        self.node("institution", row["parent"]), origin="registry")


RELEASE_AFTER_EDGES = 50_000  # a load this big hands its rows' memory back to the system (a small one: no need)
LOAD_BATCH = 20_000  # rows per statement at start-up: a few MB at a time instead of every row at once


async def _in_batches(table: type[Table], columns: tuple, where: Combinable | None = None,
                      load_json: bool = False) -> AsyncIterator[dict]:
    """Every row of ``table`` (``where`` holding), in id order, read ``LOAD_BATCH`` at a time."""
    after = 0
    while True:
        condition = table._meta.primary_key > after
        query = table.select(*columns).where(condition if where is None else condition & where)
        rows = await query.order_by(table._meta.primary_key).limit(LOAD_BATCH).output(load_json=load_json)
        for row in rows:
            yield row
        if len(rows) < LOAD_BATCH:
            return
        after = rows[-1]["id"]


NAMED_KINDS = ("expert", "person", "item", "institution")  # the records that are nodes with a name (``knows``)


class LiveGraph:
    def __init__(self) -> None:
        self.graph = RelationGraph()
        self._build = _Edges(self.graph)
        self.matcher = InstitutionMatcher()
        self.policy: Policy = default_policy()
        self.cursor = 0
        self._edges: dict[str, Relation] = {}  # edge id → the edge now in the graph
        self.people: dict[str, tuple[int, ...]] = {}  # normalised name → experts, for duplicate flags
        self._lock = asyncio.Lock()
        self.loaded = False
        # records first read by a sync inside a unit of work that has not committed: stored for that unit only,
        # so ``knows`` does not say they are stored until it commits (another request could be told otherwise)
        self._provisional: set[Node] = set()
        # each item's conflicts for a purpose and day, as the whole graph gives them (``item_conflicts``)
        self._answers: dict[tuple[int, str, date], tuple[int, Policy, list[Conflict]]] = {}

    # --- building -------------------------------------------------------------------------------
    def _put(self, edge_id: str, edge: Relation | None) -> None:
        old = self._edges.pop(edge_id, None)
        if old is not None:
            self.graph.remove(old)
        if edge is not None:
            self.graph.add(edge)
            self._edges[edge.id] = edge  # the edge's own id string: one copy per edge

    async def load(self) -> None:
        """Rebuild everything from the database (start-up). The rows are read in id order and in batches, and
        only the columns the graph keeps (issue 17: ~490,000 relations in a few hundred MB)."""
        async with self._lock:
            with _no_cyclic_gc():  # ~2 million objects, none in a cycle: no collection midway
                self.graph, self.matcher = RelationGraph(), InstitutionMatcher()
                self._build = _Edges(self.graph)
                self._edges, self.people, self._answers = {}, {}, {}  # a new graph: nothing kept of the old one
                self._provisional = set()
                last = await GraphChange.select(GraphChange.id).order_by(GraphChange.id, ascending=False).limit(1)
                self.cursor = last[0]["id"] if last else 0
                async for row in _in_batches(Expert, (Expert.id, Expert.name)):
                    self._expert(row, key_of=normalised_name)  # not through the cache: each name is seen once
                async for row in _in_batches(Institution, INSTITUTION_COLUMNS, load_json=True):
                    self._institution(row)
                async for row in _in_batches(DecisionItem, ITEM_COLUMNS):
                    self._item(row)
                async for row in _in_batches(Person, (Person.id, Person.name)):
                    self.graph.add_node(self.graph.node("person", row["id"]), row["name"])
                tasks = {t["record_id"]: t for t in await NameMatchTask.select().where(
                    (NameMatchTask.source == "employment") & (NameMatchTask.status == "open")).output(load_json=True)}
                async for row in _in_batches(Employment, EMPLOYMENT_COLUMNS):
                    self._put(f"employment:{row['id']}", self._build.employment(row, tasks.get(row["id"])))
                async for row in _in_batches(RelationRow, RELATION_COLUMNS, RelationRow.withdrawn_at.is_null()):
                    self._put(f"relation:{row['id']}", self._build.relation(row))
                self.policy = await _current_policy()
                self.loaded = True
        if len(self.graph) >= RELEASE_AFTER_EDGES:
            release_free_memory()

    def _expert(self, row: dict, key_of: Callable[[str], str] = person_key) -> None:
        node = self.graph.node("expert", row["id"])
        self.graph.add_node(node, row["name"])
        key, expert_id = key_of(row["name"]), node[1]
        same = self.people.get(key, ())
        if expert_id not in same:
            self.people[key] = (*same, expert_id)

    def _item(self, row: dict) -> None:
        self.graph.add_node(self.graph.node("item", row["id"]), row["title"])
        self._put(f"drafts:{row['id']}", self._build.drafting(row))

    def _institution(self, row: dict) -> None:
        node = self.graph.node("institution", row["id"])
        self.graph.add_node(node, row["name"])
        self.matcher.remove(row["id"])
        self.matcher.add(row["id"], row["name"], row["aliases"] or [])
        self._put(f"parent:{row['id']}", self._build.parent(row))

    # --- following changes ----------------------------------------------------------------------
    async def sync(self) -> LiveGraph:
        """Apply the changes written since the last sync (by this or any other process); returns itself."""
        if not self.loaded:
            await self.load()
            return self
        async with self._lock:
            changes = await _CHANGES_SINCE.rows(self.cursor)  # every request syncs first: compiled once
            if not changes:
                return self
            pending: dict[str, set[int]] = defaultdict(set)
            for change in changes:
                pending[change["record_table"]].add(change["record_id"])
            unit = current_unit()
            named = [(kind, i) for kind in NAMED_KINDS for i in pending.get(kind, ())] if unit is not None else []
            new = {node for node in named if not self.graph.knows(node)}
            await self._apply(pending)
            before, self.cursor = self.cursor, changes[-1]["id"]
            if unit is not None:  # what this sync read may be uncommitted: undone if the unit rolls back
                self._provisional |= new
                unit.on_commit(lambda: self._provisional.difference_update(new))
                unit.on_rollback(lambda: self._forget_uncommitted(before, pending, new))
        return self

    async def _forget_uncommitted(self, cursor: int, pending: dict[str, set[int]], new: set[Node]) -> None:
        """After a rollback: read the records again as they are committed, and go back to the cursor from
        before, so change rows that reuse the rolled-back ids are not skipped."""
        async with self._lock:
            await self._apply(pending)
            self.cursor = min(self.cursor, cursor)
            self._provisional -= new

    async def _apply(self, pending: dict[str, set[int]]) -> None:
        if ids := pending.get("expert"):
            found = await Expert.select(Expert.id, Expert.name).where(Expert.id.is_in(list(ids)))
            for row in found:
                self._expert(row)
            self._forget("expert", ids, found)
        if ids := pending.get("person"):
            found = await Person.select(Person.id, Person.name).where(Person.id.is_in(list(ids)))
            for row in found:
                self.graph.add_node(self.graph.node("person", row["id"]), row["name"])
            self._forget("person", ids, found)
        if ids := pending.get("item"):
            found = await DecisionItem.select(*ITEM_COLUMNS).where(DecisionItem.id.is_in(list(ids)))
            for row in found:
                self._item(row)
            for gone in self._forget("item", ids, found):  # rolled back: no drafting edge
                self._put(f"drafts:{gone}", None)
        if ids := pending.get("institution"):
            found = await Institution.select(*INSTITUTION_COLUMNS).where(Institution.id.is_in(list(ids))).output(
                load_json=True)
            for row in found:
                self._institution(row)
            for gone in self._forget("institution", ids, found):  # rolled back: no name may match it any more
                self.matcher.remove(gone)
                self._put(f"parent:{gone}", None)  # nor its place under a parent
        if ids := pending.get("employment"):
            tasks = {t["record_id"]: t for t in await NameMatchTask.select().where(
                (NameMatchTask.source == "employment") & (NameMatchTask.status == "open")
                & NameMatchTask.record_id.is_in(list(ids))).output(load_json=True)}
            rows = {r["id"]: r for r in await Employment.select(*EMPLOYMENT_COLUMNS).where(
                Employment.id.is_in(list(ids)))}
            for employment_id in ids:
                record = rows.get(employment_id)
                edge = self._build.employment(record, tasks.get(employment_id)) if record else None
                self._put(f"employment:{employment_id}", edge)
        if ids := pending.get("relation"):
            rows = {r["id"]: r for r in await RelationRow.select(*RELATION_COLUMNS).where(
                RelationRow.id.is_in(list(ids)))}
            for relation_id in ids:
                record = rows.get(relation_id)
                self._put(f"relation:{relation_id}", self._build.relation(record) if record else None)
        if pending.get("policy"):
            self.policy = await _current_policy()

    def _forget(self, kind: str, ids: set[int], found: list[dict]) -> set[int]:
        """The ids of ``kind`` whose records are not stored (their creation rolled back: nothing is ever deleted),
        forgotten by the graph, so ``knows`` says they are not there."""
        gone = ids - {row["id"] for row in found}
        for record_id in gone:
            self.graph.forget((kind, record_id))
        return gone

    def knows(self, kind: str, record_id: int) -> bool:
        """Whether an expert, person, item or institution is stored, as of this process's last sync: records are
        never deleted, and the sync reads every one committed (a check asks it instead of the database). One
        first read by a unit of work not yet committed is not known (see ``provisional``)."""
        node = (kind, record_id)  # not graph.node: asking must not add a node
        return self.graph.knows(node) and node not in self._provisional

    def provisional(self, kind: str, record_id: int) -> bool:
        """First read by a sync inside a unit of work that has not committed yet: the record may be that unit's own
        uncommitted write, or another's committed one that arrived with it; only the database can say which."""
        return (kind, record_id) in self._provisional

    def edge(self, edge_id: str) -> Relation | None:
        return self._edges.get(edge_id)

    def item_conflicts(self, item_id: int, purpose: Purpose, day: date) -> list[Conflict]:
        """Every conflicted candidate of the item (``rules.check_item`` over the whole graph, in its order), kept
        until the graph (an edge, a name) or the policy changes: one-candidate checks ask about the same items
        again and again (issue 17), and the walk from an item is the same whoever is asked about."""
        key = (item_id, purpose.value, day)
        kept = self._answers.get(key)
        if kept is not None and kept[0] == self.graph.generation and kept[1] is self.policy:
            return kept[2]
        found = check_item(self.graph, self.policy, ("item", item_id), purpose, day)
        if len(self._answers) >= ANSWERS_KEPT:
            self._answers.pop(next(iter(self._answers)))  # the oldest
        self._answers[key] = (self.graph.generation, self.policy, found)
        return found


@contextlib.contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def release_free_memory() -> None:
    """After a large load: collect, then hand the C heap's free pages back to the system (glibc's ``malloc_trim``;
    elsewhere nothing), so the process's resident memory is what the graph holds, not what the rows read on the
    way took at their peak. Then freeze what is left (the graph, the imported modules): those objects live as
    long as the process, and a full collection would otherwise scan them all again (~1 million, half a second)."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    gc.freeze()


async def _current_policy() -> Policy:
    rows = await PolicyVersion.select().order_by(PolicyVersion.version, ascending=False).limit(1).output(load_json=True)
    if not rows:
        return default_policy()
    return policy_from_document(rows[0]["document"], version=rows[0]["version"])
