"""Conflict services: decision items, relations, declarations, the name-match queue, checks,
false-positive dismissals, policy versions and duplicate flags. Plain functions over the tables and
the live graph; controllers only translate HTTP."""

from __future__ import annotations

from datetime import date, datetime

import msgspec

from conflicts import schemas as s
from conflicts.duplicates import PersonRecord, duplicates_of, flag_duplicates, person_key
from conflicts.graph import Node
from conflicts.linking import queue_match
from conflicts.live import LiveGraph, live_graph, note_change
from conflicts.names import MatchStatus, normalise
from conflicts.policy import (
    EDGE_LABELS,
    EdgeKind,
    Purpose,
    default_policy,
    policy_from_document,
    policy_to_document,
    validate_policy,
    with_hierarchy_hops,
)
from conflicts.rules import Conflict, check_commission, check_item
from conflicts.tables import ConflictDismissal, NameMatchTask, PolicyVersion, PossibleDuplicate
from conflicts.tables import Relation as RelationRow
from core.errors import ErrorCollector, conflict, invalid
from core.records import get_or_404
from decisions.tables import DecisionItem
from registry.services import transaction
from registry.tables import Employment, Expert, Institution

async def _stored(table, row_id: int) -> dict:
    """A row as stored (JSON columns decoded), read back after a write."""
    return await table.select().where(table.id == row_id).output(load_json=True).first()


# --- relations -------------------------------------------------------------------------------------
E, I, ITEM = "expert", "institution", "item"
SHAPES: dict[EdgeKind, tuple[set[str], set[str]]] = {
    EdgeKind.EMPLOYED_BY: ({E}, {I}),
    EdgeKind.SUPERVISED: ({E}, {E}), EdgeKind.CO_WORKED: ({E}, {E}), EdgeKind.RELATIVE_OF: ({E}, {E}),
    EdgeKind.SHAREHOLDER_OF: ({E}, {I}), EdgeKind.DIRECTOR_OF: ({E}, {I}), EdgeKind.ADVISER_OF: ({E}, {I}),
    EdgeKind.FUNDED_BY: ({I}, {I}), EdgeKind.CONTROLLED_BY: ({I}, {I}),
    EdgeKind.INTEREST_IN: ({E, I}, {ITEM}), EdgeKind.ARGUED_BEFORE: ({E, I}, {ITEM}),
}
ROLES: dict[EdgeKind, set[str]] = {
    EdgeKind.INTEREST_IN: {"applicant", "regulated_party", "beneficiary", "contractor", "other"},
    EdgeKind.RELATIVE_OF: {"spouse", "parent", "child", "sibling", "close_relative"},
    EdgeKind.SUPERVISED: {"supervisor", "student"},
}
TABLE_OF = {E: Expert, I: Institution, ITEM: DecisionItem}


async def _existing(refs: set[tuple[str, int]]) -> set[tuple[str, int]]:
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
    existing = await _existing(refs)
    for n, (d, source) in enumerate(items):
        here = prefix.format(n)
        if d.kind == EdgeKind.PART_OF:
            errors.add(f"{here}kind", "institution hierarchy is kept on the institution record (parent_id)")
            continue
        sources, targets = SHAPES[d.kind]
        if source[0] not in sources:
            errors.add(f"{here}source.kind", f"a '{d.kind.value}' relation starts at {' or '.join(sorted(sources))}")
        elif source not in existing:
            errors.add(f"{here}source.id", f"no {source[0]} with id {source[1]}")
        if (d.target is None) == (d.target_text is None):
            errors.add(f"{here}target", "give either target (kind and id) or target_text (a name as written)")
        elif d.target is not None:
            if d.target.kind not in targets:
                errors.add(f"{here}target.kind", f"a '{d.kind.value}' relation ends at {' or '.join(sorted(targets))}")
            elif (d.target.kind, d.target.id) not in existing:
                errors.add(f"{here}target.id", f"no {d.target.kind} with id {d.target.id}")
            elif (d.target.kind, d.target.id) == source:
                errors.add(f"{here}target", "a relation needs two different parties")
        elif targets != {I}:
            errors.add(f"{here}target_text", "a name as written can only be matched to an institution")
        if d.kind in ROLES and d.role and d.role not in ROLES[d.kind]:
            errors.add(f"{here}role", f"one of {sorted(ROLES[d.kind])}")
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
        row.target_kind, row.target_text, row.match_score = I, d.target_text.strip(), match.score
        row.target_id = match.institution_id if match.status != MatchStatus.NONE else None
        row.confirmed = match.status == MatchStatus.SURE
    await row.save()
    if match is not None and match.status != MatchStatus.SURE:
        await queue_match(live, "relation", row.id, row.target_text, match)
    await note_change("relation", row.id)
    return row


