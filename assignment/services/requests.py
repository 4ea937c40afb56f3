"""A panel request: checked (R-PANEL-1/2/3/4) and planned without the selection lock (the linear program
has a time budget, PLAN_SECONDS), then confirmed and recorded with its invitations in one exclusive unit
of work (issue 12). The selection itself is ``assignment.selection``."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from assignment import schemas as s
from assignment.domain.membership import choose_leader, replacement_deadline, request_leader_problem
from assignment.domain.requests import (
    LIVE_STATUSES,
    OutOfPool,
    balance_constraints,
    cancellation_decision_problem,
    cancellation_request_problem,
    deadline_problem,
    institution_request_problem,
    live_request_problem,
    minimum_members,
    out_of_pool_conflicts,
    out_of_pool_decision_problem,
    out_of_pool_problems,
    out_of_pool_standing_problems,
    real_reason_problem,
    size_problem,
    status_after_cancellation_decision,
    study_deadline,
)
from assignment.events import CancellationDecided, CancellationRequested, MembersInvited, OutOfPoolDecided, PanelDrawn
from assignment.selection.constraints import Candidate, Constraints, canonical_rows, rows_hash, seed_commitment
from assignment.selection.plan import Plan, draw
from assignment.selection.planner import plan_panel
from assignment.services.candidates import (
    busy_experts,
    conflict_exclusions,
    expert_candidates,
    institution_candidates,
    no_longer_free,
)
from assignment.services.draw_records import frozen_candidates, store_draw_record
from assignment.services.invitations import deadline_fixed
from assignment.tables import Invitation, Panel, PanelRequest
from conflicts.live import LiveGraph
from conflicts.policy import Purpose
from conflicts.services.checks import run_check
from core.errors import ErrorCollector, FieldError, RuleViolation, StateConflict, conflict
from core.locks import exclusive
from core.records import get_or_404
from core.schemas import clean, day_problem
from core.uow import emit, save_protected, touch, unit_of_work, update_protected
from decisions.calendars import load_schedules
from decisions.domain.workdays import add_working_days
from decisions.services import gravity_of
from decisions.tables import DecisionItem
from registry.services.specialties import check_specialty_codes, check_sub_pool_codes
from registry.services.standing import eligibility_for
from registry.tables import Expert, Institution

DEFAULT_PLAN_SECONDS = 10.0
PLAN_ATTEMPTS = 3  # plans made again because a member drawn was taken meanwhile, before refusing


def _collect(errors: ErrorCollector, problems: Iterable[FieldError | None]) -> None:
    for p in problems:
        if p is not None:
            errors.add(p.field, p.reason, p.rule_id)


async def _validate_request(data: s.PanelRequestIn, item: DecisionItem, named: list[OutOfPool]) -> tuple[date, bool]:
    """Every problem of the request at once; the study deadline and whether it is provisional."""
    errors = ErrorCollector()
    for name, day in (("handover_on", data.handover_on), ("deadline", data.deadline)):
        if problem := day_problem(day):
            errors.add(name, problem)
    errors.raise_if_any("抽取请求未通过")  # working days are counted only between sensible dates
    schedules = await load_schedules()  # the years' holiday schedules the office entered (R-PANEL-4)
    _collect(errors, [size_problem(data.size, minimum_members(data.subject_kind, gravity_of(item))),
                      deadline_problem(data.handover_on, data.deadline, schedules)])
    await check_specialty_codes(list(data.balance.min_per_specialty), "balance.min_per_specialty", errors)
    await _check_sub_pools(data, errors)
    quotas = bool(data.balance.min_per_specialty)
    _collect(errors, [institution_request_problem(data.subject_kind, bool(named), quotas)])
    table = Expert if data.subject_kind == "expert" else Institution
    if data.balance.dissenting_ids:
        known = {r["id"] for r in await table.select(table.id).where(table.id.is_in(data.balance.dissenting_ids))}
        for n, i in enumerate(data.balance.dissenting_ids):
            if i not in known:
                errors.add(f"balance.dissenting_ids[{n}]",
                           f"没有编号为 {i} 的{'专家' if data.subject_kind == 'expert' else '机构'}")
    if named:
        ids = [o.expert_id for o in named]
        _collect(errors, out_of_pool_problems(named, {r["id"] for r in await Expert.select(Expert.id).where(
            Expert.id.is_in(ids))}))
        _collect(errors, [real_reason_problem(f"out_of_pool[{n}].reason", clean(o.reason), "R-PANEL-3")
                          for n, o in enumerate(named)])
    _collect(errors, [request_leader_problem(data.mode, data.leader_id, [o.expert_id for o in named])])
    errors.raise_if_any("抽取请求未通过")
    return study_deadline(data.handover_on, data.deadline, schedules)


async def _check_sub_pools(data: s.PanelRequestIn, errors: ErrorCollector) -> None:
    """Issue 17 (R-POOL-1): each sub-pool named is a node of the specialty tree, named once; institutions are
    drawn from the evaluator pool, which has no sub-pools."""
    if not data.sub_pools:
        return
    if data.subject_kind != "expert":
        errors.add("sub_pools", "第三方评估机构从第三方评估机构库中抽取，不分专业分库", "R-POOL-8")
        return
    await check_sub_pool_codes(list(data.sub_pools), "sub_pools", errors)


def draw_sub_pools(data: s.PanelRequestIn, item: DecisionItem) -> list[str]:
    """The sub-pools a draw of experts takes its candidates from (issue 17): those the request names, else the
    item's own, else none (the whole pool). Institutions: none."""
    if data.subject_kind != "expert":
        return []
    return list(data.sub_pools) or list(item.sub_pools or [])


