"""Invitations after the draw: answers, declines and missed answer dates with their replacements,
written opinions and the group leader's report (R-PANEL-5)."""

from __future__ import annotations

import json
import secrets
from datetime import date, datetime
from typing import Any

from assignment import schemas as s
from assignment.domain.membership import (
    answer_problem,
    leader_after_replacement,
    leader_report_problem,
    submission_problem,
)
from assignment.events import InvitationAccepted, MemberReplaced, MembersInvited
from assignment.selection.constraints import Candidate, Constraints, Infeasible, seed_commitment
from assignment.selection.plan import replacement_order
from assignment.services.candidates import conflict_exclusions
from assignment.services.views import answer_out, invitation_view, panels_of, request_view
from assignment.tables import Invitation, Panel, PanelRequest
from conflicts.live import LiveGraph
from conflicts.services.checks import run_check
from core.errors import Duplicate, FieldError, OutOfOrder, RuleViolation, conflict, forbidden, invalid
from core.locks import exclusive
from core.records import get_or_404, stored
from core.schemas import clean, day_problem
from core.uow import emit, save_protected, unit_of_work, update_protected
from decisions.domain.workdays import add_working_days
from decisions.tables import DecisionItem
from registry.services.reviews import rate_invitation
from registry.tables import Decline, PerformanceRating