async def create_relations(items: list[tuple[s.DeclarationIn, tuple[str, int]]], origin: str, entered_by: str,
                           prefix: str = "") -> list[RelationRow]:
    """All or nothing: a refused request stores no relation."""
    await validate_relations(items, prefix)
    live = live_graph()
    await live.sync()  # match names against the institutions as they are now
    async with transaction():
        rows = [await _insert_relation(live, d, source, origin, entered_by) for d, source in items]
    await live.sync()
    return rows


async def declare(expert_id: int, data: s.DeclarationIn) -> RelationRow:
    expert = await get_or_404(Expert, expert_id, "expert")
    [row] = await create_relations([(data, (E, expert_id))], "declaration", expert.name)
    return row


async def _relation_or_404(relation_id: int) -> RelationRow:
    return await get_or_404(RelationRow, relation_id, "relation")


async def end_relation(relation_id: int, data: s.RelationEndIn) -> RelationRow:
    row = await _relation_or_404(relation_id)
    if row.start and data.end < row.start:
        raise invalid("end", f"end {data.end} is before start {row.start}")
    row.end = data.end
    async with transaction():
        await row.save()
        await note_change("relation", row.id)
    return row


async def withdraw_relation(relation_id: int, data: s.WithdrawIn, now: datetime) -> RelationRow:
    """Entered in error: kept for the record, no longer an edge."""
    row = await _relation_or_404(relation_id)
    if row.withdrawn_at is not None:
        raise conflict("relation already withdrawn", "id", f"withdrawn at {row.withdrawn_at}")
    row.withdrawn_at, row.withdrawn_reason = now, f"{data.reason}（{data.entered_by}）"
    async with transaction():
        await row.save()
        await note_change("relation", row.id)
    return row


async def relation_views(rows: list[RelationRow]) -> list[s.RelationOut]:
    live = live_graph()
    tasks = {}
    if ids := [r.id for r in rows]:
        for t in await NameMatchTask.select().where((NameMatchTask.source == "relation") & NameMatchTask.record_id.is_in(ids)):
            tasks[t["record_id"]] = t

    def node(kind, node_id):
        return s.NodeOut(kind, node_id, live.graph.name((kind, node_id)))

    out = []
    for r in rows:
        task = tasks.get(r.id)
        match = None
        if r.target_text:
            status = "sure" if task is None else {"open": "unsure", "confirmed": "sure", "rejected": "none"}[task["status"]]
            if task is not None and task["status"] == "open" and r.target_id is None:
                status = "none"
            match = s.MatchOut(status, r.match_score, task["id"] if task else None)
        out.append(s.RelationOut(
            r.id, r.kind, EDGE_LABELS[EdgeKind(r.kind)], node(r.source_kind, r.source_id),
            node(r.target_kind, r.target_id) if r.target_id is not None else None, r.target_text, r.role, r.start,
            r.end, r.origin, r.confirmed, match, r.detail, r.withdrawn_at, r.withdrawn_reason))
    return out


async def list_relations(kind: str | None, node_kind: str | None, node_id: int | None, offset: int,
                         limit: int) -> list[s.RelationOut]:
    await live_graph().sync()
    query = RelationRow.objects().order_by(RelationRow.id).offset(offset).limit(limit)
    if kind:
        query = query.where(RelationRow.kind == kind)
    if node_kind and node_id is not None:
        query = query.where(((RelationRow.source_kind == node_kind) & (RelationRow.source_id == node_id))
                            | ((RelationRow.target_kind == node_kind) & (RelationRow.target_id == node_id)))
    return await relation_views(await query)


# --- free-text employers and the confirmation queue -------------------------------------------------
def task_out(t: dict) -> s.TaskOut:
    return s.TaskOut(t["id"], t["source"], t["record_id"], t["text"], [s.CandidateOut(**c) for c in t["candidates"]],
                     t["status"], t["chosen_institution"], t["decided_by"], t["decided_at"], t["note"])


async def list_tasks(status: str | None, offset: int, limit: int) -> list[s.TaskOut]:
    query = NameMatchTask.select().order_by(NameMatchTask.id).offset(offset).limit(limit).output(load_json=True)
    if status:
        query = query.where(NameMatchTask.status == status)
    return [task_out(t) for t in await query]