def plan_seconds() -> float:
    """``PLAN_SECONDS``: how long the draw's planning step (the linear program) may take, default 10.
    Read at each request; a value that is not a positive number falls back to the default."""
    try:
        seconds = float(os.environ.get("PLAN_SECONDS", DEFAULT_PLAN_SECONDS))
    except ValueError:
        return DEFAULT_PLAN_SECONDS
    return seconds if seconds > 0 else DEFAULT_PLAN_SECONDS


def new_seed() -> int:
    """The draw's seed: made by the service at the moment of the draw from the system's secure random
    source, never taken from the caller (R-PANEL-2), so nobody can search for a seed that draws a chosen panel."""
    return secrets.randbits(63)


class _Taken(Exception):
    """A member drawn was taken (or became ineligible) between the plan and the lock: plan again."""


@dataclass
class _Draft:
    """A request checked, planned and drawn without the lock, waiting to be confirmed and stored."""

    item: DecisionItem
    named: list[OutOfPool]
    deadline: date
    provisional: bool
    candidates: list[Candidate]
    exclusions: list[dict]
    sub_pools: list[str]
    constraints: Constraints
    plan: Plan
    seed: int
    members: list[int]
    leader: int | None
    version: int


async def create_request(live: LiveGraph, data: s.PanelRequestIn, today: date, now: datetime, actor: str = ""
                         ) -> PanelRequest:
    """Check, plan and draw without the selection lock: the linear program can take seconds (within
    PLAN_SECONDS) and must not hold other requests up. Then, under the lock, confirm that the members
    drawn are still free (workload caps, registry, conflicts, policy version) and store the panel with its
    invitations and notices in one unit of work, so concurrent requests see each other's invitations
    when they count workloads. When someone took a member meanwhile, plan again from what is free now.
    ``actor``: who asks, from the login (recorded as ``requested_by``)."""
    for _ in range(PLAN_ATTEMPTS):
        await live.sync()  # what other requests and processes wrote before this attempt
        draft = await _prepare(live, data, today)
        try:
            async with unit_of_work(transaction_factory=exclusive):
                await live.sync()  # what changed while this request planned and waited for the lock
                await _refuse_second_live_request(data)  # under the lock: two racing requests cannot both pass
                await _confirm(live, data, draft, today)
                return await _store(data, draft, today, now, actor)
        except _Taken:
            continue  # rolled back: nothing written, nothing recorded
    raise conflict("抽取请求未完成：候选专家不断变化", "size",
                   f"抽取期间候选专家连续 {PLAN_ATTEMPTS} 次被其他请求占用或发生变化，未能确认名单，请稍后重试")


def _same_draw(data: s.PanelRequestIn):
    """The requests that are draws for the same item, purpose and kind of subject."""
    return (PanelRequest.item == data.item_id) & (PanelRequest.purpose == data.purpose.value) & (
        PanelRequest.subject_kind == data.subject_kind)


async def _live_requests(data: s.PanelRequestIn) -> list[tuple[int, int, str]]:
    rows = await PanelRequest.select(PanelRequest.id, PanelRequest.draw_number, PanelRequest.status).where(
        _same_draw(data) & PanelRequest.status.is_in(list(LIVE_STATUSES))).order_by(PanelRequest.id)
    return [(r["id"], r["draw_number"], r["status"]) for r in rows]


