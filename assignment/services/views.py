"""Reading panels back: requests with their invitations, the issued panel records (never changed
afterwards), and the re-run of a recorded draw that lets anyone check it."""

from __future__ import annotations

import asyncio
from datetime import date

from assignment import schemas as s
from assignment.domain.membership import (
    ACTIVE,
    has_leader,
    latest_deadline,
    leader_report_status,
    member_deadline,
    opinion_status,
)
from assignment.domain.requests import earliest_deadline, minimum_members
from assignment.selection.verify import Check, verify_record
from assignment.services.draw_records import draw_summary, exclusion_rows, frozen_candidates, stored_exclusions_hash
from assignment.tables import Invitation, Panel, PanelRequest
from conflicts.live import LiveGraph
from conflicts.schemas import NodeOut
from core.records import get_or_404
from core.schemas import Page
from decisions.calendars import load_schedules
from decisions.services import gravity_of
from decisions.tables import DecisionItem
from registry.tables import Expert


def _node(live: LiveGraph, kind: str, subject_id: int) -> NodeOut:
    return NodeOut(kind, subject_id, live.graph.name((kind, subject_id)))


def exclusion_out(live: LiveGraph, e: dict) -> s.ExclusionOut:
    return s.ExclusionOut(_node(live, e["kind"], e["id"]), e["stage"], [s.ReasonOut(**r) for r in e["reasons"]])


def summary_out(draw: dict) -> s.ExclusionsSummaryOut:
    summary = draw.get("exclusions_summary") or {}
    return s.ExclusionsSummaryOut(int(summary.get("total", draw.get("exclusions_total", 0))),
                                  dict(summary.get("by_stage") or {}), dict(summary.get("by_rule") or {}))


def panel_out(live: LiveGraph, p: dict, kind: str, draw: dict) -> s.PanelOut:
    """A panel record as answered: the members with their chances, and the draw's counts (``draw``: the
    request's ``draw_records.draw_summary``); the exclusions themselves are paged (issue 17)."""
    reasons = {o["expert_id"]: o["reason"] for o in p["out_of_pool"]}
    members = [s.MemberOut(_node(live, kind, i), p["probabilities"].get(str(i)), "", p["leader"] == i)
               for i in p["members"]]
    members += [s.MemberOut(_node(live, "expert", i), None, why, p["leader"] == i) for i, why in reasons.items()]
    return s.PanelOut(
        p["id"], p["panel_request"], p["supersedes"], p["change_reason"], p["seed"], p["candidates_hash"],
        int(draw["eligible"]), p["constraints"], members, summary_out(draw),
        p["min_probability"], p["upper_bound"], p["policy_version"], p["deadline"], list(p["notes"]), p["created_at"])


def invitation_out(live: LiveGraph, inv: dict, deadline: date, today: date) -> s.InvitationOut:
    """An invitation; its opinion is judged against the member's own deadline (R-PANEL-4), else ``deadline``
    (the request's)."""
    own = member_deadline(inv.get("deadline"), deadline)
    opinion = opinion_status(inv["opinion_submitted_on"], own, today) if inv["status"] == "accepted" \
        else "not_applicable"
    return s.InvitationOut(inv["id"], inv["request"], inv["panel"], _node(live, inv["subject_kind"], inv["subject_id"]),
                           inv["leader"], inv["status"], inv["answer_by"], inv["answered_at"], inv["decline_reason"],
                           inv["good_reason"], inv["replaced_by"], opinion, inv["opinion_submitted_on"], own)


async def invitation_view(live: LiveGraph, invitation_id: int, request: PanelRequest, today: date) -> s.InvitationOut:
    row = await Invitation.select().where(Invitation.id == invitation_id).first()
    return invitation_out(live, row, request.deadline, today)


async def answer_out(live: LiveGraph, invitation_id: int, replacement_id: int | None, panel: dict | None,
                     shortfall: str, request: PanelRequest, today: date) -> s.AnswerOut:
    """An answer as stored: the invitation, and the replacement and new panel record when one was drawn."""
    return s.AnswerOut(
        await invitation_view(live, invitation_id, request, today),
        await invitation_view(live, replacement_id, request, today) if replacement_id else None,
        panel_out(live, panel, request.subject_kind, await draw_summary(request.id)) if panel else None, shortfall)


# the lists a panel record kept before issue 17 (now stored once per request): never read with a panel record
LISTS = (Panel.candidates, Panel.exclusions)


async def panels_of(request_id: int) -> list[dict]:
    """The request's panel records, the draw first, then one per replacement; without the lists kept before
    issue 17 (the frozen candidates and exclusions are the request's, ``draw_records``)."""
    return await Panel.select(*Panel.all_columns(exclude=LISTS)).where(Panel.panel_request == request_id).order_by(
        Panel.id).output(load_json=True)


