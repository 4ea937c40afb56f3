"""Invitations after the draw: answers, declines and missed answer dates with their replacements,
written opinions and the group leader's report (R-PANEL-5)."""

from __future__ import annotations

import json
import os
import secrets
from datetime import date, datetime
from typing import Any

from assignment import schemas as s
from assignment.domain.membership import (
    answer_problem,
    leader_after_replacement,
    leader_report_problem,
    naming_leader_problem,
    replacement_deadline,
    status_zh,
    submission_problem,
)
from assignment.events import InvitationAccepted, LeaderNamed, MemberReplaced, MembersInvited
from assignment.selection.constraints import Constraints, Infeasible, seed_commitment
from assignment.selection.plan import replacement_order
from assignment.services.candidates import refusals
from assignment.services.draw_records import frozen_candidates
from assignment.services.views import answer_out, current_leader, invitation_view, panels_of, request_view
from assignment.tables import Invitation, Panel, PanelRequest
from conflicts.live import LiveGraph
from conflicts.policy import Purpose
from core.errors import Duplicate, FieldError, OutOfOrder, RuleViolation, conflict, forbidden, invalid
from core.locks import exclusive
from core.records import get_or_404, stored
from core.schemas import clean, day_problem
from core.uow import emit, save_protected, unit_of_work, update_protected
from decisions.calendars import load_schedules
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


def deadline_fixed() -> bool:
    """``STUDY_DEADLINE_FIXED``: the office's setting that a panel's study deadline cannot move (R-PANEL-4).
    ``1``: a replacement who would have fewer than 7 working days of study is not invited and the answer
    reports the shortfall; ``0`` (default): the replacement's own deadline moves. Read at each replacement."""
    return os.environ.get("STUDY_DEADLINE_FIXED", "0").strip().lower() in ("1", "true", "yes")


