"""An item's life and its post-decision evaluations (issue 14): use cases, no HTTP here. The rules are pure
(``decisions/domain/lifecycle.py``, ``decisions/domain/evaluation.py``); each step is one unit of work, judged
under the write lock so two steps at once cannot both pass from the same state."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Any

from core.errors import ErrorCollector, FieldError, OutOfOrder, not_found
from core.locks import exclusive
from core.records import get_or_404
from core.schemas import Page
from core.uow import emit, save_protected, unit_of_work
from decisions import schemas as s
from decisions.domain import evaluation as ev
from decisions.domain import lifecycle as lc
from decisions.events import EvaluationConcluded, EvaluationOpened, EvaluationPlanSet, ItemStateChanged
from decisions.tables import DecisionItem, EvaluationPlan, ItemEvaluation, ItemTransition
from registry.inputs import add_day_problems

# Whether an evaluation may be concluded without a report (assignment answers, handed down by the wiring: an
# evaluation done by a mixed group ends with the group's report, R-EVAL-1); the reason when it may not.
ReportRequired = Callable[[int], Awaitable[FieldError | None]]


def transition_out(row: dict) -> s.TransitionOut:
    return s.TransitionOut(row["id"], row["from_state"], row["to_state"], row["reason"], row["actor"], row["at"],
                           row["decided_on"], row["document_number"], row["execution_started_on"])


async def history(item_id: int) -> list[dict]:
    return await ItemTransition.select().where(ItemTransition.item == item_id).order_by(ItemTransition.id)


def standing_of(item: DecisionItem, steps: list[dict]) -> lc.Standing:
    return lc.Standing(lc.current_state([t["to_state"] for t in steps], item.decided_on), item.opened_on,
                       item.decided_on)


def execution_started(steps: list[dict]) -> date | None:
    started = [t["execution_started_on"] for t in steps if t["execution_started_on"] is not None]
    return started[-1] if started else None


def with_lifecycle(out: s.ItemOut, steps: list[dict], full: bool = True) -> s.ItemOut:
    """The item's answer with its state (and, for one item, its history)."""
    state = lc.current_state([t["to_state"] for t in steps], out.decided_on)
    out.state, out.state_label = state, lc.STATES[state]
    numbers = [t["document_number"] for t in steps if t["document_number"]]
    out.document_number = numbers[-1] if numbers else ""
    out.execution_started_on = execution_started(steps)
    out.allowed_next_steps = lc.allowed_next(state)
    if full:
        out.history = [transition_out(t) for t in steps]
    return out


async def item_with_lifecycle(out: s.ItemOut) -> s.ItemOut:
    return with_lifecycle(out, await history(out.id))


async def page_with_lifecycle(page: Page[s.ItemOut]) -> Page[s.ItemOut]:
    """A page of items with each one's state (one query for the page)."""
    ids = [i.id for i in page.items]
    steps: dict[int, list[dict]] = {i: [] for i in ids}
    if ids:
        for t in await ItemTransition.select().where(ItemTransition.item.is_in(ids)).order_by(ItemTransition.id):
            steps[t["item"]].append(t)
    for out in page.items:
        with_lifecycle(out, steps[out.id], full=False)
    return page


def _raise(problems: list[lc.Problem], detail: str, allowed: list[str]) -> None:
    if not problems:
        return
    conflicts = [p for p in problems if p.kind == "out_of_order"]
    if conflicts:
        p = conflicts[0]
        raise OutOfOrder(detail=p.reason, errors=[FieldError(p.field, p.reason, p.rule_id)],
                         extra={"allowed_next_steps": allowed})
    errors = ErrorCollector()
    for p in problems:
        errors.add(p.field, p.reason, p.rule_id)
    errors.raise_if_any(detail)


async def _record_step(item: DecisionItem, standing: lc.Standing, step: lc.Step, actor: str,
                       now: datetime) -> None:
    row = ItemTransition(item=item.id, from_state=standing.state, to_state=step.to, reason=step.reason.strip(),
                         actor=actor, at=now, decided_on=step.decided_on,
                         document_number=step.document_number.strip(),
                         execution_started_on=step.execution_started_on)
    await row.save()
    if step.to == lc.DECIDED and step.decided_on is not None and item.decided_on != step.decided_on:
        await DecisionItem.update({DecisionItem.decided_on: step.decided_on}).where(DecisionItem.id == item.id)
        item.decided_on = step.decided_on
    emit(ItemStateChanged(item.id, standing.state, step.to, row.reason, actor,
                          step.decided_on.isoformat() if step.decided_on else None, row.document_number,
                          step.execution_started_on.isoformat() if step.execution_started_on else None))