MAX_DECLINE_REASON = 500  # characters of a decline's reason (as AnswerIn)
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
    The new invitation's id and panel record, or why there is none.

    R-PANEL-2 (issue 11): the seed is the service's own (secrets), committed to in the record with the
    frozen candidate list; the record keeps what the draw used (the member leaving, the members before,
    the ids unavailable, the candidates today's conflict check refused and why), so verification re-runs
    ``replacement_order`` from the record alone and finds the same member."""
    request = await get_or_404(PanelRequest, inv.request, "panel request")
    panels = await panels_of(request.id)
    latest = panels[-1]
    if inv.subject_id not in latest["members"]:
        return None, None, "an out-of-pool member is not replaced by a draw"
    candidates = {c["id"]: Candidate.from_dict(c) for c in latest["candidates"]}
    constraints = Constraints.from_dict(latest["constraints"])
    unavailable = sorted({r["subject_id"] for r in await Invitation.select(Invitation.subject_id).where(
        Invitation.request == request.id)})
    seed = secrets.randbits(63)  # the service's, never derived from the first seed (nobody can predict it)
    try:
        order = replacement_order(candidates, constraints, latest["members"], inv.subject_id, set(unavailable), seed)
    except Infeasible as exc:
        return None, None, exc.shortfalls[0].message
    skipped: list[dict] = []
    for new_id in order[:REPLACEMENT_ATTEMPTS]:
        # records may have changed since the draw: the replacement passes today's check
        _, conflicts, _ = await run_check(live, request.item, request.purpose, today, [(request.subject_kind, new_id)])
        refused = conflict_exclusions(conflicts).get((request.subject_kind, new_id))
        if refused is None:
            break
        first = refused["reasons"][0] if refused["reasons"] else {"message": refused["stage"], "rule_id": ""}
        skipped.append({"id": new_id, "reason": first["message"], "rule_id": first["rule_id"]})
    else:
        return None, None, "every possible replacement now has a conflict"
    members = sorted([m for m in latest["members"] if m != inv.subject_id] + [new_id])
    leader = leader_after_replacement(latest["leader"], inv.subject_id, new_id)
    panel = Panel(**{k: v for k, v in latest.items() if k not in ("id", "created_at")})
    panel.panel_request, panel.supersedes, panel.change_reason = request.id, latest["id"], why
    panel.members, panel.leader, panel.created_at = members, leader, now
    panel.seed = str(seed)
    panel.seed_commitment = seed_commitment(seed, latest["candidates_hash"])
    panel.replacement = {"leaving": inv.subject_id, "members_before": list(latest["members"]),
                         "unavailable": unavailable, "skipped": skipped}
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


async def _decline(live: LiveGraph, invitation_id: int, status: str, reason: str, today: date, now: datetime
                   ) -> tuple[Invitation, int | None, dict | None, str]:
    """Record the decline and draw the replacement under the selection lock (a replacement reads who
    is free, then invites: one at a time), with the notices, in one unit of work. The answer itself is one
    conditional transition (only a pending invitation is declined): an invitation answered meanwhile, by an
    accept outside the lock or a second decline, is refused (OutOfOrder), nothing written or recorded.

    Whether the reason was good is the office's judgement (R-POOL-5(3)): a decline waits for it (None). A missed
    answer date ('expired') is judged automatically as without good reason; the office may judge otherwise."""
    async with unit_of_work(transaction_factory=exclusive):
        await live.sync()
        inv = await get_or_404(Invitation, invitation_id, "invitation")
        if answer_problem(inv.status):
            raise _already_answered(inv.status)
        automatic = status == "expired"
        judged = False if automatic else None
        if not await update_protected(
                Invitation, {Invitation.status: status, Invitation.answered_at: now, Invitation.decline_reason: reason,
                             Invitation.good_reason: judged},
                (Invitation.id == inv.id) & (Invitation.status == "pending")):
            raise _already_answered((await get_or_404(Invitation, inv.id, "invitation")).status)
        inv.status, inv.answered_at, inv.decline_reason, inv.good_reason = status, now, reason, judged
        if inv.subject_kind == "expert":  # counted by the annual review once judged (R-POOL-5(3))
            note = "未在答复期限内答复，自动认定为无正当理由；政策法规处可另行认定" if automatic else ""
            history = [{"good_reason": False, "note": note, "by": AUTOMATIC, "on": today.isoformat(),
                        "correction_reason": ""}] if automatic else []
            await save_protected(Decline(
                expert=inv.subject_id, assignment_ref=f"panel-request:{inv.request}", declined_on=today,
                reason=reason, good_reason=False, invitation=inv.id, judged_good_reason=judged,
                judged_by=AUTOMATIC if automatic else "", judged_on=today if automatic else None,
                judgement_note=note, judgements=history, created_at=now))
        who = live.graph.name((inv.subject_kind, inv.subject_id))
        why = f"{who} {'declined' if status == 'declined' else 'did not answer in time'}: {reason}"
        return inv, *await _replace(live, inv, why, today, now)


def _already_answered(status: str) -> OutOfOrder:
    problem = answer_problem(status) or FieldError("id", "this invitation was answered meanwhile")
    return OutOfOrder(detail="invitation already answered", errors=[problem])


async def answer(live: LiveGraph, invitation_id: int, data: s.AnswerIn, today: date, now: datetime) -> s.AnswerOut:
    """One answer per invitation, one conditional transition from pending (accept or decline): a second answer,
    however close in time, gets 409 and changes nothing."""
    inv = await get_or_404(Invitation, invitation_id, "invitation")
    if answer_problem(inv.status):
        raise _already_answered(inv.status)
    request = await get_or_404(PanelRequest, inv.request, "panel request")
    if data.accept:
        async with unit_of_work():  # only a pending invitation is accepted, even when two answers race
            if not await update_protected(Invitation, {Invitation.status: "accepted", Invitation.answered_at: now},
                                          (Invitation.id == inv.id) & (Invitation.status == "pending")):
                raise _already_answered((await get_or_404(Invitation, inv.id, "invitation")).status)
            emit(InvitationAccepted(inv.id, request.id, inv.panel, request.item, request.purpose, inv.subject_kind,
                                    inv.subject_id, now))
        replacement_id, panel, shortfall = None, None, ""
    else:
        reason = clean(data.reason)
        if not reason:
            raise invalid("reason", "拒绝邀请须说明理由（是否属正当理由由政策法规处认定）", "R-POOL-5")
        if len(reason) > MAX_DECLINE_REASON:  # the body type bounds it; the signed-link page builds AnswerIn itself
            raise invalid("reason", f"谢绝理由不超过 {MAX_DECLINE_REASON} 字", "R-POOL-5")
        _, replacement_id, panel, shortfall = await _decline(live, inv.id, "declined", reason, today, now)
    return await answer_out(live, inv.id, replacement_id, panel, shortfall, request, today)


async def expire_overdue(live: LiveGraph, today: date, now: datetime) -> list[s.AnswerOut]:
    """Unanswered invitations past their answer date count as declined and are replaced."""
    out = []
    for row in await Invitation.objects().where((Invitation.status == "pending") & (Invitation.answer_by < today)):
        request = await get_or_404(PanelRequest, row.request, "panel request")
        try:
            _, new_id, panel, shortfall = await _decline(live, row.id, "expired", "no answer by the answer date",
                                                         today, now)
        except OutOfOrder:  # answered since the list was read
            continue
        out.append(await answer_out(live, row.id, new_id, panel, shortfall, request, today))
    return out


async def submit_opinion(live: LiveGraph, invitation_id: int, today: date, received_on: date | None = None
                         ) -> s.InvitationOut:
    """The member's written opinion was handed in: recorded as of today, the server's date (issue 11), or, for a
    paper opinion the office records (``received_on``, with its reason on the record), the day it was received."""
    inv = await get_or_404(Invitation, invitation_id, "invitation")
    if inv.status != "accepted":
        raise OutOfOrder(detail="not a member", errors=[FieldError(
            "id", f"only an accepted invitation has an opinion; this one is {inv.status}")])
    if inv.opinion_submitted_on is not None:
        raise Duplicate(detail="opinion already recorded", errors=[FieldError(
            "id", f"recorded as submitted on {inv.opinion_submitted_on}")])
    day = _received_day(received_on, today)
    async with unit_of_work():  # recorded once, even when two submissions race
        if not await update_protected(Invitation, {Invitation.opinion_submitted_on: day},
                                      (Invitation.id == inv.id) & Invitation.opinion_submitted_on.is_null()):
            raise Duplicate(detail="opinion already recorded", errors=[FieldError(
                "id", "recorded meanwhile by another submission")])
    request = await get_or_404(PanelRequest, inv.request, "panel request")
    return await invitation_view(live, inv.id, request, today)


def _received_day(received_on: date | None, today: date) -> date:
    """Today (the server's clock); a paper submission's day must be a real day, not in the future."""
    if received_on is None:
        return today
    problem = _submission_problem(received_on, today)
    if problem:
        raise _refused(FieldError("received_on", problem.reason, problem.rule_id))
    return received_on


async def submit_leader_report(live: LiveGraph, request_id: int, today: date, received_on: date | None = None
                               ) -> s.PanelRequestOut:
    """R-PANEL-5: the group leader's (组长) report was submitted, as of today (the server's date), or on paper
    on ``received_on`` (recorded by the office with its reason); other modes have none."""
    request = await get_or_404(PanelRequest, request_id, "panel request")
    problem = leader_report_problem(request.mode)
    if problem:
        raise conflict("not a group panel", problem.field, problem.reason, problem.rule_id)
    day = _received_day(received_on, today)
    async with unit_of_work():
        await update_protected(PanelRequest, {PanelRequest.leader_report_on: day}, PanelRequest.id == request.id)
    return await request_view(live, request_id, today)


# --- the office's judgement of declines, and the units' ratings (issue 11, R-POOL-5(3), R-POOL-6) ---------
AUTOMATIC = "automatic"  # who judged an expired invitation: nobody, by the rule above


async def judge_decline(invitation_id: int, data: s.DeclineJudgementIn, by: str, today: date
                        ) -> s.DeclineJudgementOut:
    """The office judges whether a decline's reason was good (R-POOL-5(3)). Judged once: a later change is a
    correction that needs its reason, kept with every earlier judgement. An automatic judgement (an expired
    invitation) is the office's to replace without one."""
    async with unit_of_work(transaction_factory=exclusive):  # one judgement at a time: none is lost
        inv = await get_or_404(Invitation, invitation_id, "invitation")
        row = await Decline.objects().where(Decline.invitation == inv.id).first()
        if row is None:
            raise OutOfOrder(detail="nothing to judge", errors=[FieldError(
                "id", f"this invitation is {inv.status}: only an expert's declined or expired invitation is judged",
                "R-POOL-5")])
        correction = clean(data.correction_reason)
        if row.judged_by not in ("", AUTOMATIC) and not correction:
            verdict = "有正当理由" if row.judged_good_reason else "无正当理由"
            raise Duplicate(detail="decline already judged", errors=[FieldError(
                "correction_reason", f"已于 {row.judged_on} 由 {row.judged_by} 认定为{verdict}；更正须说明理由",
                "R-POOL-5")])
        note = clean(data.note)
        entry = {"good_reason": data.good_reason, "note": note, "by": by, "on": today.isoformat(),
                 "correction_reason": correction}
        await update_protected(Decline, {
            Decline.judged_good_reason: data.good_reason, Decline.judged_by: by, Decline.judged_on: today,
            Decline.judgement_note: note, Decline.judgements: [*_listed(row.judgements), entry]}, Decline.id == row.id)
        await update_protected(Invitation, {Invitation.good_reason: data.good_reason}, Invitation.id == inv.id)
    stored_row = await get_or_404(Decline, row.id, "decline")
    return s.DeclineJudgementOut(inv.id, stored_row.id, stored_row.expert, stored_row.reason,
                                 stored_row.judged_good_reason, stored_row.judged_by, stored_row.judged_on,
                                 stored_row.judgement_note, _listed(stored_row.judgements))


def _listed(value: Any) -> list[dict]:
    return list(json.loads(value) if isinstance(value, str) else value or [])


async def rate(invitation_id: int, data: s.InvitationRatingIn, unit_id: int | None, today: date) -> PerformanceRating:
    """The drafting unit whose panel it was rates one accepted invitation, once (R-POOL-6). The unit is the
    caller's (its login), never a body field; the office corrects ratings instead of making them."""
    inv = await get_or_404(Invitation, invitation_id, "invitation")
    request = await get_or_404(PanelRequest, inv.request, "panel request")
    item = await get_or_404(DecisionItem, request.item, "decision item")
    if unit_id is None:
        raise forbidden("only the drafting unit rates", "id",
                        "评价由该专家所在论证组的决策承办单位作出；政策法规处可更正评价 (R-POOL-6)")
    if unit_id != item.drafting_unit:
        raise forbidden("not your panel", "id", "a drafting unit rates the members of its own panels only (R-POOL-6)")
    if inv.status != "accepted":
        raise OutOfOrder(detail="not a member", errors=[FieldError(
            "id", f"only an accepted invitation is rated; this one is {inv.status}", "R-POOL-6")])
    if inv.subject_kind != "expert":
        raise invalid("id", "an institution's work is not rated as an expert's (R-POOL-6)", "R-POOL-6")
    return await rate_invitation(inv.subject_id, unit_id, inv.id, f"panel-request:{request.id}", data.participation,
                                 data.reliability, data.implementation_effect, data.comment, today)
