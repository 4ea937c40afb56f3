"""Read-side builders: stored rows and check results as response bodies, with names from the graph."""

from __future__ import annotations

from conflicts import schemas as s
from conflicts.graph import Node
from conflicts.live import LiveGraph
from conflicts.policy import EDGE_LABELS, EdgeKind
from conflicts.rules import Conflict
from conflicts.tables import NameMatchTask
from conflicts.tables import Relation as RelationRow

# How a name-match task's state reads on the relation it belongs to.
MATCH_STATUS = {"open": "unsure", "confirmed": "sure", "rejected": "none"}


def node_out(live: LiveGraph, node: Node) -> s.NodeOut:
    return s.NodeOut(node[0], node[1], live.graph.name(node))


async def relation_views(live: LiveGraph, rows: list[RelationRow]) -> list[s.RelationOut]:
    tasks = {}
    if ids := [r.id for r in rows]:
        for t in await NameMatchTask.select().where(
                (NameMatchTask.source == "relation") & NameMatchTask.record_id.is_in(ids)):
            tasks[t["record_id"]] = t
    out = []
    for r in rows:
        task = tasks.get(r.id)
        match = None
        if r.target_text:
            status = "sure" if task is None else MATCH_STATUS[task["status"]]
            if task is not None and task["status"] == "open" and r.target_id is None:
                status = "none"
            match = s.MatchOut(status, r.match_score, task["id"] if task else None)
        target = node_out(live, (r.target_kind, r.target_id)) if r.target_id is not None else None
        out.append(s.RelationOut(
            r.id, r.kind, EDGE_LABELS[EdgeKind(r.kind)], node_out(live, (r.source_kind, r.source_id)), target,
            r.target_text, r.role, r.start, r.end, r.origin, r.confirmed, match, r.detail, r.withdrawn_at,
            r.withdrawn_reason, r.entered_by, r.entered_by_unit))
    return out


def person_out(p: dict) -> s.PersonOut:
    return s.PersonOut(p["id"], p["name"], p["id_number_masked"], p["note"], p["created_by"], p["created_at"])


def task_out(t: dict) -> s.TaskOut:
    return s.TaskOut(t["id"], t["source"], t["record_id"], t["text"], [s.CandidateOut(**c) for c in t["candidates"]],
                     t["status"], t["chosen_institution"], t["decided_by"], t["decided_at"], t["note"])


def dismissal_out(live: LiveGraph, d: dict) -> s.DismissalOut:
    return s.DismissalOut(
        d["id"], d["item"], node_out(live, (d["subject_kind"], d["subject_id"])), d["rule_id"], d["rule_name"],
        list(d["path_relation_ids"]), d["explanation"], d["reason"], d["dismissed_by"], d["dismissed_at"],
        d["reversed_at"], d["reversed_by"], d["reversal_reason"], d["reversed_at"] is None)


def path_ids(c: Conflict) -> list[str]:
    return [str(h.relation.id) for h in c.path]


def conflict_out(live: LiveGraph, c: Conflict, dismissals: dict) -> s.ConflictOut:
    """``dismissals``: the item's active dismissals by (subject, rule name, path), see ``active_dismissals``."""
    hops = [s.HopOut(str(h.relation.id), h.relation.kind.value, EDGE_LABELS[h.relation.kind],
                     node_out(live, h.relation.source), node_out(live, h.relation.target), h.relation.start,
                     h.relation.end, h.relation.origin, h.relation.confirmed) for h in c.path]
    dismissal = dismissals.get((c.subject, c.rule_name, tuple(path_ids(c))))
    status = "dismissed" if dismissal else ("possible" if c.possible else "excluded")
    return s.ConflictOut(node_out(live, c.subject), c.rule_id, c.rule_name, c.sentence, c.explanation, hops, status,
                         dismissal_out(live, dismissal) if dismissal else None, c.policy_version)


def duplicate_out(r: dict) -> s.DuplicateOut:
    return s.DuplicateOut(r["id"], r["kind"], r["first_id"], r["second_id"], r["score"], list(r["reasons"]),
                          r["status"], r["decided_by"], r["note"])
