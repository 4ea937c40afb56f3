"""Possible duplicates: an expert or institution that looks like one entered before is flagged on
entry or by a scan after an import; a person decides each flag (distinct records, or the same one).

Deciding "same" merges the two records (issue 13): the later one (``second_id``) is merged into the one
entered first (``first_id``). The registry moves the duplicate's own rows (``registry.services.merging``);
here the relations that start or end at it, and the dismissals of its conflicts, follow it. Every row moved
is recorded in the merge, announced (``RecordsMerged``: the graph of every process re-reads the employments,
relations and institutions among them), and a reversal (``unmerge``, or the flag decided "distinct"
afterwards) puts back exactly those rows.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from conflicts import schemas as s
from conflicts.duplicates import (
    PersonRecord,
    duplicates_of,
    flag_duplicates,
    person_key,
)
from conflicts.live import LiveGraph, note_change
from conflicts.names import normalise
from conflicts.services.views import duplicate_out
from conflicts.tables import ConflictDismissal, Relation
from core.errors import conflict, not_found
from core.records import stored
from core.schemas import Page
from core.uow import current_unit, unit_of_work
from registry.events import MergeReversed, RecordsMerged
from registry.services import merging
from registry.tables import Employment, Expert, Institution, PossibleDuplicate, RecordMerge

Flag = tuple[int, int, float, tuple[str, ...]]  # first id, second id, score, reasons


async def _store_flags(kind: str, flags: list[Flag]) -> int:
    known = {(r["first_id"], r["second_id"]) for r in await PossibleDuplicate.select(
        PossibleDuplicate.first_id, PossibleDuplicate.second_id).where(PossibleDuplicate.kind == kind)}
    new = [PossibleDuplicate(kind=kind, first_id=a, second_id=b, score=score, reasons=list(reasons))
           for a, b, score, reasons in flags if (a, b) not in known]
    if new:
        await PossibleDuplicate.insert(*new)
    return len(new)


async def _person_records(where=None) -> list[PersonRecord]:
    query = Expert.select(Expert.id, Expert.name, Expert.id_number_digest, Expert.email)
    if where is not None:
        query = query.where(where)
    rows = await query
    employers: dict[int, str] = {}
    ids = [r["id"] for r in rows]
    if ids:
        for e in await Employment.select(Employment.expert, Employment.employer_name).where(
                Employment.expert.is_in(ids) & Employment.end.is_null()):
            employers[e["expert"]] = normalise(e["employer_name"])
    return [PersonRecord(r["id"], r["name"], r["id_number_digest"], "", r["email"], None, employers.get(r["id"], ""))
            for r in rows]


async def _person_records_in(ids: list[int], live_only: bool = False) -> list[PersonRecord]:
    """``_person_records`` of many ids, a thousand per query (``live_only``: not merged into another)."""
    records: list[PersonRecord] = []
    for start in range(0, len(ids), 1000):
        where = Expert.id.is_in(ids[start:start + 1000])
        records += await _person_records(where & Expert.merged_into.is_null() if live_only else where)
    return records


async def flag_expert_on_entry(live: LiveGraph, expert: Expert) -> int:
    """Compare a new expert with those sharing a blocking key: name (after normalising) or e-mail.
    ``live`` must be synced (it knows the experts by normalised name)."""
    return await flag_experts_on_entry(live, [expert.id])


async def flag_experts_on_entry(live: LiveGraph, expert_ids: list[int] | tuple[int, ...]) -> int:
    """``flag_expert_on_entry`` for many experts entered together (an import, issue 16): each is compared with
    the experts sharing its normalised name (those ``live`` knows, and the others entered with it) or its
    e-mail, read set-wise; a pair is flagged once. Returns how many flags are new."""
    new = await _person_records_in(sorted(set(expert_ids)))
    if not new:
        return 0
    entered: dict[str, set[int]] = {}
    for record in new:
        entered.setdefault(person_key(record.name), set()).add(record.id)
    emails = sorted({r.email for r in new if r.email})
    by_email: dict[str, set[int]] = {}
    for start in range(0, len(emails), 1000):
        for row in await Expert.select(Expert.id, Expert.email).where(Expert.email.is_in(emails[start:start + 1000])):
            by_email.setdefault(row["email"], set()).add(row["id"])
    candidates: dict[int, set[int]] = {}
    for record in new:
        key = person_key(record.name)
        found = set(live.people.get(key, ())) | entered[key] | by_email.get(record.email, set())
        found.discard(record.id)
        candidates[record.id] = found
    others = {r.id: r for r in await _person_records_in(sorted(set().union(*candidates.values())), live_only=True)}
    flags: dict[tuple[int, int], Flag] = {}
    for record in new:
        for f in duplicates_of(record, [others[i] for i in sorted(candidates[record.id]) if i in others]):
            flags.setdefault((f.first, f.second), (f.first, f.second, f.score, f.reasons))
    return await _store_flags("expert", list(flags.values()))


async def flag_institution_on_entry(live: LiveGraph, institution: Institution) -> int:
    """A new institution whose name matches an existing one (after normalising, or nearly) is flagged.
    ``live`` must be synced (its matcher knows the institutions)."""
    flags: list[Flag] = []
    merged = {r["id"] for r in await Institution.select(Institution.id).where(Institution.merged_into.is_not_null())}
    for text in (institution.name, *(institution.aliases or [])):
        match = live.matcher.match(text)
        for other, score in (match.alternatives or ((match.institution_id, match.score),)):
            if other is not None and other != institution.id and other not in merged and score >= 90:
                flags.append((min(other, institution.id), max(other, institution.id), score,
                              (f"名称“{text}”与“{live.graph.name(('institution', other))}”相符（{score:.0f} 分）",)))
    return await _store_flags("institution", flags)


async def scan_duplicates() -> s.ScanOut:
    """After an import: flag likely duplicates among all experts and all institutions."""
    records = await _person_records(Expert.merged_into.is_null())
    expert_flags = [(f.first, f.second, f.score, f.reasons) for f in flag_duplicates(records)]
    institutions = await Institution.select(Institution.id, Institution.name).where(Institution.merged_into.is_null())
    by_key: dict[str, list[dict]] = {}
    for row in institutions:
        by_key.setdefault(normalise(row["name"]), []).append(row)
    institution_flags: list[Flag] = [(a["id"], b["id"], 100.0, (f"规范化后名称相同：{a['name']} / {b['name']}",))
                         for rows in by_key.values() for n, a in enumerate(rows) for b in rows[n + 1:]]
    new = await _store_flags("expert", expert_flags) + await _store_flags("institution", institution_flags)
    return s.ScanOut(len(records), len(institutions), new)


async def list_duplicates(kind: str | None, status: str | None, record_id: int | None = None) -> list[s.DuplicateOut]:
    query = PossibleDuplicate.select().order_by(PossibleDuplicate.id).output(load_json=True)
    for condition in _duplicate_filters(kind, status, record_id):
        query = query.where(condition)
    return [duplicate_out(r) for r in await query]


def _duplicate_filters(kind: str | None, status: str | None, record_id: int | None) -> list[Any]:
    conditions: list[Any] = []
    if kind:
        conditions.append(PossibleDuplicate.kind == kind)
    if status:
        conditions.append(PossibleDuplicate.status == status)
    if record_id is not None:
        conditions.append((PossibleDuplicate.first_id == record_id) | (PossibleDuplicate.second_id == record_id))
    return conditions


async def duplicates_page(kind: str | None, status: str | None, record_id: int | None, offset: int = 0,
                          limit: int = 50) -> Page[s.DuplicateOut]:
    """The flags as one page (``core.schemas.Page``), oldest first; ``total`` counts every match."""
    query = PossibleDuplicate.select().order_by(PossibleDuplicate.id).output(load_json=True)
    count = PossibleDuplicate.count()
    for condition in _duplicate_filters(kind, status, record_id):
        query, count = query.where(condition), count.where(condition)
    rows = await query.offset(offset).limit(limit)
    return Page([duplicate_out(r) for r in rows], await count, offset, limit)


# --- deciding a flag, merging and unmerging -------------------------------------------------------------
def _acting(by: str | None, data: object = None, now: datetime | None = None) -> tuple[str, datetime]:
    """Who acts and when, inside the unit of work: the login recorded for the request (the unit's context) wins
    over a name sent in the body; the service's clock of the request, else now."""
    unit = current_unit()
    context = unit.context if unit is not None else None
    login = context.actor.partition(":")[2] or context.actor if context is not None else ""  # "role:username"
    actor = by or login or str(getattr(data, "by", "") or "")
    at = now or (context.at if context is not None and context.at is not None else None) or datetime.now(UTC)
    return actor, at


# The conflict capability's rows that name an expert or an institution: (table, kind column, id column).
_CONFLICT_ROWS = [
    (Relation, "source_kind", "source_id"), (Relation, "target_kind", "target_id"),
    (ConflictDismissal, "subject_kind", "subject_id"),
]
CONFLICT_TABLES = {t._meta.tablename: t for t, _, _ in _CONFLICT_ROWS}


async def merge_flagged(flag: PossibleDuplicate, by: str, note: str, now: datetime) -> RecordMerge:
    """Merge the flag's later record into its first one (inside the caller's unit of work)."""
    kind, kept_id, merged_id = flag.kind, flag.first_id, flag.second_id
    await merging.hold_records(kind, kept_id, merged_id)
    moved = await merging.move_registry_rows(kind, kept_id, merged_id)
    for table, kind_column, id_column in _CONFLICT_ROWS:
        moved += await merging.repoint(table, id_column, merged_id, kept_id,
                                       table._meta.get_column_by_name(kind_column) == kind)
    aliases = await merging.add_aliases(kept_id, merged_id) if kind == "institution" else []
    return await merging.record_merge(kind, kept_id, merged_id, flag.id, moved, aliases, by, note, now)


async def _merge_in_force(flag: PossibleDuplicate) -> RecordMerge:
    merge = await merging.open_merge_of(flag.kind, flag.first_id, flag.second_id)
    if merge is None:
        raise conflict("两条记录没有合并", "status", f"重复标记 {flag.id} 的两条记录目前没有合并，无可撤销",
                       "R-REC-1")
    return merge


async def _hold_flag(flag_id: int) -> PossibleDuplicate:
    """The flag, held for the unit (written first: a row lock on PostgreSQL), so two decisions take turns."""
    await PossibleDuplicate.update({PossibleDuplicate.status: PossibleDuplicate.status}).where(
        PossibleDuplicate.id == flag_id)
    row = await PossibleDuplicate.objects().where(PossibleDuplicate.id == flag_id).output(load_json=True).first()
    if row is None:
        raise not_found("duplicate flag", flag_id)
    return row


async def decide_duplicate(flag_id: int, data: s.DuplicateDecisionIn, actor: str | None = None,
                           now: datetime | None = None) -> s.DuplicateOut:
    """Decide a flag. "same" merges the two records (the later into the first); "distinct" after "same"
    undoes the merge; deciding what is decided already changes nothing but the note."""
    note = data.note or ""
    async with unit_of_work():
        by, now = _acting(actor, data, now)
        row = await _hold_flag(flag_id)
        if data.status == "same" and row.status != "same":
            await merge_flagged(row, by, note, now)
        elif data.status != "same" and row.status == "same":
            merge = await _merge_in_force(row)
            await merging.reverse_merge(merge, CONFLICT_TABLES, by, note or "决定改为不同记录", now)
        row.status, row.decided_by, row.note = data.status, by[:64], note
        await row.save()
    return duplicate_out(await stored(PossibleDuplicate, flag_id))


async def unmerge(flag_id: int, reason: str, actor: str | None = None, now: datetime | None = None) -> RecordMerge:
    """Undo the merge a "same" decision made: every row it moved points at the duplicate again (rows changed
    since stay and are listed), the duplicate is a record of its own, and the flag reads "distinct"."""
    async with unit_of_work():
        by, now = _acting(actor, None, now)
        row = await _hold_flag(flag_id)
        merge = await _merge_in_force(row)
        merge = await merging.reverse_merge(merge, CONFLICT_TABLES, by, reason, now)
        row.status, row.decided_by, row.note = "distinct", by[:64], reason
        await row.save()
    return merge


async def merges_page(kind: str | None, record_id: int | None, in_force: bool | None, offset: int,
                      limit: int) -> Page[RecordMerge]:
    """Merges, newest first; ``record_id`` finds those that kept or merged that record."""
    query = RecordMerge.objects().order_by(RecordMerge.id, ascending=False).output(load_json=True)
    count = RecordMerge.count()
    conditions: list[Any] = []
    if kind:
        conditions.append(RecordMerge.kind == kind)
    if record_id is not None:
        conditions.append((RecordMerge.kept_id == record_id) | (RecordMerge.merged_id == record_id))
    if in_force is not None:
        conditions.append(RecordMerge.reversed_at.is_null() if in_force else RecordMerge.reversed_at.is_not_null())
    for condition in conditions:
        query, count = query.where(condition), count.where(condition)
    return Page(list(await query.offset(offset).limit(limit)), await count, offset, limit)


async def merge_by_id(merge_id: int) -> RecordMerge:
    row = await RecordMerge.objects().where(RecordMerge.id == merge_id).output(load_json=True).first()
    if row is None:
        raise not_found("merge", merge_id)
    return row


async def graph_follows_merge(event: RecordsMerged | MergeReversed) -> None:
    """Handler (subscribed by the application's wiring): the graph of every process re-reads the employments,
    relations and institutions a merge or its reversal re-pointed, in the same transaction."""
    for table, record_id in event.graph_records:
        await note_change(table, record_id)