async def move_item(item_id: int, data: s.TransitionIn, actor: str, now: datetime) -> DecisionItem:
    """Take the item's next step (409 out of order, with the steps allowed; 422 for what the step lacks)."""
    errors = ErrorCollector()
    add_day_problems(data, errors)
    errors.raise_if_any("状态变更被拒绝")
    step = lc.Step(data.to, data.reason, data.decided_on, data.document_number, data.execution_started_on)
    async with unit_of_work(transaction_factory=exclusive):
        item = await get_or_404(DecisionItem, item_id, "decision item")
        standing = standing_of(item, await history(item_id))
        _raise(lc.judge_step(standing, step), "状态变更被拒绝", lc.allowed_next(standing.state))
        await _record_step(item, standing, step, actor, now)
    return item


async def decide_by_date(item: DecisionItem, decided_on: date, actor: str, now: datetime) -> None:
    """PATCH ``decided_on`` (the older way): when the item may be decided now (argued or assessed), the same step
    is recorded; otherwise only the date is kept, as before. Runs inside the caller's unit of work."""
    standing = standing_of(item, await history(item.id))
    if lc.DECIDED in lc.allowed_next(standing.state):
        step = lc.Step(lc.DECIDED, "登记决策日期（PATCH decided_on）", decided_on, "（未登记文号）")
        await _record_step(item, standing, step, actor, now)


def evaluation_out(row: dict) -> s.EvaluationOut:
    return s.EvaluationOut(row["id"], row["item"], row["trigger"], ev.TRIGGERS.get(row["trigger"], row["trigger"]),
                           row["evidence"], row["new_circumstance"], row["opened_on"], row["opened_by"],
                           row["concluded_on"], row["summary"], row["concluded_by"])


async def open_evaluation(item_id: int, data: s.EvaluationIn, actor: str, now: datetime,
                          today: date) -> s.EvaluationOut:
    """Open a post-decision evaluation (R-EVAL-2): the item goes under evaluation."""
    opening = ev.Opening(data.trigger, data.evidence, data.new_circumstance)
    async with unit_of_work(transaction_factory=exclusive):
        item = await get_or_404(DecisionItem, item_id, "decision item")
        steps = await history(item_id)
        standing = standing_of(item, steps)
        previous = [r["opened_on"] for r in await ItemEvaluation.select(ItemEvaluation.opened_on).where(
            ItemEvaluation.item == item_id)]
        _raise(ev.judge_opening(standing.state, opening, today, execution_started(steps), previous),
               "决策后评估启动被拒绝", lc.allowed_next(standing.state))
        row = ItemEvaluation(item=item_id, trigger=data.trigger, evidence=data.evidence.strip(),
                             new_circumstance=data.new_circumstance.strip(), opened_on=today, opened_by=actor,
                             opened_at=now)
        await row.save()
        reason = f"启动决策后评估：{ev.TRIGGERS[data.trigger]}"
        await _record_step(item, standing, lc.Step(lc.UNDER_EVALUATION, reason), actor, now)
        emit(EvaluationOpened(item_id, row.id, row.trigger, row.evidence, row.new_circumstance))
    return evaluation_out(row.to_dict())


async def list_evaluations(item_id: int, offset: int, limit: int) -> Page[s.EvaluationOut]:
    await get_or_404(DecisionItem, item_id, "decision item")
    where = ItemEvaluation.item == item_id
    rows = await ItemEvaluation.select().where(where).order_by(ItemEvaluation.id).offset(offset).limit(limit)
    return Page([evaluation_out(r) for r in rows], await ItemEvaluation.count().where(where), offset, limit)


async def conclude_evaluation(item_id: int, evaluation_id: int, data: s.ConclusionIn, actor: str, now: datetime,
                              today: date, report_required: ReportRequired | None = None) -> s.EvaluationOut:
    """Close the evaluation with its conclusion: the item is evaluated. An evaluation whose mixed group was
    composed is concluded only with its report (409, R-EVAL-1, when ``report_required`` says it is missing)."""
    async with unit_of_work(transaction_factory=exclusive):
        item = await get_or_404(DecisionItem, item_id, "decision item")
        row = await ItemEvaluation.objects().where((ItemEvaluation.id == evaluation_id)
                                                   & (ItemEvaluation.item == item_id)).first()
        if row is None:
            raise not_found("决策后评估", evaluation_id, "evaluation_id")
        standing = standing_of(item, await history(item_id))
        if row.concluded_on is not None:
            raise OutOfOrder(detail="该评估已经结束", errors=[FieldError("evaluation_id", f"评估已于 {row.concluded_on}"
                                                                           "作出结论", "R-EVAL-2")],
                             extra={"allowed_next_steps": lc.allowed_next(standing.state)})
        if report_required is not None and (missing := await report_required(evaluation_id)) is not None:
            raise OutOfOrder(detail=missing.reason, errors=[missing],
                             extra={"allowed_next_steps": lc.allowed_next(standing.state)})
        if not data.summary.strip():
            errors = ErrorCollector()
            errors.add("summary", "请填写评估结论")
            errors.raise_if_any("评估结论被拒绝")
        step = lc.Step(lc.EVALUATED, f"决策后评估结束：{data.summary.strip()[:200]}")
        _raise(lc.judge_step(standing, step, via_evaluation=True), "评估结论被拒绝", lc.allowed_next(standing.state))
        row.concluded_on, row.summary, row.concluded_by = today, data.summary.strip(), actor
        await row.save()
        await _record_step(item, standing, step, actor, now)
        emit(EvaluationConcluded(item_id, row.id, row.summary))
    return evaluation_out(row.to_dict())