async def _refuse_second_live_request(data: s.PanelRequestIn) -> None:
    """R-PANEL-2: one live draw per item and purpose; a new one needs the previous one cancelled (409)."""
    live_requests = await _live_requests(data)
    if problem := live_request_problem(live_requests):
        raise conflict("该事项同一用途已有有效的抽取", problem.field,
                       problem.reason, problem.rule_id, live_request_id=live_requests[0][0])


async def _draw_number(data: s.PanelRequestIn) -> int:
    return await PanelRequest.count().where(_same_draw(data)) + 1


async def _out_of_pool_standing(named: list[OutOfPool], eligible: set[int], today: date) -> list[FieldError]:
    """R-PANEL-3: not an eligible member of the draw, not excluded by the registry, under the workload caps."""
    ids = [o.expert_id for o in named]
    eligibility = await eligibility_for(ids, today)
    reasons = {i: [(r.rule_id, r.code, r.message) for r in e.reasons] for i, e in eligibility.items()}
    return out_of_pool_standing_problems(named, eligible, reasons, await busy_experts(ids, today))


async def _prepare(live: LiveGraph, data: s.PanelRequestIn, today: date) -> _Draft:
    """Everything that only reads: the checks, the candidates, the plan (time-boxed) and the draw."""
    item = await get_or_404(DecisionItem, data.item_id, "decision item", "item_id")
    await _refuse_second_live_request(data)  # early, before any planning; checked again under the lock
    named = [OutOfPool(o.expert_id, o.reason) for o in data.out_of_pool]
    deadline, provisional = await _validate_request(data, item, named)
    sub_pools = draw_sub_pools(data, item)
    if data.subject_kind == "expert":
        candidates, exclusions, excluded, version = await expert_candidates(
            live, item.id, data.purpose, today, list(data.balance.min_per_specialty), sub_pools)
    else:
        candidates, exclusions, excluded, version = await institution_candidates(live, item.id, data.purpose, today)
    if named:  # R-PANEL-3: the same conflict check as everyone else
        _, conflicts, _ = await run_check(live, item.id, data.purpose, today, [("expert", o.expert_id) for o in named])
        blocked = {subject_id: (e["reasons"][0]["message"], e["reasons"][0]["rule_id"])
                   for (kind, subject_id), e in conflict_exclusions(conflicts).items() if kind == "expert"}
        errors = ErrorCollector()
        _collect(errors, await _out_of_pool_standing(named, {c.id for c in candidates}, today))
        _collect(errors, out_of_pool_conflicts(named, blocked))
        errors.raise_if_any("库外专家未通过")
        extra = {o.expert_id for o in named}
        candidates = [c for c in candidates if c.id not in extra]
    candidates = sorted(candidates, key=lambda c: c.id)  # the frozen list's canonical order (issue 17)
    b = data.balance
    constraints = balance_constraints(data.subject_kind, data.size, b.min_per_specialty, b.max_per_employer,
                                      b.max_per_sector, b.max_per_region, b.dissenting_ids, sub_pools)
    plan = await asyncio.to_thread(plan_panel, candidates, constraints, excluded, seconds=plan_seconds())
    seed = new_seed()  # made by the service at the draw, never by the caller (R-PANEL-2)
    members = draw(plan, {c.id: c for c in candidates}, constraints, seed)
    # R-PANEL-5: the leader the unit named among its out-of-pool members (checked), else drawn with the seed
    leader = data.leader_id if data.leader_id is not None else choose_leader(
        data.mode, members + [o.expert_id for o in named], seed)
    return _Draft(item, named, deadline, provisional, candidates, exclusions, sub_pools, constraints, plan, seed,
                  members, leader, version)


async def _confirm(live: LiveGraph, data: s.PanelRequestIn, draft: _Draft, today: date) -> None:
    """Under the lock: every member drawn is still free, and the policy is the one the plan was made under."""
    if live.policy.version != draft.version:
        raise _Taken
    if await no_longer_free(live, data.subject_kind, draft.item.id, data.purpose, today, draft.members,
                            [o.expert_id for o in draft.named]):
        raise _Taken
    if draft.named:  # R-PANEL-3: still not a candidate, excluded or busy now (another request may have taken them)
        errors = ErrorCollector()
        _collect(errors, await _out_of_pool_standing(draft.named, {c.id for c in draft.candidates}, today))
        errors.raise_if_any("库外专家未通过")


def request_note(data: s.PanelRequestIn) -> str:
    """The unit's free-text note. Who asked is the login (issue 13); an old body's ``requested_by`` is kept as
    a note, never as the requester."""
    note = clean(data.note)
    old = clean(data.requested_by or "")
    if old and old != note:
        note = f"{note}（请求中填写的 requested_by：{old}）" if note else f"请求中填写的 requested_by：{old}"
    return note


