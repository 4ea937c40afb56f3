"""Merging two records decided to be one (issue 13): a possible duplicate decided "same".

The duplicate's rows (employments, specialties, applications, terms and letters, ratings, declines, reviews,
dismissals, discredit records; for an institution: its staff's employments, its sub-units, pool entries,
recommendations, ratings it gave, discredit records) are re-pointed to the record kept, so the kept record
carries the whole history and the relationship graph sees one node. Nothing is deleted: the duplicate's
row stays, marked ``merged_into``, and leaves the lists and draws. Every row moved is written down in a
``RecordMerge`` (table, column, id, from, to), so a reversal puts back exactly those rows; a row changed
again since the merge is left as it is and named.

The functions here run inside the caller's unit of work (the conflict capability's decision of the flag
adds its own rows, relations, through ``repoint`` with its own tables) and take plain ids.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from piccolo.table import Table

from core.errors import conflict, not_found
from core.uow import emit, touch, update_protected
from registry.events import MergeReversed, RecordsMerged
from registry.services.eligibility_facts import eligibility_changed
from registry.services.search import refresh_search_keys
from registry.tables import (
    AnnualReview,
    Application,
    CommitmentLetter,
    Decline,
    DiscreditRecord,
    Dismissal,
    Employment,
    EvaluatorPoolEntry,
    Expert,
    ExpertChangeRequest,
    ExpertSpecialty,
    Institution,
    PerformanceRating,
    RecordMerge,
    Term,
)

Moved = dict  # {"table", "column", "id", "from", "to"}

# The registry's rows that belong to an expert, and to an institution: (table, column).
EXPERT_ROWS: list[tuple[type[Table], str]] = [
    (Employment, "expert"), (ExpertSpecialty, "expert"), (Application, "expert"), (Term, "expert"),
    (CommitmentLetter, "expert"), (PerformanceRating, "expert"), (Decline, "expert"), (AnnualReview, "expert"),
    (Dismissal, "expert"), (DiscreditRecord, "expert"), (ExpertChangeRequest, "expert"),
]
INSTITUTION_ROWS: list[tuple[type[Table], str]] = [
    (Employment, "institution"), (Institution, "parent"), (EvaluatorPoolEntry, "institution"),
    (Application, "recommended_by"), (PerformanceRating, "unit"), (DiscreditRecord, "institution"),
]
REGISTRY_TABLES: dict[str, type[Table]] = {t._meta.tablename: t for t, _ in EXPERT_ROWS + INSTITUTION_ROWS}

# The graph is built from these rows (conflicts.live): a move of one is announced so every process re-reads it.
_GRAPH_TABLES = {"employment": "employment", "institution": "institution", "relation": "relation"}

KIND_LABEL = {"expert": "专家", "institution": "机构"}


def record_table(kind: str) -> Any:  # Expert or Institution (both have merged_into)
    return Expert if kind == "expert" else Institution


async def repoint(table: type[Table], column: str, from_id: int, to_id: int, where: Any = None) -> list[Moved]:
    """Every row of ``table`` whose ``column`` is ``from_id`` (and ``where``) now says ``to_id``; the rows moved."""
    col = table._meta.get_column_by_name(column)
    condition = col == from_id
    if where is not None:
        condition = condition & where
    ids = await update_protected(table, {col: to_id}, condition)
    return [{"table": table._meta.tablename, "column": column, "id": i, "from": from_id, "to": to_id}
            for i in sorted(ids)]


async def restore(moved: list[Moved], tables: dict[str, type[Table]]) -> tuple[list[Moved], list[Moved]]:
    """Put every moved row back where it was, if it still points where the merge put it: (restored, not)."""
    done: list[Moved] = []
    left: list[Moved] = []
    for entry in moved:
        table: Any = tables[entry["table"]]
        col = table._meta.get_column_by_name(entry["column"])
        ids = await update_protected(table, {col: entry["from"]}, (table.id == entry["id"]) & (col == entry["to"]))
        (done if ids else left).append(entry)
    return done, left


def moved_names(moved: list[Moved]) -> tuple[str, ...]:
    return tuple(f"{m['table']}.{m['column']}:{m['id']}" for m in moved)


def graph_records(moved: list[Moved], extra: tuple[tuple[str, int], ...] = ()) -> tuple[tuple[str, int], ...]:
    found = {(_GRAPH_TABLES[m["table"]], m["id"]) for m in moved if m["table"] in _GRAPH_TABLES}
    return tuple(sorted(found | set(extra)))


async def hold_records(kind: str, kept_id: int, merged_id: int) -> tuple[dict, dict]:
    """Both records, held for the rest of the unit (written first: a row lock on PostgreSQL; SQLite's write
    lock is held from the start), in id order; refused when missing, the same, or merged already."""
    table = record_table(kind)
    label = KIND_LABEL[kind]
    if kept_id == merged_id:
        raise conflict("不能合并到自身", "id", f"不能把{label}记录合并到它自己")
    for record_id in sorted((kept_id, merged_id)):
        await table.update({table.merged_into: table.merged_into}).where(table.id == record_id)
    rows = {r["id"]: r for r in await table.select(table.id, table.merged_into).where(
        table.id.is_in([kept_id, merged_id]))}
    for record_id in (kept_id, merged_id):
        if record_id not in rows:
            raise not_found(label, record_id)
        if rows[record_id]["merged_into"] is not None:
            raise conflict("该记录已合并", "id",
                           f"{label}记录 {record_id} 已合并到记录 {rows[record_id]['merged_into']}，请先撤销那次合并",
                           "R-REC-1", merged_into=rows[record_id]["merged_into"])
    return rows[kept_id], rows[merged_id]


async def move_registry_rows(kind: str, kept_id: int, merged_id: int) -> list[Moved]:
    """Re-point the duplicate's registry rows to the record kept (inside the caller's unit of work)."""
    moved: list[Moved] = []
    if kind == "expert":
        held = {r["specialty_code"] for r in await ExpertSpecialty.select(ExpertSpecialty.specialty_code).where(
            ExpertSpecialty.expert == kept_id)}
        for table, column in EXPERT_ROWS:
            where = ExpertSpecialty.specialty_code.not_in(list(held)) if table is ExpertSpecialty and held else None
            moved += await repoint(table, column, merged_id, kept_id, where)
    else:
        for table, column in INSTITUTION_ROWS:
            # the kept institution itself may be a sub-unit of the duplicate: it does not become its own parent
            where = Institution.id != kept_id if table is Institution else None
            moved += await repoint(table, column, merged_id, kept_id, where)
    return moved


async def add_aliases(kept_id: int, merged_id: int) -> list[str]:
    """The duplicate institution's names become aliases of the one kept (so the names as typed match it)."""
    kept = await Institution.objects().where(Institution.id == kept_id).output(load_json=True).first()
    merged = await Institution.objects().where(Institution.id == merged_id).output(load_json=True).first()
    if kept is None or merged is None:  # held by ``hold_records`` in this unit: cannot happen
        raise not_found("机构", kept_id if kept is None else merged_id)
    have = {kept.name, *(kept.aliases or [])}
    added = [n for n in dict.fromkeys([merged.name, *(merged.aliases or [])]) if n and n not in have]
    if added:
        kept.aliases = [*(kept.aliases or []), *added]  # type: ignore[assignment]  # a JSON column
        await kept.save([Institution.aliases])
    return added