def current_leader(r: PanelRequest, latest_panel: dict) -> int | None:
    """R-PANEL-5: the leader the unit named, else the one the draw (and its replacements) gave; None outside
    group mode."""
    if not has_leader(r.mode):
        return None
    return r.leader_id if r.leader_id is not None else latest_panel["leader"]


def report_deadline(r: PanelRequest, invitations: list[dict]) -> date:
    """The latest study deadline of the members holding a seat: the group's report waits for every opinion."""
    return latest_deadline((member_deadline(i["deadline"], r.deadline) for i in invitations
                            if i["status"] in ACTIVE), r.deadline)


async def request_view(live: LiveGraph, request_id: int, today: date) -> s.PanelRequestOut:
    r = await get_or_404(PanelRequest, request_id, "panel request")
    panels = await panels_of(request_id)
    invitations = await Invitation.select().where(Invitation.request == request_id).order_by(Invitation.id)
    item = await get_or_404(DecisionItem, r.item, "decision item")
    panel = panel_out(live, panels[-1], r.subject_kind, await draw_summary(request_id))
    leader = current_leader(r, panels[-1])
    for member in panel.members:  # the current leader, who may have been named after the draw
        member.leader = leader is not None and member.subject.id == leader
    latest = report_deadline(r, invitations)
    earliest = earliest_deadline(r.handover_on, await load_schedules())
    return s.PanelRequestOut(
        r.id, r.item, r.subject_kind, r.purpose, r.mode, r.size, minimum_members(r.subject_kind, gravity_of(item)),
        r.handover_on, r.deadline, r.deadline_provisional, earliest.day, r.requested_by,
        panel, [invitation_out(live, i, r.deadline, today) for i in invitations],
        leader_report_status(r.mode, r.leader_report_on, latest, today), r.draw_number,
        await PanelRequest.count().where((PanelRequest.item == r.item) & (PanelRequest.purpose == r.purpose) & (
            PanelRequest.subject_kind == r.subject_kind)), r.status, _cancellation(r), r.note, latest, leader,
        bool(r.reverse_argument), list(r.sub_pools or []))


def _cancellation(r: PanelRequest) -> s.CancellationOut | None:
    """R-PANEL-2: the unit's request to cancel the draw and the office's decision, once asked."""
    if r.cancellation_requested_at is None:
        return None
    return s.CancellationOut(r.cancellation_reason, r.cancellation_requested_at, r.cancellation_approved,
                             r.cancellation_decision_reason, r.cancellation_decided_at)


async def list_requests(live: LiveGraph, item_id: int | None, offset: int, limit: int, today: date,
                        unit: int | None = None, status: str | None = None) -> Page[s.PanelRequestOut]:
    """Panel requests, oldest first (a unit's own; one item's), as a page with the count of all that match."""
    where = []
    if unit is not None:
        where.append(PanelRequest.item.drafting_unit == unit)
    if item_id is not None:
        where.append(PanelRequest.item == item_id)
    if status is not None:
        where.append(PanelRequest.status == status)
    query = PanelRequest.select(PanelRequest.id).order_by(PanelRequest.id).offset(offset).limit(limit)
    count = PanelRequest.count()
    for condition in where:
        query, count = query.where(condition), count.where(condition)
    items = [await request_view(live, r["id"], today) for r in await query]
    return Page(items, await count, offset, limit)


async def expert_invitations(live: LiveGraph, expert_id: int, status: str | None, offset: int, limit: int,
                             today: date) -> Page[s.ExpertInvitationOut]:
    """An expert's invitations, newest first, each with its request and item (issue 13), as a page."""
    await get_or_404(Expert, expert_id, "expert", "expert_id")
    where = (Invitation.subject_kind == "expert") & (Invitation.subject_id == expert_id)
    if status is not None:
        where &= Invitation.status == status
    rows = await Invitation.select(
        *Invitation.all_columns(), Invitation.request.deadline, Invitation.request.item,
        Invitation.request._.item._.title, Invitation.request.purpose, Invitation.request.mode,
        Invitation.request.status).where(where).order_by(Invitation.id, ascending=False).offset(offset).limit(limit)
    items = [s.ExpertInvitationOut(invitation_out(live, r, r["request.deadline"], today), r["request.item"],
                                   r["request.item.title"], r["request.purpose"], r["request.mode"],
                                   r["request.status"]) for r in rows]
    return Page(items, await Invitation.count().where(where), offset, limit)


async def panel_history(live: LiveGraph, request_id: int) -> list[s.PanelOut]:
    request = await get_or_404(PanelRequest, request_id, "panel request")
    draw = await draw_summary(request_id)
    return [panel_out(live, p, request.subject_kind, draw) for p in await panels_of(request_id)]