async def _store(data: s.PanelRequestIn, draft: _Draft, today: date, now: datetime, actor: str) -> PanelRequest:
    """The request, the panel record and the invitations, each a protected row of the record (R-REC-2).
    Every member's own study deadline starts as the request's (a replacement's may move, R-PANEL-4)."""
    named, plan, candidates, constraints = draft.named, draft.plan, draft.candidates, draft.constraints
    rows = canonical_rows(candidates)  # made once: the fingerprint and the stored list (issue 17)
    fingerprint = rows_hash(rows, constraints)
    everyone = draft.members + [o.expert_id for o in named]
    request = PanelRequest(
        item=draft.item.id, subject_kind=data.subject_kind, purpose=data.purpose.value, mode=data.mode,
        size=data.size, handover_on=data.handover_on, deadline=draft.deadline, deadline_provisional=draft.provisional,
        answer_working_days=data.answer_working_days, constraints=constraints.as_dict(),
        out_of_pool=[{"expert_id": o.expert_id, "reason": o.reason} for o in named], requested_by=actor,
        note=request_note(data), leader_id=data.leader_id, draw_number=await _draw_number(data), status="active",
        reverse_argument=data.reverse_argument, sub_pools=draft.sub_pools)
    await save_protected(request)
    # issue 17: the panel record keeps the hash; the frozen list is stored once (DrawRecord), the exclusions as rows
    panel = Panel(
        panel_request=request.id, seed=str(draft.seed), candidates=[],
        candidates_hash=fingerprint, constraints=constraints.as_dict(),
        seed_commitment=seed_commitment(draft.seed, fingerprint),  # R-PANEL-2
        plan=plan.to_dict(), probabilities={str(k): v for k, v in plan.probabilities().items()},
        exclusions=[], members=draft.members, out_of_pool=request.out_of_pool, leader=draft.leader,
        policy_version=draft.version, deadline=draft.deadline, min_probability=plan.min_probability,
        upper_bound=plan.upper_bound, notes=plan.notes, created_at=now)
    await save_protected(panel)
    summary = await store_draw_record(request.id, panel.id, candidates, draft.exclusions, now, rows)
    answer_by = add_working_days(today, data.answer_working_days, await load_schedules()).day
    outside = {o.expert_id for o in named}  # R-PANEL-3: invited only once the office approves each of them
    invitations = [Invitation(request=request.id, panel=panel.id, subject_kind=data.subject_kind, subject_id=i,
                              leader=i == draft.leader, answer_by=answer_by, created_at=now, deadline=draft.deadline,
                              status="awaiting_approval" if i in outside else "pending") for i in everyone]
    await Invitation.insert(*invitations)
    for inv in invitations:
        touch(Invitation, inv.id)
    emit(MembersInvited(request.id, tuple(inv.id for inv in invitations if inv.subject_id not in outside), now))
    emit(PanelDrawn(request.id, panel.id, len(everyone), str(draft.seed), now, panel.candidates_hash,
                    tuple(everyone), request.draw_number, draft.item.id, data.purpose.value, tuple(sorted(outside)),
                    len(candidates), summary))
    return request


# --- cancelling a draw (R-PANEL-2) -----------------------------------------------------------------------
def _reason(text: str, rule_id: str) -> str:
    reason = clean(text)
    if problem := real_reason_problem("reason", reason, rule_id):
        raise RuleViolation(detail=problem.reason, errors=[problem])
    return reason


def _out_of_order(detail: str, problem: FieldError | None) -> StateConflict:
    problem = problem or FieldError("request_id", detail)
    return conflict(detail, problem.field, problem.reason, problem.rule_id)


async def request_cancellation(request_id: int, data: s.CancellationIn, now: datetime) -> None:
    """The unit asks for its draw to be cancelled, with a reason (to draw again); the office decides."""
    reason = _reason(data.reason, "R-PANEL-2")
    async with unit_of_work(transaction_factory=exclusive):
        request = await get_or_404(PanelRequest, request_id, "panel request", "request_id")
        if problem := cancellation_request_problem(request.status):
            raise _out_of_order("不能申请撤销", problem)
        await update_protected(PanelRequest, {
            PanelRequest.status: "cancellation_requested", PanelRequest.cancellation_reason: reason,
            PanelRequest.cancellation_requested_at: now, PanelRequest.cancellation_approved: None,
            PanelRequest.cancellation_decision_reason: "", PanelRequest.cancellation_decided_at: None},
            PanelRequest.id == request_id)
        emit(CancellationRequested(request_id, request.draw_number, reason, now))