async def _open_task(task_id: int) -> NameMatchTask:
    task = await get_or_404(NameMatchTask, task_id, "name-match task")
    if task.status != "open":
        raise conflict("task already decided", "id", f"this match was {task.status} by {task.decided_by}")
    return task


async def confirm_task(task_id: int, data: s.TaskConfirmIn, now: datetime) -> dict:
    task = await _open_task(task_id)
    if not await Institution.exists().where(Institution.id == data.institution_id):
        raise invalid("institution_id", f"no institution with id {data.institution_id}")
    async with transaction():
        if task.source == "employment":
            await Employment.update({Employment.institution: data.institution_id}).where(Employment.id == task.record_id)
        else:
            await RelationRow.update({RelationRow.target_id: data.institution_id, RelationRow.confirmed: True}).where(
                RelationRow.id == task.record_id)
        task.status, task.chosen_institution, task.decided_by, task.decided_at, task.note = (
            "confirmed", data.institution_id, data.by, now, data.note)
        await task.save()
        await note_change(task.source, task.record_id)
    return await _stored(NameMatchTask, task_id)


async def reject_task(task_id: int, data: s.TaskRejectIn, now: datetime) -> dict:
    """None of the candidates is meant: the record stays as written, with no link and no edge."""
    task = await _open_task(task_id)
    async with transaction():
        if task.source == "relation":
            await RelationRow.update({RelationRow.target_id: None, RelationRow.confirmed: False}).where(
                RelationRow.id == task.record_id)
        task.status, task.decided_by, task.decided_at, task.note = "rejected", data.by, now, data.note
        await task.save()
        await note_change(task.source, task.record_id)
    return await _stored(NameMatchTask, task_id)


# --- checks ----------------------------------------------------------------------------------------
def _node_out(live: LiveGraph, node: Node) -> s.NodeOut:
    return s.NodeOut(node[0], node[1], live.graph.name(node))


def dismissal_out(live: LiveGraph, d: dict) -> s.DismissalOut:
    return s.DismissalOut(
        d["id"], d["item"], _node_out(live, (d["subject_kind"], d["subject_id"])), d["rule_id"], d["rule_name"],
        list(d["path_relation_ids"]), d["explanation"], d["reason"], d["dismissed_by"], d["dismissed_at"],
        d["reversed_at"], d["reversed_by"], d["reversal_reason"], d["reversed_at"] is None)


def _path_ids(c: Conflict) -> list[str]:
    return [str(h.relation.id) for h in c.path]


def conflict_out(live: LiveGraph, c: Conflict, dismissals: dict) -> s.ConflictOut:
    hops = [s.HopOut(str(h.relation.id), h.relation.kind.value, EDGE_LABELS[h.relation.kind],
                     _node_out(live, h.relation.source), _node_out(live, h.relation.target), h.relation.start,
                     h.relation.end, h.relation.origin, h.relation.confirmed) for h in c.path]
    dismissal = dismissals.get((c.subject, c.rule_name, tuple(_path_ids(c))))
    status = "dismissed" if dismissal else ("possible" if c.possible else "excluded")
    return s.ConflictOut(_node_out(live, c.subject), c.rule_id, c.rule_name, c.sentence, c.explanation, hops, status,
                         dismissal_out(live, dismissal) if dismissal else None, c.policy_version)


async def active_dismissals(item_id: int) -> dict:
    rows = await ConflictDismissal.select().where(
        (ConflictDismissal.item == item_id) & ConflictDismissal.reversed_at.is_null()).output(load_json=True)
    return {((r["subject_kind"], r["subject_id"]), r["rule_name"], tuple(r["path_relation_ids"])): r for r in rows}


async def run_check(item_id: int, purpose: Purpose, day: date, candidates: list[Node] | None = None
                    ) -> tuple[DecisionItem, list[s.ConflictOut], int]:
    """The check used by the API and by panel selection: conflicts with their status, and the policy version."""
    item = await get_or_404(DecisionItem, item_id, "decision item", "item_id")
    live = live_graph()
    await live.sync()
    policy = live.policy
    conflicts = check_item(live.graph, policy, ("item", item_id), purpose, day, candidates)
    dismissals = await active_dismissals(item_id)
    return item, [conflict_out(live, c, dismissals) for c in conflicts], policy.version


def _count(conflicts: list[s.ConflictOut], status: str) -> int:
    return len({(c.subject.kind, c.subject.id) for c in conflicts if c.status == status})