# --- the yearly evaluation plan (R-EVAL-3) ----------------------------------------------------------------------
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100


def _check_year(year: int) -> None:
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        errors = ErrorCollector()
        errors.add("year", f"年份须在 {EARLIEST_YEAR} 至 {LATEST_YEAR} 之间")
        errors.raise_if_any("评估计划被拒绝")


async def _standings(item_ids: list[int] | None) -> dict[int, tuple[DecisionItem, list[dict]]]:
    """Items (those named, or every one) with their steps, by id."""
    query = DecisionItem.objects()
    if item_ids is not None:
        if not item_ids:
            return {}
        query = query.where(DecisionItem.id.is_in(item_ids))
    items: dict[int, tuple[DecisionItem, list[dict]]] = {
        row.id: (row, []) for row in await query.output(load_json=True)}
    steps = ItemTransition.select().order_by(ItemTransition.id)
    if item_ids is not None:
        steps = steps.where(ItemTransition.item.is_in(item_ids))
    for t in await steps:
        if t["item"] in items:
            items[t["item"]][1].append(t)
    return items


def _ids(value: Any) -> list[int]:
    """A JSON column's list, decoded when it was read raw."""
    return [int(i) for i in (json.loads(value) if isinstance(value, str) else value)]


def plan_out(row: EvaluationPlan) -> s.EvaluationPlanOut:
    return s.EvaluationPlanOut(row.year, _ids(row.item_ids), row.set_by, row.set_at, row.revision)


async def set_plan(year: int, data: s.EvaluationPlanIn, actor: str, now: datetime, today: date
                   ) -> s.EvaluationPlanOut:
    """Set (or replace) the year's plan: 1 to 3 decisions executed for over a year (422 citing R-EVAL-3)."""
    _check_year(year)
    async with unit_of_work(transaction_factory=exclusive):
        items = await _standings(list(data.item_ids))
        entries = []
        for item_id in data.item_ids:
            found = items.get(item_id)
            if found is None:
                entries.append(ev.PlanEntry(item_id, False))
                continue
            row, steps = found
            entries.append(ev.PlanEntry(item_id, True, standing_of(row, steps).state, execution_started(steps)))
        _raise(ev.judge_plan(year, entries, today), "年度评估计划被拒绝", [])
        plan = await EvaluationPlan.objects().where(EvaluationPlan.year == year).first().output(load_json=True)
        previous = _ids(plan.item_ids) if plan is not None else None
        if plan is None:
            plan = EvaluationPlan(year=year, item_ids=list(data.item_ids), set_by=actor, set_at=now, revision=1)
        else:
            plan.item_ids, plan.set_by, plan.set_at = list(data.item_ids), actor, now
            plan.revision += 1
        await save_protected(plan)
        emit(EvaluationPlanSet(year, list(data.item_ids), previous, plan.revision))
    return plan_out(plan)


async def show_plan(year: int) -> s.EvaluationPlanOut:
    _check_year(year)
    plan = await EvaluationPlan.objects().where(EvaluationPlan.year == year).first().output(load_json=True)
    if plan is None:
        raise not_found("年度评估计划", year, "year")
    return plan_out(plan)


async def plan_candidates(year: int, today: date, offset: int, limit: int) -> Page[s.PlanCandidateOut]:
    """Items to propose for the year's plan: in execution for over a year (by the plan year's start, or today),
    wide in scope or with evaluation triggers on file (R-EVAL-3)."""
    _check_year(year)
    by = ev.year_of_execution_by(year, today)
    triggers: dict[int, list[str]] = {}
    for r in await ItemEvaluation.select(ItemEvaluation.item, ItemEvaluation.trigger).order_by(ItemEvaluation.id):
        triggers.setdefault(r["item"], []).append(r["trigger"])
    found = []
    for item_id, (row, steps) in sorted((await _standings(None)).items()):
        started = execution_started(steps)
        kinds = triggers.get(item_id, [])
        reasons = ev.candidate_reasons(standing_of(row, steps).state, started, bool(row.wide_scope), kinds, by)
        if reasons and started is not None:
            found.append(s.PlanCandidateOut(item_id, row.title, started, bool(row.wide_scope),
                                            list(dict.fromkeys(kinds)), reasons))
    return Page(found[offset:offset + limit], len(found), offset, limit)