async def decide_cancellation(request_id: int, data: s.DecisionIn, now: datetime) -> None:
    """The office's decision: cancelled (every invitation not yet answered is withdrawn) or active again."""
    reason = _reason(data.reason, "R-PANEL-2")
    async with unit_of_work(transaction_factory=exclusive):
        request = await get_or_404(PanelRequest, request_id, "panel request", "request_id")
        if problem := cancellation_decision_problem(request.status):
            raise _out_of_order("没有待决定的撤销申请", problem)
        approve = bool(data.approve)
        await update_protected(PanelRequest, {
            PanelRequest.status: status_after_cancellation_decision(approve),
            PanelRequest.cancellation_approved: approve, PanelRequest.cancellation_decision_reason: reason,
            PanelRequest.cancellation_decided_at: now}, PanelRequest.id == request_id)
        withdrawn: list[int] = []
        if approve:
            withdrawn = await update_protected(Invitation, {Invitation.status: "withdrawn"}, (
                Invitation.request == request_id) & Invitation.status.is_in(["pending", "awaiting_approval"]))
        emit(CancellationDecided(request_id, request.draw_number, approve, reason, tuple(sorted(withdrawn)), now))


# --- approving an out-of-pool expert (R-PANEL-3) --------------------------------------------------------
async def decide_out_of_pool(live: LiveGraph, request_id: int, expert_id: int, data: s.DecisionIn, today: date,
                             now: datetime) -> None:
    """The office approves an out-of-pool addition (the invitation goes out, with its notice) or refuses it.
    Approval checks again, under the lock, the registry, the workload caps and the conflicts of today."""
    reason = _reason(data.reason, "R-PANEL-3")
    await live.sync()
    async with unit_of_work(transaction_factory=exclusive):
        await live.sync()
        request = await get_or_404(PanelRequest, request_id, "panel request", "request_id")
        inv = await Invitation.objects().where((Invitation.request == request_id) & (
            Invitation.subject_kind == "expert") & (Invitation.subject_id == expert_id)).order_by(Invitation.id).first()
        named = next((o for o in request.out_of_pool if o["expert_id"] == expert_id), None)
        if inv is None or named is None:
            raise _out_of_order("没有待决定的库外专家", out_of_pool_decision_problem(None))
        if problem := out_of_pool_decision_problem(inv.status):
            raise _out_of_order("没有待决定的库外专家", problem)
        if request.status != "active":
            said = {"cancellation_requested": "已申请撤销", "cancelled": "已撤销"}.get(request.status, request.status)
            raise conflict("该抽取请求不在有效状态", "request_id", f"该抽取请求{said}", "R-PANEL-2")
        approve = bool(data.approve)
        if approve:
            await _still_allowed(live, request, OutOfPool(expert_id, named["reason"]), today)
        values: dict = {Invitation.status: "pending" if approve else "refused"}
        if approve:  # the answer period, and the 7 working days of study (R-PANEL-4), start when it goes out
            schedules = await load_schedules()
            deadline, _, cannot = replacement_deadline(request.deadline, today, deadline_fixed(), schedules)
            if deadline is None:
                raise conflict("无法保证 7 个工作日的研究时间", "expert_id", cannot, "R-PANEL-4")
            values[Invitation.answer_by] = add_working_days(today, request.answer_working_days, schedules).day
            values[Invitation.deadline] = deadline
        await update_protected(Invitation, values, Invitation.id == inv.id)
        if approve:
            emit(MembersInvited(request_id, (inv.id,), now))
        emit(OutOfPoolDecided(request_id, inv.id, expert_id, approve, reason, now))


async def _still_allowed(live: LiveGraph, request: PanelRequest, named: OutOfPool, today: date) -> None:
    """R-PANEL-3 at approval: not an eligible candidate of the draw, not excluded, not busy, no conflict."""
    eligible = {c.id for c in await frozen_candidates(request.id)}
    errors = ErrorCollector()
    problems = await _out_of_pool_standing([named], eligible, today)
    _, conflicts, _ = await run_check(live, request.item, Purpose(request.purpose), today,
                                      [("expert", named.expert_id)])
    blocked = {subject_id: (e["reasons"][0]["message"], e["reasons"][0]["rule_id"])
               for (kind, subject_id), e in conflict_exclusions(conflicts).items() if kind == "expert"}
    problems += out_of_pool_conflicts([named], blocked)
    _collect(errors, [FieldError("expert_id", p.reason, p.rule_id) for p in problems])
    errors.raise_if_any("库外专家未通过")
