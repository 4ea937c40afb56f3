"""Relations (edges of the graph): entered by the office, imported, or declared by the expert;
ended on a date, or withdrawn when entered in error."""

from __future__ import annotations

from datetime import datetime

from conflicts import schemas as s
from conflicts.events import RelationEnded, RelationRecorded, RelationWithdrawn
from conflicts.live import LiveGraph
from conflicts.names import MatchStatus
from conflicts.policy import EdgeKind
from conflicts.services.matching import queue_match
from conflicts.services.views import relation_views
from conflicts.tables import Relation as RelationRow
from core.errors import Duplicate, ErrorCollector, FieldError, invalid
from core.records import get_or_404
from core.schemas import clean, day_problem
from core.uow import emit, save_protected, unit_of_work
from decisions.tables import DecisionItem
from registry.tables import Expert, Institution

E, INST, ITEM = "expert", "institution", "item"
# Which kinds of node each relation kind may join: (sources, targets).
SHAPES: dict[EdgeKind, tuple[set[str], set[str]]] = {
    EdgeKind.EMPLOYED_BY: ({E}, {INST}),
    EdgeKind.SUPERVISED: ({E}, {E}), EdgeKind.CO_WORKED: ({E}, {E}), EdgeKind.RELATIVE_OF: ({E}, {E}),
    EdgeKind.SHAREHOLDER_OF: ({E}, {INST}), EdgeKind.DIRECTOR_OF: ({E}, {INST}), EdgeKind.ADVISER_OF: ({E}, {INST}),
    EdgeKind.FUNDED_BY: ({INST}, {INST}), EdgeKind.CONTROLLED_BY: ({INST}, {INST}),
    EdgeKind.INTEREST_IN: ({E, INST}, {ITEM}), EdgeKind.ARGUED_BEFORE: ({E, INST}, {ITEM}),
}
ROLES: dict[EdgeKind, set[str]] = {
    EdgeKind.INTEREST_IN: {"applicant", "regulated_party", "beneficiary", "contractor", "other"},
    EdgeKind.RELATIVE_OF: {"spouse", "parent", "child", "sibling", "close_relative"},
    EdgeKind.SUPERVISED: {"supervisor", "student"},
}
TABLE_OF = {E: Expert, INST: Institution, ITEM: DecisionItem}


async def existing(refs: set[tuple[str, int]]) -> set[tuple[str, int]]:
    """Those of ``refs`` (kind, id) that name a stored expert, institution or decision item."""
    found = set()
    for kind, table in TABLE_OF.items():
        ids = [i for k, i in refs if k == kind]
        if ids:
            found |= {(kind, r["id"]) for r in await table.select(table.id).where(table.id.is_in(ids))}
    return found


async def validate_relations(items: list[tuple[s.DeclarationIn, tuple[str, int]]], prefix: str) -> None:
    """Every problem of every relation, named by its place in the request (422)."""
    errors = ErrorCollector()
    refs = {src for _, src in items} | {(d.target.kind, d.target.id) for d, _ in items if d.target}
    stored = await existing(refs)
    for n, (d, source) in enumerate(items):
        here = prefix.format(n)
        if d.kind == EdgeKind.PART_OF:
            errors.add(f"{here}kind", "institution hierarchy is kept on the institution record (parent_id)")
            continue
        sources, targets = SHAPES[d.kind]
        if source[0] not in sources:
            errors.add(f"{here}source.kind", f"a '{d.kind.value}' relation starts at {' or '.join(sorted(sources))}")
        elif source not in stored:
            errors.add(f"{here}source.id", f"no {source[0]} with id {source[1]}")
        if (d.target is None) == (d.target_text is None):
            errors.add(f"{here}target", "give either target (kind and id) or target_text (a name as written)")
        elif d.target is not None:
            if d.target.kind not in targets:
                errors.add(f"{here}target.kind", f"a '{d.kind.value}' relation ends at {' or '.join(sorted(targets))}")
            elif (d.target.kind, d.target.id) not in stored:
                errors.add(f"{here}target.id", f"no {d.target.kind} with id {d.target.id}")
            elif (d.target.kind, d.target.id) == source:
                errors.add(f"{here}target", "a relation needs two different parties")
        elif targets != {INST}:
            errors.add(f"{here}target_text", "a name as written can only be matched to an institution")
        if d.kind in ROLES and d.role and d.role not in ROLES[d.kind]:
            errors.add(f"{here}role", f"one of {sorted(ROLES[d.kind])}")
        for name, day in (("start", d.start), ("end", d.end)):
            if problem := day_problem(day):
                errors.add(f"{here}{name}", problem)
        if d.start and d.end and d.end < d.start:
            errors.add(f"{here}end", f"end {d.end} is before start {d.start}")
    errors.raise_if_any("relation refused")


