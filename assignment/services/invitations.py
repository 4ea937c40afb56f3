"""Invitations after the draw: answers, declines and missed answer dates with their replacements,
written opinions and the group leader's report (R-PANEL-5)."""

from __future__ import annotations

from datetime import date, datetime

from assignment import schemas as s
from assignment.domain.membership import (
    answer_problem,
    leader_after_replacement,
    leader_report_problem,
    submission_problem,
)
from assignment.events import MemberReplaced, MembersInvited
from assignment.selection.constraints import Candidate, Constraints, Infeasible
from assignment.selection.plan import replacement
from assignment.services.views import answer_out, invitation_view, panels_of, request_view
from assignment.tables import Invitation, Panel, PanelRequest
from conflicts.live import LiveGraph
from conflicts.services.checks import run_check, subject_status
from core.errors import Duplicate, FieldError, OutOfOrder, RuleViolation, conflict, invalid
from core.locks import exclusive
from core.records import get_or_404, stored
from core.schemas import clean, day_problem
from core.uow import emit, save_protected, unit_of_work, update_protected
from decisions.domain.workdays import add_working_days
from registry.tables import Decline

REPLACEMENT_ATTEMPTS = 20  # replacements drawn before giving up because each one now has a conflict


def _refused(problem: FieldError) -> RuleViolation:
    return RuleViolation(detail=problem.reason, errors=[problem])


def _submission_problem(submitted_on: date, today: date) -> FieldError | None:
    if problem := day_problem(submitted_on):
        return FieldError("submitted_on", problem)
    return submission_problem(submitted_on, today)


async def _replace(live: LiveGraph, inv: Invitation, why: str, today: date, now: datetime
                   ) -> tuple[int | None, dict | None, str]:
    """Draw a replacement keeping every constraint; record it as a new panel record pointing back.
    The new invitation's id and panel record, or why there is none."""
    request = await get_or_404(PanelRequest, inv.request, "panel request")
    panels = await panels_of(request.id)
    latest = panels[-1]
    if inv.subject_id not in latest["members"]:
        return None, None, "an out-of-pool member is not replaced by a draw"
    candidates = {c["id"]: Candidate.from_dict(c) for c in latest["candidates"]}
    constraints = Constraints.from_dict(latest["constraints"])
    unavailable = {r["subject_id"] for r in await Invitation.select(Invitation.subject_id).where(
        Invitation.request == request.id)}
    for attempt in range(REPLACEMENT_ATTEMPTS):
        try:
            new_id = replacement(candidates, constraints, latest["members"], inv.subject_id, unavailable,
                                 int(latest["seed"]) + 1000 * len(panels) + attempt)
        except Infeasible as exc:
            return None, None, exc.shortfalls[0].message
        # records may have changed since the draw: the replacement passes today's check
        _, conflicts, _ = await run_check(live, request.item, request.purpose, today, [(request.subject_kind, new_id)])
        if subject_status(conflicts) == "clear":
            break
        unavailable.add(new_id)
    else:
        return None, None, "every possible replacement now has a conflict"
    members = sorted([m for m in latest["members"] if m != inv.subject_id] + [new_id])
    leader = leader_after_replacement(latest["leader"], inv.subject_id, new_id)
    panel = Panel(**{k: v for k, v in latest.items() if k not in ("id", "created_at")})
    panel.panel_request, panel.supersedes, panel.change_reason = request.id, latest["id"], why
    panel.members, panel.leader, panel.created_at = members, leader, now
    await save_protected(panel)
    new = Invitation(request=request.id, panel=panel.id, subject_kind=request.subject_kind, subject_id=new_id,
                     leader=leader == new_id, answer_by=add_working_days(today, request.answer_working_days).day,
                     created_at=now)
    await save_protected(new)
    await update_protected(Invitation, {Invitation.replaced_by: new.id}, Invitation.id == inv.id)
    emit(MembersInvited(request.id, (new.id,), now))
    emit(MemberReplaced(request.id, panel.id, live.graph.name((inv.subject_kind, inv.subject_id)),
                        live.graph.name((request.subject_kind, new_id)), why, now))
    return new.id, await stored(Panel, panel.id), ""


