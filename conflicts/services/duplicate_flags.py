"""Possible duplicates: an expert or institution that looks like one entered before is flagged on
entry or by a scan after an import; a person decides each flag (distinct records, or the same one)."""

from __future__ import annotations

from conflicts import schemas as s
from conflicts.duplicates import (
    PersonRecord,
    duplicates_of,
    flag_duplicates,
    person_key,
)
from conflicts.live import LiveGraph
from conflicts.names import normalise
from conflicts.services.views import duplicate_out
from core.records import get_or_404, stored
from registry.tables import Employment, Expert, Institution, PossibleDuplicate

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


async def flag_expert_on_entry(live: LiveGraph, expert: Expert) -> int:
    """Compare a new expert with those sharing a blocking key: name (after normalising) or e-mail.
    ``live`` must be synced (it knows the experts by normalised name)."""
    [new] = await _person_records(Expert.id == expert.id)
    same_name = [i for i in live.people.get(person_key(expert.name), ()) if i != expert.id]
    if expert.email:
        same_name += [r["id"] for r in await Expert.select(Expert.id).where(
            (Expert.id != expert.id) & (Expert.email == expert.email))]
    if not same_name:
        return 0
    others = await _person_records(Expert.id.is_in(same_name))
    return await _store_flags("expert", [(f.first, f.second, f.score, f.reasons) for f in duplicates_of(new, others)])


async def flag_institution_on_entry(live: LiveGraph, institution: Institution) -> int:
    """A new institution whose name matches an existing one (after normalising, or nearly) is flagged.
    ``live`` must be synced (its matcher knows the institutions)."""
    flags = []
    for text in (institution.name, *(institution.aliases or [])):
        match = live.matcher.match(text)
        for other, score in (match.alternatives or ((match.institution_id, match.score),)):
            if other is not None and other != institution.id and score >= 90:
                flags.append((min(other, institution.id), max(other, institution.id), score,
                              (f"name '{text}' matches '{live.graph.name(('institution', other))}' ({score:.0f})",)))
    return await _store_flags("institution", flags)


async def scan_duplicates() -> s.ScanOut:
    """After an import: flag likely duplicates among all experts and all institutions."""
    records = await _person_records()
    expert_flags = [(f.first, f.second, f.score, f.reasons) for f in flag_duplicates(records)]
    institutions = await Institution.select(Institution.id, Institution.name)
    by_key: dict[str, list[dict]] = {}
    for row in institutions:
        by_key.setdefault(normalise(row["name"]), []).append(row)
    institution_flags = [(a["id"], b["id"], 100.0, (f"same name after normalising: {a['name']} / {b['name']}",))
                         for rows in by_key.values() for n, a in enumerate(rows) for b in rows[n + 1:]]
    new = await _store_flags("expert", expert_flags) + await _store_flags("institution", institution_flags)
    return s.ScanOut(len(records), len(institutions), new)


async def list_duplicates(kind: str | None, status: str | None, record_id: int | None = None) -> list[s.DuplicateOut]:
    query = PossibleDuplicate.select().order_by(PossibleDuplicate.id).output(load_json=True)
    if kind:
        query = query.where(PossibleDuplicate.kind == kind)
    if status:
        query = query.where(PossibleDuplicate.status == status)
    if record_id is not None:
        query = query.where((PossibleDuplicate.first_id == record_id) | (PossibleDuplicate.second_id == record_id))
    return [duplicate_out(r) for r in await query]


async def decide_duplicate(flag_id: int, data: s.DuplicateDecisionIn) -> s.DuplicateOut:
    row = await get_or_404(PossibleDuplicate, flag_id, "duplicate flag")
    row.status, row.decided_by, row.note = data.status, data.by, data.note
    await row.save()
    return duplicate_out(await stored(PossibleDuplicate, flag_id))