async def remove_aliases(kept_id: int, added: list[str]) -> None:
    if not added:
        return
    kept = await Institution.objects().where(Institution.id == kept_id).output(load_json=True).first()
    if kept is None:
        return
    kept.aliases = [a for a in kept.aliases or [] if a not in set(added)]  # type: ignore[assignment]
    await kept.save([Institution.aliases])


async def record_merge(kind: str, kept_id: int, merged_id: int, flag_id: int | None, moved: list[Moved],
                       aliases_added: list[str], by: str, note: str, now: datetime) -> RecordMerge:
    """Mark the duplicate, store what moved and announce it (RecordsMerged), inside the caller's unit."""
    table = record_table(kind)
    await table.update({table.merged_into: kept_id}).where(table.id == merged_id)
    merge = RecordMerge(kind=kind, kept_id=kept_id, merged_id=merged_id, flag=flag_id, moved=moved,
                        aliases_added=aliases_added, merged_by=by[:64], note=note, merged_at=now)
    await merge.save()
    touch(RecordMerge, merge.id)
    extra = (("institution", kept_id),) if kind == "institution" else ()
    await _refresh_search_keys(kind, kept_id, merged_id)
    emit(RecordsMerged(merge.id, kind, kept_id, merged_id, moved_names(moved), graph_records(moved, extra)))
    return merge