async def _decline(live: LiveGraph, invitation_id: int, status: str, reason: str, good_reason: bool, today: date,
                   now: datetime) -> tuple[Invitation, int | None, dict | None, str]:
    """Record the decline and draw the replacement under the selection lock (a replacement reads who
    is free, then invites: one at a time), with the notices, in one unit of work. The invitation is
    read again under the lock: one answered meanwhile is refused (OutOfOrder), nothing written or recorded."""
    async with unit_of_work(transaction_factory=exclusive):
        await live.sync()
        inv = await get_or_404(Invitation, invitation_id, "invitation")
        if answer_problem(inv.status):
            raise _already_answered(inv.status)
        inv.status, inv.answered_at, inv.decline_reason, inv.good_reason = status, now, reason, good_reason
        await save_protected(inv)
        if inv.subject_kind == "expert":  # counted by the annual review (R-POOL-5(3))
            await save_protected(Decline(expert=inv.subject_id, assignment_ref=f"panel-request:{inv.request}",
                                         declined_on=today, reason=reason, good_reason=good_reason))
        who = live.graph.name((inv.subject_kind, inv.subject_id))
        why = f"{who} {'declined' if status == 'declined' else 'did not answer in time'}: {reason}"
        return inv, *await _replace(live, inv, why, today, now)


def _already_answered(status: str) -> OutOfOrder:
    problem = answer_problem(status) or FieldError("id", "this invitation was answered meanwhile")
    return OutOfOrder(detail="invitation already answered", errors=[problem])


async def answer(live: LiveGraph, invitation_id: int, data: s.AnswerIn, today: date, now: datetime) -> s.AnswerOut:
    inv = await get_or_404(Invitation, invitation_id, "invitation")
    if answer_problem(inv.status):
        raise _already_answered(inv.status)
    request = await get_or_404(PanelRequest, inv.request, "panel request")
    if data.accept:
        async with unit_of_work():  # only a pending invitation is accepted, even when two answers race
            if not await update_protected(Invitation, {Invitation.status: "accepted", Invitation.answered_at: now},
                                          (Invitation.id == inv.id) & (Invitation.status == "pending")):
                raise _already_answered((await get_or_404(Invitation, inv.id, "invitation")).status)
        replacement_id, panel, shortfall = None, None, ""
    else:
        reason = clean(data.reason)
        if not reason:
            raise invalid("reason", "a decline needs a reason")
        _, replacement_id, panel, shortfall = await _decline(live, inv.id, "declined", reason, data.good_reason,
                                                             today, now)
    return await answer_out(live, inv.id, replacement_id, panel, shortfall, request, today)


async def expire_overdue(live: LiveGraph, today: date, now: datetime) -> list[s.AnswerOut]:
    """Unanswered invitations past their answer date count as declined and are replaced."""
    out = []
    for row in await Invitation.objects().where((Invitation.status == "pending") & (Invitation.answer_by < today)):
        request = await get_or_404(PanelRequest, row.request, "panel request")
        try:
            _, new_id, panel, shortfall = await _decline(live, row.id, "expired", "no answer by the answer date",
                                                         False, today, now)
        except OutOfOrder:  # answered since the list was read
            continue
        out.append(await answer_out(live, row.id, new_id, panel, shortfall, request, today))
    return out


async def submit_opinion(live: LiveGraph, invitation_id: int, data: s.SubmissionIn, today: date) -> s.InvitationOut:
    inv = await get_or_404(Invitation, invitation_id, "invitation")
    if inv.status != "accepted":
        raise OutOfOrder(detail="not a member", errors=[FieldError(
            "id", f"only an accepted invitation has an opinion; this one is {inv.status}")])
    if inv.opinion_submitted_on is not None:
        raise Duplicate(detail="opinion already recorded", errors=[FieldError(
            "submitted_on", f"recorded as submitted on {inv.opinion_submitted_on}")])
    problem = _submission_problem(data.submitted_on, today)
    if problem:
        raise _refused(problem)
    async with unit_of_work():  # recorded once, even when two submissions race
        if not await update_protected(Invitation, {Invitation.opinion_submitted_on: data.submitted_on},
                                      (Invitation.id == inv.id) & Invitation.opinion_submitted_on.is_null()):
            raise Duplicate(detail="opinion already recorded", errors=[FieldError(
                "submitted_on", "recorded meanwhile by another submission")])
    request = await get_or_404(PanelRequest, inv.request, "panel request")
    return await invitation_view(live, inv.id, request, today)


async def submit_leader_report(live: LiveGraph, request_id: int, data: s.SubmissionIn, today: date
                               ) -> s.PanelRequestOut:
    """R-PANEL-5: the group leader's (组长) report was submitted; other modes have none."""
    request = await get_or_404(PanelRequest, request_id, "panel request")
    problem = leader_report_problem(request.mode)
    if problem:
        raise conflict("not a group panel", problem.field, problem.reason, problem.rule_id)
    problem = _submission_problem(data.submitted_on, today)
    if problem:
        raise _refused(problem)
    async with unit_of_work():
        await update_protected(PanelRequest, {PanelRequest.leader_report_on: data.submitted_on},
                               PanelRequest.id == request.id)
    return await request_view(live, request_id, today)