async def panel_record(panel_id: int) -> dict:
    """A panel record as stored, without the lists kept before issue 17 (``draw_records`` holds them)."""
    await get_or_404(Panel, panel_id, "panel")
    return (await Panel.select(*Panel.all_columns(exclude=LISTS)).where(Panel.id == panel_id).output(
        load_json=True))[0]


async def panel_view(live: LiveGraph, panel_id: int) -> s.PanelOut:
    record = await panel_record(panel_id)
    request = await get_or_404(PanelRequest, record["panel_request"], "panel request")
    return panel_out(live, record, request.subject_kind, await draw_summary(request.id))


async def request_exclusions(live: LiveGraph, request_id: int, stage: str | None, rule_id: str | None,
                             subject_id: int | None, offset: int, limit: int) -> Page[s.ExclusionOut]:
    """A page of everyone the request's draw left out, with the stage and every reason (issue 17)."""
    await get_or_404(PanelRequest, request_id, "panel request", "request_id")
    rows, total = await exclusion_rows(request_id, stage, rule_id, subject_id, offset, limit)
    return Page([exclusion_out(live, e) for e in rows], total, offset, limit)


async def why_left_out(live: LiveGraph, request_id: int, subject_id: int) -> s.LeftOutOut:
    """The unit's question "why was X left out?": X's exclusion with its stage and reasons, or that X was a
    candidate (and its chance), or that X was not in the draw's pool at all."""
    request = await get_or_404(PanelRequest, request_id, "panel request", "request_id")
    kind = request.subject_kind
    rows, _ = await exclusion_rows(request_id, None, None, subject_id, 0, 10)
    if rows:
        return s.LeftOutOut(_node(live, kind, subject_id), "excluded", exclusion_out(live, rows[0]),
                            "抽取时未列入候选：" + "；".join(f"{r['message']}（{r['rule_id']}）"
                                                         for r in rows[0]["reasons"]))
    first = (await panels_of(request_id))[0]
    if any(c.id == subject_id for c in await frozen_candidates(request_id)):
        chance = (first.get("probabilities") or {}).get(str(subject_id))
        said = f"，入选概率 {chance * 100:.2f}%" if chance is not None else ""
        return s.LeftOutOut(_node(live, kind, subject_id), "candidate", None,
                            f"抽取时在合格候选名单中{said}；未入选是随机抽取的结果（R-PANEL-2）")
    return s.LeftOutOut(_node(live, kind, subject_id), "not_in_pool", None,
                        "抽取时不在本次抽取的范围内（不在所抽取的专家库或子库中，或为库外专家）")


async def verify(panel_id: int) -> s.VerificationOut:
    """Re-run any panel record from the record alone (R-PANEL-2): a first draw from the frozen candidates,
    the constraints and the seed; a replacement from what its draw used. Also checks the candidate list's
    fingerprint, the seed commitment, for a replacement that it continues the record it replaces, and (issue 17)
    that the exclusion rows are those recorded at the draw."""
    p = await panel_record(panel_id)
    previous = None
    if p["supersedes"] is not None:
        rows = await Panel.select(Panel.members).where(Panel.id == p["supersedes"]).output(load_json=True)
        previous = list(rows[0]["members"]) if rows else []
    request = await PanelRequest.select(PanelRequest.sub_pools).where(PanelRequest.id == p["panel_request"]).output(
        load_json=True).first()
    universe = list(request["sub_pools"] or []) if request else None  # issue 17: the draw's stored universe
    try:
        candidates = [c.as_dict() for c in await frozen_candidates(p["panel_request"])]
    except ValueError:
        candidates = []  # the stored list cannot be read: its hash check fails below
    result = await asyncio.to_thread(verify_record, {**p, "candidates": candidates}, previous, universe)
    draw = await draw_summary(p["panel_request"])
    if draw["id"] is not None and draw.get("exclusions_hash"):  # a draw stored (or migrated) since issue 17
        now = await stored_exclusions_hash(p["panel_request"])
        same = now == draw["exclusions_hash"]
        said = "与抽取时记录的哈希一致" if same else f"哈希为 {now}，抽取时记录为 {draw['exclusions_hash']}"
        result.checks.append(Check("exclusions", same, f"排除名单 {draw['exclusions_total']} 条，{said}"))
    return s.VerificationOut(
        panel_id=panel_id, kind=result.kind, verified=result.verified,
        candidates_hash_matches=result.passed("candidates_hash") is True,
        commitment_matches=result.passed("commitment"), same_members=result.passed("members") is True,
        members=result.members, redrawn=result.redrawn,
        checks=[s.VerificationCheckOut(c.name, c.passed, c.detail) for c in result.checks], notes=result.notes)
