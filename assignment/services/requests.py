"""A panel request: checked (R-PANEL-1/2/3/4), then drawn and recorded with its invitations in one
exclusive unit of work. The selection itself is ``assignment.selection``."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterable
from datetime import date, datetime

from assignment import schemas as s
from assignment.domain.membership import choose_leader
from assignment.domain.requests import (
    OutOfPool,
    balance_constraints,
    deadline_problem,
    institution_request_problem,
    minimum_members,
    out_of_pool_conflicts,
    out_of_pool_problems,
    size_problem,
    study_deadline,
)
from assignment.events import MembersInvited, PanelDrawn
from assignment.selection.constraints import candidates_hash
from assignment.selection.plan import draw
from assignment.selection.planner import plan_panel
from assignment.services.candidates import conflict_exclusions, expert_candidates, institution_candidates
from assignment.tables import Invitation, Panel, PanelRequest
from conflicts.live import LiveGraph
from conflicts.services.checks import run_check
from core.errors import ErrorCollector, FieldError
from core.locks import exclusive
from core.records import get_or_404
from core.uow import emit, touch, unit_of_work
from decisions.domain.workdays import add_working_days
from decisions.services import gravity_of
from decisions.tables import DecisionItem
from registry.services.specialties import check_specialty_codes
from registry.tables import Expert, Institution


def _collect(errors: ErrorCollector, problems: Iterable[FieldError | None]) -> None:
    for p in problems:
        if p is not None:
            errors.add(p.field, p.reason, p.rule_id)


async def _validate_request(data: s.PanelRequestIn, item: DecisionItem, named: list[OutOfPool]) -> tuple[date, bool]:
    """Every problem of the request at once; the study deadline and whether it is provisional."""
    errors = ErrorCollector()
    _collect(errors, [size_problem(data.size, minimum_members(data.subject_kind, gravity_of(item))),
                      deadline_problem(data.handover_on, data.deadline)])
    await check_specialty_codes(list(data.balance.min_per_specialty), "balance.min_per_specialty", errors)
    quotas = bool(data.balance.min_per_specialty)
    _collect(errors, [institution_request_problem(data.subject_kind, bool(named), quotas)])
    table = Expert if data.subject_kind == "expert" else Institution
    if data.balance.dissenting_ids:
        known = {r["id"] for r in await table.select(table.id).where(table.id.is_in(data.balance.dissenting_ids))}
        for n, i in enumerate(data.balance.dissenting_ids):
            if i not in known:
                errors.add(f"balance.dissenting_ids[{n}]", f"no {data.subject_kind} with id {i}")
    if named:
        ids = [o.expert_id for o in named]
        _collect(errors, out_of_pool_problems(named, {r["id"] for r in await Expert.select(Expert.id).where(
            Expert.id.is_in(ids))}))
    errors.raise_if_any("panel request refused")
    return study_deadline(data.handover_on, data.deadline)


async def create_request(live: LiveGraph, data: s.PanelRequestIn, today: date, now: datetime) -> PanelRequest:
    """Check, draw and store under the selection lock, so concurrent requests see each other's
    invitations when they count workloads; the notices are queued in the same transaction."""
    async with unit_of_work(transaction_factory=exclusive):
        await live.sync()  # what changed while this request waited for the lock
        return await _draw_and_store(live, data, today, now)


async def _draw_and_store(live: LiveGraph, data: s.PanelRequestIn, today: date, now: datetime) -> PanelRequest:
    item = await get_or_404(DecisionItem, data.item_id, "decision item", "item_id")
    named = [OutOfPool(o.expert_id, o.reason) for o in data.out_of_pool]
    deadline, provisional = await _validate_request(data, item, named)
    if data.subject_kind == "expert":
        candidates, exclusions, excluded, version = await expert_candidates(
            live, item.id, data.purpose, today, list(data.balance.min_per_specialty))
    else:
        candidates, exclusions, excluded, version = await institution_candidates(live, item.id, data.purpose, today)
    if named:  # R-PANEL-3: the same conflict check as everyone else
        _, conflicts, _ = await run_check(live, item.id, data.purpose, today, [("expert", o.expert_id) for o in named])
        blocked = {subject_id: (e["reasons"][0]["message"], e["reasons"][0]["rule_id"])
                   for (kind, subject_id), e in conflict_exclusions(conflicts).items() if kind == "expert"}
        errors = ErrorCollector()
        _collect(errors, out_of_pool_conflicts(named, blocked))
        errors.raise_if_any("out-of-pool expert refused")
        extra = {o.expert_id for o in named}
        candidates = [c for c in candidates if c.id not in extra]
    b = data.balance
    constraints = balance_constraints(data.subject_kind, data.size, b.min_per_specialty, b.max_per_employer,
                                      b.max_per_sector, b.max_per_region, b.dissenting_ids)
    plan = await asyncio.to_thread(plan_panel, candidates, constraints, excluded)
    seed = data.seed if data.seed is not None else secrets.randbits(63)
    members = draw(plan, {c.id: c for c in candidates}, constraints, seed)
    everyone = members + [o.expert_id for o in named]
    leader = choose_leader(data.mode, everyone, seed)
    request = PanelRequest(
        item=item.id, subject_kind=data.subject_kind, purpose=data.purpose.value, mode=data.mode, size=data.size,
        handover_on=data.handover_on, deadline=deadline, deadline_provisional=provisional,
        answer_working_days=data.answer_working_days, constraints=constraints.as_dict(),
        out_of_pool=[{"expert_id": o.expert_id, "reason": o.reason} for o in named], requested_by=data.requested_by)
    await request.save()
    panel = Panel(
        panel_request=request.id, seed=str(seed), candidates=[c.as_dict() for c in candidates],
        candidates_hash=candidates_hash(candidates, constraints), constraints=constraints.as_dict(),
        plan=plan.to_dict(), probabilities={str(k): v for k, v in plan.probabilities().items()},
        exclusions=exclusions, members=members, out_of_pool=request.out_of_pool, leader=leader,
        policy_version=version, deadline=deadline, min_probability=plan.min_probability,
        upper_bound=plan.upper_bound, notes=plan.notes, created_at=now)
    await panel.save()
    answer_by = add_working_days(today, data.answer_working_days).day
    invitations = [Invitation(request=request.id, panel=panel.id, subject_kind=data.subject_kind, subject_id=i,
                              leader=i == leader, answer_by=answer_by, created_at=now) for i in everyone]
    await Invitation.insert(*invitations)
    emit(MembersInvited(request.id, tuple(inv.id for inv in invitations), now))
    emit(PanelDrawn(request.id, panel.id, len(everyone), str(seed), now, panel.candidates_hash, tuple(everyone)))
    for table, row_id in ((PanelRequest, request.id), (Panel, panel.id), *((Invitation, inv.id) for inv in invitations)):
        touch(table, row_id)  # protected rows: the record carries their digests (R-REC-2)
    return request
