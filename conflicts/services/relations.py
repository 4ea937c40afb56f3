"""Relations (edges of the graph): entered by the office, imported, or declared by the expert;
ended on a date, or withdrawn when entered in error."""

from __future__ import annotations

from datetime import datetime

from conflicts import schemas as s
from conflicts.events import RelationEnded, RelationRecorded, RelationWithdrawn
from conflicts.live import LiveGraph
from conflicts.names import MatchStatus
from conflicts.policy import EdgeKind
from conflicts.services.actors import with_sent_name
from conflicts.services.matching import queue_match
from conflicts.services.views import relation_views
from conflicts.tables import Person
from conflicts.tables import Relation as RelationRow
from core.errors import Duplicate, ErrorCollector, FieldError, Forbidden, invalid
from core.records import get_or_404
from core.schemas import Page, clean, day_problem
from core.uow import emit, save_protected, unit_of_work
from decisions.tables import DecisionItem
from registry.tables import Expert, Institution

E, INST, ITEM, P = "expert", "institution", "item", "person"
# Which kinds of node each relation kind may join: (sources, targets). A person who is not an expert
# (issue 13) holds the relations a relative or a company's officer holds.
SHAPES: dict[EdgeKind, tuple[set[str], set[str]]] = {
    EdgeKind.EMPLOYED_BY: ({E, P}, {INST}),
    EdgeKind.SUPERVISED: ({E}, {E}), EdgeKind.CO_WORKED: ({E}, {E}), EdgeKind.RELATIVE_OF: ({E, P}, {E, P}),
    EdgeKind.SHAREHOLDER_OF: ({E, P}, {INST}), EdgeKind.DIRECTOR_OF: ({E, P}, {INST}),
    EdgeKind.ADVISER_OF: ({E, P}, {INST}),
    EdgeKind.FUNDED_BY: ({INST}, {INST}), EdgeKind.CONTROLLED_BY: ({INST}, {INST}),
    EdgeKind.INTEREST_IN: ({E, INST, P}, {ITEM}), EdgeKind.ARGUED_BEFORE: ({E, INST}, {ITEM}),
}
KIND_NAMES = {E: "专家", INST: "机构", ITEM: "决策事项", P: "人员"}
ROLES: dict[EdgeKind, set[str]] = {
    EdgeKind.INTEREST_IN: {"applicant", "regulated_party", "beneficiary", "contractor", "other"},
    EdgeKind.RELATIVE_OF: {"spouse", "parent", "child", "sibling", "close_relative"},
    EdgeKind.SUPERVISED: {"supervisor", "student"},
}
TABLE_OF = {E: Expert, INST: Institution, ITEM: DecisionItem, P: Person}


def _names(kinds: set[str]) -> str:
    return "或".join(f"{KIND_NAMES[k]}（{k}）" for k in sorted(kinds))


async def check_unit_entries(items: list[tuple[s.DeclarationIn, tuple[str, int]]], unit_id: int, prefix: str) -> None:
    """A drafting unit enters the interested parties of its own items, and nothing else (403)."""
    errors = ErrorCollector()
    item_ids = [d.target.id for d, _ in items if d.target is not None and d.target.kind == ITEM]
    own = {r["id"] for r in await DecisionItem.select(DecisionItem.id).where(
        DecisionItem.id.is_in(item_ids) & (DecisionItem.drafting_unit == unit_id))} if item_ids else set()
    for n, (d, _) in enumerate(items):
        here = prefix.format(n)
        if d.kind != EdgeKind.INTEREST_IN:
            errors.add(f"{here}kind", "承办单位只能录入本单位决策事项的利害关系方（interest_in）")
        elif d.target is None or d.target.kind != ITEM or d.target.id not in own:
            errors.add(f"{here}target", "承办单位只能为本单位承办的决策事项录入利害关系方")
    if errors.errors:
        raise Forbidden("不得录入此关系", list(errors.errors))


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
            errors.add(f"{here}kind", "机构隶属关系记录在机构档案上（parent_id）")
            continue
        if d.kind == EdgeKind.DRAFTS:  # derived from the item's drafting unit, never entered (schemathesis: 500)
            errors.add(f"{here}kind", "承办关系来自决策事项的承办单位（drafting_unit），不能单独录入")
            continue
        sources, targets = SHAPES[d.kind]
        if source[0] not in sources:
            errors.add(f"{here}source.kind", f"「{d.kind.value}」关系的起点须为{_names(sources)}")
        elif source not in stored:
            errors.add(f"{here}source.id", f"不存在 id 为 {source[1]} 的{KIND_NAMES[source[0]]}")
        if (d.target is None) == (d.target_text is None):
            errors.add(f"{here}target", "须填写 target（kind 与 id）或 target_text（书面名称）二者之一")
        elif d.target is not None:
            if d.target.kind not in targets:
                errors.add(f"{here}target.kind", f"「{d.kind.value}」关系的终点须为{_names(targets)}")
            elif (d.target.kind, d.target.id) not in stored:
                errors.add(f"{here}target.id", f"不存在 id 为 {d.target.id} 的{KIND_NAMES[d.target.kind]}")
            elif (d.target.kind, d.target.id) == source:
                errors.add(f"{here}target", "关系的双方须不同")
        elif targets != {INST}:
            errors.add(f"{here}target_text", "书面名称只能匹配到机构")
        if d.kind in ROLES and d.role and d.role not in ROLES[d.kind]:
            errors.add(f"{here}role", f"须为以下之一：{sorted(ROLES[d.kind])}")
        for name, day in (("start", d.start), ("end", d.end)):
            if problem := day_problem(day):
                errors.add(f"{here}{name}", problem)
        if d.start and d.end and d.end < d.start:
            errors.add(f"{here}end", f"结束日期 {d.end} 早于开始日期 {d.start}")
    errors.raise_if_any("关系未录入")