async def check(item_id: int, purpose: Purpose, day: date, candidates: list[Node] | None = None) -> s.CheckOut:
    item, conflicts, version = await run_check(item_id, purpose, day, candidates)
    return s.CheckOut(item_id, item.title, purpose.value, day, version, _count(conflicts, "excluded"),
                      _count(conflicts, "possible"), _count(conflicts, "dismissed"), conflicts)


def subject_status(conflicts: list[s.ConflictOut]) -> str:
    """excluded beats possible beats clear; dismissed conflicts do not count."""
    statuses = {c.status for c in conflicts}
    return "excluded" if "excluded" in statuses else "possible" if "possible" in statuses else "clear"


async def check_candidate(item_id: int, kind: str, subject_id: int, purpose: Purpose, day: date) -> s.CandidateCheckOut:
    await get_or_404(TABLE_OF[kind], subject_id, kind, f"{kind}_id")
    item, conflicts, version = await run_check(item_id, purpose, day, [(kind, subject_id)])
    status = subject_status(conflicts)
    return s.CandidateCheckOut(item_id, _node_out(live_graph(), (kind, subject_id)), purpose.value, day, version,
                               status, status == "clear", conflicts)


async def dismiss_conflict(item_id: int, data: s.DismissalIn, day: date, now: datetime) -> dict:
    node = (data.subject_kind, data.subject_id)
    _, conflicts, _ = await run_check(item_id, data.purpose, day, [node])
    match = [c for c in conflicts if c.rule_name == data.rule_name]
    if not match:
        raise conflict("no such conflict", "rule_name",
                       f"{data.subject_kind} {data.subject_id} has no '{data.rule_name}' conflict with this item for "
                       f"{data.purpose.value} on {day}", current=[c.rule_name for c in conflicts])
    if match[0].status == "dismissed":
        raise conflict("already dismissed", "rule_name", "this conflict is already dismissed",
                       dismissal_id=match[0].dismissal.id)
    found = match[0]
    row = ConflictDismissal(item=item_id, subject_kind=node[0], subject_id=node[1], rule_id=found.rule_id,
                            rule_name=found.rule_name, path_relation_ids=[h.relation_id for h in found.path],
                            explanation=found.explanation, reason=data.reason, dismissed_by=data.by, dismissed_at=now)
    await row.save()
    return await _stored(ConflictDismissal, row.id)


async def reverse_dismissal(dismissal_id: int, data: s.ReversalIn, now: datetime) -> dict:
    row = await get_or_404(ConflictDismissal, dismissal_id, "conflict dismissal")
    if row.reversed_at is not None:
        raise conflict("already reversed", "id", f"reversed at {row.reversed_at} by {row.reversed_by}")
    row.reversed_at, row.reversed_by, row.reversal_reason = now, data.by, data.reason
    await row.save()
    return await _stored(ConflictDismissal, row.id)


async def list_dismissals(item_id: int) -> list[s.DismissalOut]:
    await get_or_404(DecisionItem, item_id, "decision item", "item_id")
    live = live_graph()
    await live.sync()
    rows = await ConflictDismissal.select().where(ConflictDismissal.item == item_id).order_by(
        ConflictDismissal.id).output(load_json=True)
    return [dismissal_out(live, r) for r in rows]


async def commission_check(item_id: int, data: s.CommissionCheckIn, day: date) -> s.CommissionCheckOut:
    item = await get_or_404(DecisionItem, item_id, "decision item", "item_id")
    refs = {(I, data.institution_id)} | {(E, i) for i in data.hired_expert_ids} | {(I, x.institution_id)
                                                                                  for x in data.subcontractors}
    existing = await _existing(refs)
    errors = ErrorCollector()
    if (I, data.institution_id) not in existing:
        errors.add("institution_id", f"no institution with id {data.institution_id}")
    for n, expert_id in enumerate(data.hired_expert_ids):
        if (E, expert_id) not in existing:
            errors.add(f"hired_expert_ids[{n}]", f"no expert with id {expert_id}")
    for n, sub in enumerate(data.subcontractors):
        if (I, sub.institution_id) not in existing:
            errors.add(f"subcontractors[{n}].institution_id", f"no institution with id {sub.institution_id}")
    errors.raise_if_any("commission check refused")
    live = live_graph()
    await live.sync()
    findings, conflicts = check_commission(
        live.graph, live.policy, ("item", item.id), data.purpose, day, (I, data.institution_id),
        [(E, i) for i in data.hired_expert_ids], [((I, x.institution_id), x.consent_given) for x in data.subcontractors])
    outs = [conflict_out(live, c, await active_dismissals(item_id)) for c in conflicts]
    clear = not findings and subject_status(outs) == "clear"
    return s.CommissionCheckOut(item_id, data.purpose.value, clear,
                                [s.CommissionFinding(f.field, f.rule_id, f.sentence) for f in findings], outs)