async def _insert_relation(live: LiveGraph, d: s.DeclarationIn, source: tuple[str, int], origin: str,
                           entered_by: str) -> RelationRow:
    row = RelationRow(kind=d.kind.value, source_kind=source[0], source_id=source[1], role=d.role, start=d.start,
                      end=d.end, origin=origin, detail=d.detail, entered_by=entered_by)
    match = None
    if d.target is not None:
        row.target_kind, row.target_id = d.target.kind, d.target.id
    else:
        match = live.matcher.match(d.target_text)
        row.target_kind, row.target_text, row.match_score = INST, d.target_text.strip(), match.score
        row.target_id = match.institution_id if match.status != MatchStatus.NONE else None
        row.confirmed = match.status == MatchStatus.SURE
    await save_protected(row)  # a protected row: its digest goes into the record (issue 12)
    if match is not None and match.status != MatchStatus.SURE:
        await queue_match(live, "relation", row.id, row.target_text, match)
    emit(RelationRecorded(row.id))
    return row


async def create_relations(live: LiveGraph, items: list[tuple[s.DeclarationIn, tuple[str, int]]], origin: str,
                           entered_by: str, prefix: str = "") -> list[RelationRow]:
    """All or nothing: a refused request stores no relation. Names as written are matched against
    the institutions of ``live`` (synced by the caller)."""
    await validate_relations(items, prefix)
    async with unit_of_work():
        return [await _insert_relation(live, d, source, origin, entered_by) for d, source in items]


async def declare(live: LiveGraph, expert_id: int, data: s.DeclarationIn) -> RelationRow:
    """An expert declares an interest or relation (自我申报): an edge starting at the expert."""
    expert = await get_or_404(Expert, expert_id, "expert")
    [row] = await create_relations(live, [(data, (E, expert_id))], "declaration", expert.name)
    return row


async def end_relation(relation_id: int, data: s.RelationEndIn) -> RelationRow:
    async with unit_of_work():  # read and written in one transaction: no other write slips in between
        row = await get_or_404(RelationRow, relation_id, "relation")
        if problem := day_problem(data.end):
            raise invalid("end", problem)
        if row.start and data.end < row.start:
            raise invalid("end", f"end {data.end} is before start {row.start}")
        row.end = data.end
        await save_protected(row)
        emit(RelationEnded(row.id))
    return row


async def withdraw_relation(relation_id: int, data: s.WithdrawIn, now: datetime) -> RelationRow:
    """Entered in error: kept for the record, no longer an edge."""
    async with unit_of_work():
        row = await get_or_404(RelationRow, relation_id, "relation")
        if row.withdrawn_at is not None:
            raise Duplicate("relation already withdrawn", [FieldError("id", f"withdrawn at {row.withdrawn_at}")])
        row.withdrawn_at, row.withdrawn_reason = now, f"{clean(data.reason)}（{clean(data.entered_by)}）"
        await save_protected(row)
        emit(RelationWithdrawn(row.id))
    return row


async def list_relations(live: LiveGraph, kind: str | None, node_kind: str | None, node_id: int | None, offset: int,
                         limit: int) -> list[s.RelationOut]:
    query = RelationRow.objects().order_by(RelationRow.id).offset(offset).limit(limit)
    if kind:
        query = query.where(RelationRow.kind == kind)
    if node_kind and node_id is not None:
        query = query.where(((RelationRow.source_kind == node_kind) & (RelationRow.source_id == node_id))
                            | ((RelationRow.target_kind == node_kind) & (RelationRow.target_id == node_id)))
    return await relation_views(live, await query)
