"""The nightly re-check of every panel still at work (issue 17): its members against today's relations and
policy (R-COI-1..5), as ``GET /panel-requests/{id}/conflict-recheck`` does for one request.

Set-wise: the members at work are read in one query, the active dismissals in another; each item's graph walk
is done once for all its requests of one purpose (``rules.check_item`` limited to their members), in memory on
the live graph. A conflict the office dismissed for that path is not reported again."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from assignment.domain.membership import ACTIVE, member_deadline
from assignment.tables import Invitation
from conflicts.graph import Node
from conflicts.live import LiveGraph
from conflicts.policy import Purpose
from conflicts.rules import check_item
from conflicts.tables import ConflictDismissal


@dataclass(frozen=True)
class MemberConflict:
    """A member at work on a panel who now conflicts with its item."""

    request_id: int
    item_id: int
    subject: Node
    rule_id: str
    rule_name: str
    sentence: str
    explanation: str
    possible: bool  # the path uses an unconfirmed relation
    path: tuple[str, ...]  # relation ids, as a dismissal names them


@dataclass(frozen=True)
class Recheck:
    requests: int
    members: int
    items: int
    conflicts: list[MemberConflict]


async def members_at_work(today: date) -> dict[tuple[int, str], dict[Node, set[int]]]:
    """(item, purpose) → member → the requests it sits on: invitations holding a seat, no opinion yet, the
    member's own study deadline not past, the request not cancelled."""
    rows = await Invitation.select(Invitation.request, Invitation.subject_kind, Invitation.subject_id,
                                   Invitation.deadline, Invitation.request.item, Invitation.request.purpose,
                                   Invitation.request.deadline, Invitation.request.status).where(
        Invitation.status.is_in(list(ACTIVE)) & Invitation.opinion_submitted_on.is_null())
    groups: dict[tuple[int, str], dict[Node, set[int]]] = defaultdict(lambda: defaultdict(set))
    for r in rows:
        if r["request.status"] == "cancelled" or member_deadline(r["deadline"], r["request.deadline"]) < today:
            continue
        groups[(r["request.item"], r["request.purpose"])][(r["subject_kind"], r["subject_id"])].add(r["request"])
    return groups


async def recheck_all(live: LiveGraph, today: date) -> Recheck:
    """Every panel at work re-checked; ``live`` is synced here."""
    await live.sync()
    groups = await members_at_work(today)
    dismissed = {(r["item"], (r["subject_kind"], r["subject_id"]), r["rule_name"], tuple(r["path_relation_ids"]))
                 for r in await ConflictDismissal.select(
                     ConflictDismissal.item, ConflictDismissal.subject_kind, ConflictDismissal.subject_id,
                     ConflictDismissal.rule_name, ConflictDismissal.path_relation_ids).where(
                     ConflictDismissal.reversed_at.is_null()).output(load_json=True)}
    found: list[MemberConflict] = []
    requests: set[int] = set()
    for (item_id, purpose), members in groups.items():
        requests.update(r for seats in members.values() for r in seats)
        for c in check_item(live.graph, live.policy, ("item", item_id), Purpose(purpose), today, members):
            path = tuple(str(h.relation.id) for h in c.path)
            if (item_id, c.subject, c.rule_name, path) in dismissed:
                continue
            found += [MemberConflict(request_id, item_id, c.subject, c.rule_id, c.rule_name, c.sentence,
                                     c.explanation, c.possible, path) for request_id in sorted(members[c.subject])]
    return Recheck(len(requests), sum(len(m) for m in groups.values()), len({i for i, _ in groups}), found)