# --- policy ----------------------------------------------------------------------------------------
async def policy_versions() -> list[s.PolicyOut]:
    rows = await PolicyVersion.select().order_by(PolicyVersion.version).output(load_json=True)
    if not rows:  # nothing changed yet: the default policy is in force
        doc = policy_to_document(default_policy())
        return [s.PolicyOut(doc["version"], doc["hierarchy_hops"], doc["rules"], "default policy", "", None)]
    return [s.PolicyOut(r["version"], r["document"]["hierarchy_hops"], r["document"]["rules"], r["reason"],
                        r["changed_by"], r["created_at"]) for r in rows]


async def current_policy() -> s.PolicyOut:
    await live_graph().sync()
    return (await policy_versions())[-1]


async def change_policy(data: s.PolicyIn) -> s.PolicyOut:
    live = live_graph()
    await live.sync()
    current = live.policy
    errors = ErrorCollector()
    if data.hierarchy_hops is not None and not 0 <= data.hierarchy_hops <= 6:
        errors.add("hierarchy_hops", "must be between 0 and 6")
    if data.rules is None and data.hierarchy_hops is None:
        errors.add("rules", "send the rules, a new hierarchy_hops, or both")
    rules = msgspec.to_builtins(data.rules) if data.rules is not None else None
    if rules is not None:
        validate_policy(rules)
    errors.raise_if_any("invalid conflict policy")
    policy = policy_from_document({"rules": rules, "hierarchy_hops": current.hierarchy_hops}) if rules else current
    if data.hierarchy_hops is not None:
        policy = with_hierarchy_hops(policy, data.hierarchy_hops)
    document = policy_to_document(policy)
    async with transaction():
        latest = await PolicyVersion.select(PolicyVersion.version).order_by(PolicyVersion.version, ascending=False).limit(1)
        if not latest:  # keep the default as version 1, so the history is complete
            await PolicyVersion(version=1, document=policy_to_document(default_policy()), reason="default policy",
                                changed_by="system").save()
        version = (latest[0]["version"] if latest else 1) + 1
        document["version"] = version
        await PolicyVersion(version=version, document=document, reason=data.reason, changed_by=data.by).save()
        await note_change("policy", version)
    await live.sync()
    return (await policy_versions())[-1]


# --- duplicates ------------------------------------------------------------------------------------
async def _store_flags(kind: str, flags: list[tuple[int, int, float, tuple[str, ...]]]) -> int:
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


async def flag_expert_on_entry(expert: Expert) -> int:
    """Compare a new expert with those sharing a blocking key: name (after normalising) or e-mail.
    Call after the expert's transaction committed."""
    live = live_graph()
    await live.sync()
    [new] = await _person_records(Expert.id == expert.id)
    same_name = [i for i in live.people.get(person_key(expert.name), ()) if i != expert.id]
    if expert.email:
        same_name += [r["id"] for r in await Expert.select(Expert.id).where(
            (Expert.id != expert.id) & (Expert.email == expert.email))]
    if not same_name:
        return 0
    others = await _person_records(Expert.id.is_in(same_name))
    return await _store_flags("expert", [(f.first, f.second, f.score, f.reasons) for f in duplicates_of(new, others)])


async def flag_institution_on_entry(institution: Institution) -> int:
    """A new institution whose name matches an existing one (after normalising, or nearly) is flagged."""
    live = live_graph()
    await live.sync()
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
    live = live_graph()
    await live.sync()
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
    return [_duplicate_out(r) for r in await query]


def _duplicate_out(r: dict) -> s.DuplicateOut:
    return s.DuplicateOut(r["id"], r["kind"], r["first_id"], r["second_id"], r["score"], list(r["reasons"]),
                          r["status"], r["decided_by"], r["note"])


async def decide_duplicate(flag_id: int, data: s.DuplicateDecisionIn) -> s.DuplicateOut:
    row = await get_or_404(PossibleDuplicate, flag_id, "duplicate flag")
    row.status, row.decided_by, row.note = data.status, data.by, data.note
    await row.save()
    return _duplicate_out(await _stored(PossibleDuplicate, flag_id))