async def _refresh_search_keys(kind: str, kept_id: int, merged_id: int) -> None:
    """Names and current employers found by ``GET /experts?q=`` follow the rows a merge (or its reversal) moved:
    the two experts, or everyone employed at either institution."""
    if kind == "expert":
        ids = [kept_id, merged_id]
        await eligibility_changed(kept_id, merged_id)  # issue 17: terms and letters moved with the rows
    else:
        ids = [r["expert"] for r in await Employment.select(Employment.expert).where(
            Employment.institution.is_in([kept_id, merged_id]))]
    if ids:
        await refresh_search_keys(sorted(set(ids)))


async def open_merge_of(kind: str, first_id: int, second_id: int) -> RecordMerge | None:
    """The merge in force between these two records (either way round), if any."""
    pair = RecordMerge.kept_id.is_in([first_id, second_id]) & RecordMerge.merged_id.is_in([first_id, second_id])
    return await RecordMerge.objects().where(
        (RecordMerge.kind == kind) & pair & RecordMerge.reversed_at.is_null()).output(load_json=True).first()


async def reverse_merge(merge: RecordMerge, tables: dict[str, type[Table]], by: str, reason: str,
                        now: datetime) -> RecordMerge:
    """Undo a merge inside the caller's unit: the rows it moved point at the duplicate again (those changed
    since stay and are named), the aliases it added go, the duplicate is a record of its own again."""
    table = record_table(merge.kind)
    label = KIND_LABEL[merge.kind]
    kept = await table.select(table.merged_into).where(table.id == merge.kept_id).first()
    if kept is not None and kept["merged_into"] is not None:
        raise conflict("保留的记录之后又被合并", "id",
                       f"保留的{label}记录 {merge.kept_id} 之后又合并到了记录 {kept['merged_into']}，请先撤销那次合并",
                       "R-REC-1", merged_into=kept["merged_into"])
    await table.update({table.merged_into: table.merged_into}).where(table.id.is_in([merge.kept_id, merge.merged_id]))
    moved: list[Moved] = list(merge.moved or [])  # type: ignore[arg-type]  # a JSON column, loaded
    restored, left = await restore(list(reversed(moved)), {**REGISTRY_TABLES, **tables})
    if merge.kind == "institution":
        await remove_aliases(merge.kept_id, list(merge.aliases_added or []))
    await table.update({table.merged_into: None}).where(table.id == merge.merged_id)
    await _refresh_search_keys(merge.kind, merge.kept_id, merge.merged_id)
    merge.reversed_at, merge.reversed_by, merge.reversal_reason = now, by[:64], reason
    merge.not_restored = left  # type: ignore[assignment]  # a JSON column
    await merge.save()
    touch(RecordMerge, merge.id)
    extra = (("institution", merge.kept_id),) if merge.kind == "institution" else ()
    emit(MergeReversed(merge.id, merge.kind, merge.kept_id, merge.merged_id, moved_names(restored),
                       moved_names(left), graph_records(restored, extra)))
    return merge