async def _insert_relation(live: LiveGraph, d: s.DeclarationIn, source: tuple[str, int], origin: str,
                           entered_by: str, unit_id: int | None) -> RelationRow:
    sent = getattr(d, "entered_by", None)  # an old body's free-text name: a note, never the actor
    row = RelationRow(kind=d.kind.value, source_kind=source[0], source_id=source[1], role=d.role, start=d.start,
                      end=d.end, origin=origin, detail=with_sent_name(d.detail, entered_by, sent),
                      entered_by=entered_by, entered_by_unit=unit_id)
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
                           entered_by: str, prefix: str = "", unit_id: int | None = None) -> list[RelationRow]:
    """All or nothing: a refused request stores no relation. Names as written are matched against
    the institutions of ``live`` (synced by the caller). ``entered_by`` is the login; ``unit_id`` a
    drafting unit entering the interested parties of its own items (only those: 403 otherwise)."""
    if unit_id is not None:
        await check_unit_entries(items, unit_id, prefix)
        origin = "unit"
    await validate_relations(items, prefix)
    async with unit_of_work():
        return [await _insert_relation(live, d, source, origin, entered_by, unit_id) for d, source in items]


async def declare(live: LiveGraph, expert_id: int, data: s.DeclarationIn, entered_by: str) -> RelationRow:
    """An expert declares an interest or relation (自我申报): an edge starting at the expert."""
    await get_or_404(Expert, expert_id, "专家", "expert_id")
    [row] = await create_relations(live, [(data, (E, expert_id))], "declaration", entered_by)
    return row


async def end_relation(relation_id: int, data: s.RelationEndIn) -> RelationRow:
    async with unit_of_work():  # read and written in one transaction: no other write slips in between
        row = await get_or_404(RelationRow, relation_id, "关系")
        if problem := day_problem(data.end):
            raise invalid("end", problem)
        if row.start and data.end < row.start:
            raise invalid("end", f"结束日期 {data.end} 早于开始日期 {row.start}")
        row.end = data.end
        await save_protected(row)
        emit(RelationEnded(row.id))
    return row


async def withdraw_relation(relation_id: int, data: s.WithdrawIn, now: datetime, actor: str) -> RelationRow:
    """Entered in error: kept for the record, no longer an edge. ``actor``: the login."""
    async with unit_of_work():
        row = await get_or_404(RelationRow, relation_id, "关系")
        if row.withdrawn_at is not None:
            raise Duplicate("该关系已撤回", [FieldError("id", f"已于 {row.withdrawn_at} 撤回")])
        reason = with_sent_name(clean(data.reason), actor, data.entered_by)
        row.withdrawn_at, row.withdrawn_reason = now, f"{reason}（{actor}）"
        await save_protected(row)
        emit(RelationWithdrawn(row.id))
    return row


async def list_relations(live: LiveGraph, kind: str | None, node_kind: str | None, node_id: int | None, offset: int,
                         limit: int, entered_by_unit: int | None = None, origin: str | None = None
                         ) -> Page[s.RelationOut]:
    """A page of relations, filtered by kind, by a node at either end, by the drafting unit that entered
    them and by origin; ``total`` counts every matching row."""
    conditions: list = []
    if kind:
        conditions.append(RelationRow.kind == kind)
    if node_kind and node_id is not None:
        conditions.append(((RelationRow.source_kind == node_kind) & (RelationRow.source_id == node_id))
                          | ((RelationRow.target_kind == node_kind) & (RelationRow.target_id == node_id)))
    if entered_by_unit is not None:
        conditions.append(RelationRow.entered_by_unit == entered_by_unit)
    if origin:
        conditions.append(RelationRow.origin == origin)
    query = RelationRow.objects().order_by(RelationRow.id).offset(offset).limit(limit)
    count = RelationRow.count()
    if conditions:
        query, count = query.where(*conditions), count.where(*conditions)
    return Page(await relation_views(live, await query), await count, offset, limit)