async def _replace(live: LiveGraph, inv: Invitation, why: str, today: date, now: datetime
                   ) -> tuple[int | None, dict | None, str]:
    """Draw a replacement keeping every constraint; record it as a new panel record pointing back.
    The new invitation's id and panel record, or why there is none (the shortfall, in the answer).

    R-PANEL-2 (issue 11): the seed is the service's own (secrets), committed to in the record with the
    frozen candidate list; the record keeps what the draw used (the member leaving, the members before,
    the ids unavailable, the candidates refused today and why), so verification re-runs
    ``replacement_order`` from the record alone and finds the same member.

    Issue 13: a replacement from the frozen list must pass today's registry eligibility, workload caps and
    conflict check (``candidates.refusals``, what a draw uses); those refused are recorded as skipped, with
    why. R-PANEL-4: the replacement keeps 7 working days of study: their own deadline moves (noted on the
    record), or, when the office fixed the deadlines (``STUDY_DEADLINE_FIXED``), nobody is invited."""
    request = await get_or_404(PanelRequest, inv.request, "panel request")
    panels = await panels_of(request.id)
    latest = panels[-1]
    if inv.subject_id not in latest["members"]:
        return None, None, "库外专家不通过抽取替补；如有需要，可另行申请邀请库外专家"
    schedules = await load_schedules()  # the years' holiday schedules the office entered (R-PANEL-4)
    deadline, provisional, cannot = replacement_deadline(request.deadline, today, deadline_fixed(), schedules)
    if deadline is None:
        return None, None, cannot
    candidates = {c.id: c for c in await frozen_candidates(request.id)}  # stored once per request (issue 17)
    constraints = Constraints.from_dict(latest["constraints"])
    unavailable = sorted({r["subject_id"] for r in await Invitation.select(Invitation.subject_id).where(
        Invitation.request == request.id)})
    seed = secrets.randbits(63)  # the service's, never derived from the first seed (nobody can predict it)
    try:
        order = replacement_order(candidates, constraints, latest["members"], inv.subject_id, set(unavailable), seed)
    except Infeasible:
        return None, None, "冻结的候选名单中没有人能够替补该成员并同时满足全部均衡条件"
    skipped: list[dict] = []
    new_id = None
    for start in range(0, len(order), REPLACEMENT_ATTEMPTS):  # in the seed's order, a batch at a time
        batch = order[start:start + REPLACEMENT_ATTEMPTS]
        refused = await refusals(live, request.subject_kind, request.item, Purpose(request.purpose), today, batch)
        new_id = next((i for i in batch if i not in refused), None)
        for i in batch[:batch.index(new_id) if new_id is not None else len(batch)]:
            skipped.append({"id": i, "reason": refused[i]["reason"], "rule_id": refused[i]["rule_id"],
                            "stage": refused[i]["stage"]})
        if new_id is not None:
            break
    if new_id is None:
        return None, None, (f"无法替补：冻结候选名单中能满足均衡条件的 {len(order)} 人今日均不能入选"
                            "（入库资格、工作量上限或利益冲突），详见各人原因")
    members = sorted([m for m in latest["members"] if m != inv.subject_id] + [new_id])
    leader = leader_after_replacement(latest["leader"], inv.subject_id, new_id)
    panel = Panel(**{k: v for k, v in latest.items() if k not in ("id", "created_at")})
    panel.panel_request, panel.supersedes, panel.change_reason = request.id, latest["id"], why
    panel.members, panel.leader, panel.created_at = members, leader, now
    panel.seed = str(seed)
    panel.seed_commitment = seed_commitment(seed, latest["candidates_hash"])
    panel.replacement = {"leaving": inv.subject_id, "members_before": list(latest["members"]),
                         "unavailable": unavailable, "skipped": skipped}
    joining = live.graph.name((request.subject_kind, new_id))
    if deadline != request.deadline:
        panel.notes = [*latest["notes"], f"替补成员{joining}的研究期限顺延至 {deadline}（自 {today} 起 7 个工作日）"
                       + ("；该日期按暂定节假日安排推算" if provisional else "")]
    await save_protected(panel)
    named_leader = request.leader_id is not None  # a leader the unit named stays the leader (R-PANEL-5)
    new = Invitation(request=request.id, panel=panel.id, subject_kind=request.subject_kind, subject_id=new_id,
                     leader=leader == new_id and not named_leader, deadline=deadline,
                     answer_by=add_working_days(today, request.answer_working_days, schedules).day, created_at=now)
    await save_protected(new)
    await update_protected(Invitation, {Invitation.replaced_by: new.id}, Invitation.id == inv.id)
    emit(MembersInvited(request.id, (new.id,), now))
    emit(MemberReplaced(request.id, panel.id, live.graph.name((inv.subject_kind, inv.subject_id)), joining, why, now))
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
        why = f"{who}{'谢绝邀请' if status == 'declined' else '未在答复期限内答复'}：{reason}"
        return inv, *await _replace(live, inv, why, today, now)


def _already_answered(status: str) -> OutOfOrder:
    problem = answer_problem(status) or FieldError("id", "该邀请刚已被答复")
    return OutOfOrder(detail="该邀请已答复", errors=[problem])


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
            _, new_id, panel, shortfall = await _decline(live, row.id, "expired", "答复期限已过",
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
        raise OutOfOrder(detail="不是论证组成员", errors=[FieldError(
            "id", f"只有已接受的邀请才提交论证意见；该邀请的状态为{status_zh(inv.status)}")])
    if inv.opinion_submitted_on is not None:
        raise Duplicate(detail="论证意见已登记", errors=[FieldError(
            "id", f"已登记于 {inv.opinion_submitted_on} 提交")])
    day = _received_day(received_on, today)
    async with unit_of_work():  # recorded once, even when two submissions race
        if not await update_protected(Invitation, {Invitation.opinion_submitted_on: day},
                                      (Invitation.id == inv.id) & Invitation.opinion_submitted_on.is_null()):
            raise Duplicate(detail="论证意见已登记", errors=[FieldError("id", "另一次提交刚已登记")])
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
    problem = leader_report_problem(request.mode, await _leader_status(request))
    if problem:
        raise conflict("组长报告未被接受", problem.field, problem.reason, problem.rule_id)
    day = _received_day(received_on, today)
    async with unit_of_work():
        await update_protected(PanelRequest, {PanelRequest.leader_report_on: day}, PanelRequest.id == request.id)
    return await request_view(live, request_id, today)


async def _member_statuses(request_id: int) -> dict[int, str]:
    """Each member's current invitation status in the request (a later invitation of the same person wins)."""
    rows = await Invitation.select(Invitation.subject_id, Invitation.status).where(
        Invitation.request == request_id).order_by(Invitation.id)
    return {r["subject_id"]: r["status"] for r in rows}


async def _leader_status(request: PanelRequest) -> str | None:
    """The status of the current leader's invitation (R-PANEL-5), None when the group has no leader."""
    panels = await panels_of(request.id)
    leader = current_leader(request, panels[-1]) if panels else None
    return None if leader is None else (await _member_statuses(request.id)).get(leader)


async def name_leader(live: LiveGraph, request_id: int, expert_id: int, actor: str, today: date, now: datetime
                      ) -> s.PanelRequestOut:
    """R-PANEL-5: the drafting unit names the group's leader (组长) among the members who accepted: a non-member
    is refused (422), a member who has not accepted, another mode or a report already in (409). The leader
    flags of the invitations follow; the issued panel records stay as they were."""
    async with unit_of_work(transaction_factory=exclusive):
        request = await get_or_404(PanelRequest, request_id, "panel request", "request_id")
        statuses = await _member_statuses(request_id)
        found = naming_leader_problem(request.mode, expert_id, statuses, request.leader_report_on is not None)
        if found is not None:
            kind, problem = found
            if kind == "invalid":
                raise _refused(problem)
            raise conflict("不能指定该组长", problem.field, problem.reason, problem.rule_id)
        await update_protected(Invitation, {Invitation.leader: False},
                               (Invitation.request == request_id) & Invitation.leader.eq(True))
        await update_protected(Invitation, {Invitation.leader: True}, (Invitation.request == request_id) & (
            Invitation.subject_id == expert_id) & (Invitation.status == "accepted"))
        await update_protected(PanelRequest, {PanelRequest.leader_id: expert_id}, PanelRequest.id == request_id)
        emit(LeaderNamed(request_id, expert_id, actor, now))
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
            raise OutOfOrder(detail="没有需要认定的谢绝", errors=[FieldError(
                "id", f"该邀请的状态为{status_zh(inv.status)}：只认定专家谢绝或逾期未答复的邀请", "R-POOL-5")])
        correction = clean(data.correction_reason)
        if row.judged_by not in ("", AUTOMATIC) and not correction:
            verdict = "有正当理由" if row.judged_good_reason else "无正当理由"
            raise Duplicate(detail="该谢绝已认定", errors=[FieldError(
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
        raise forbidden("评价由决策承办单位作出", "id",
                        "评价由该专家所在论证组的决策承办单位作出；政策法规处可更正评价 (R-POOL-6)")
    if unit_id != item.drafting_unit:
        raise forbidden("不是本单位的论证组", "id", "决策承办单位只评价本单位论证组的成员 (R-POOL-6)")
    if inv.status != "accepted":
        raise OutOfOrder(detail="不是论证组成员", errors=[FieldError(
            "id", f"只评价已接受的邀请；该邀请的状态为{status_zh(inv.status)}", "R-POOL-6")])
    if inv.subject_kind != "expert":
        raise invalid("id", "第三方机构的工作不按专家评价 (R-POOL-6)", "R-POOL-6")
    return await rate_invitation(inv.subject_id, unit_id, inv.id, f"panel-request:{request.id}", data.participation,
                                 data.reliability, data.implementation_effect, data.comment, today)
