"""The drafting unit's pages (决策承办单位): its items, an item's conflict check, the panel request form with a live
preview of who is eligible, the drawn panel with its chances, invitations, replacements and the study deadline on
a small calendar, and the ratings afterwards.

Every page calls the same service functions as the API (``decisions.services``, ``conflicts.services.checks``,
``assignment.services``); a unit sees only its own items (``accounts.access.owns``: 403 otherwise, as the API)."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.exceptions import PermissionDeniedException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from accounts.access import owns
from accounts.services import Principal
from assignment import schemas as asg
from assignment.procedure import evaluation_group
from assignment.services import invitations, requests, views
from assignment.services.candidates import expert_candidates
from conflicts.deps import LIVE
from conflicts.live import LiveGraph
from conflicts.policy import Purpose
from conflicts.services import checks
from core.errors import DomainError
from core.records import get_or_404
from decisions import lifecycle
from decisions import schemas as ds
from decisions import services as items
from decisions.tables import DecisionItem
from notifications.notices import MODES, PURPOSES
from registry.services.specialties import all_specialties
from registry.tables import PerformanceRating
from web.forms import FormError, FormErrors, read_form, refusal, to_input
from web.render import render, see_other
from web.session import PAGE_DEPENDENCIES, require
from web.unit import procedure
from web.unit.calendar import WEEKDAYS, study_calendar

Live = NamedDependency[LiveGraph]
Me = NamedDependency[Principal]
Today = NamedDependency[date]
Now = NamedDependency[datetime]
FLAGS = {"wide_scope": "涉及面广", "controversial": "争议较大", "complex": "专业性强、情况复杂", "sensitive": "敏感"}
STAGES = {"registry": "不在库或不合格", "conflicts": "利益冲突回避", "workload": "任务已满"}
SCORES = {"participation": "参与程度", "reliability": "意见质量与可靠性", "implementation_effect": "实施效果（可后补）"}


async def own_item(me: Principal, item_id: int) -> DecisionItem:
    """The unit's own item, or 403 (another unit's, or none: the API answers the same)."""
    if not await owns(me, {"item_id": item_id}):
        raise PermissionDeniedException("决策承办单位账号只能查看本单位的决策事项")
    return await get_or_404(DecisionItem, item_id, "decision item", "item_id")


async def own_request(me: Principal, request_id: int) -> None:
    if not await owns(me, {"request_id": request_id}):
        raise PermissionDeniedException("决策承办单位账号只能查看本单位的抽取申请")


async def _sub_pools() -> list[dict[str, str]]:
    """The top-level specialties (专业分库) with their names, for the forms."""
    return [{"code": s.code, "name": s.name} for s in await all_specialties() if not s.parent_code]


def _purpose(value: str | None) -> Purpose:
    try:
        return Purpose(value or "argument")
    except ValueError:
        return Purpose.ARGUMENT


def chain(conflict: Any) -> list[dict[str, Any]]:
    """A conflict's path as a chain from the candidate: name —relation→ name … (←relation— where the stored
    relation points the other way), each link marked when it is not confirmed (a possible conflict)."""
    here = (conflict.subject.kind, conflict.subject.id)
    steps: list[dict[str, Any]] = [{"name": conflict.subject.name}]
    for hop in conflict.path:
        forward = (hop.source.kind, hop.source.id) == here
        after = hop.target if forward else hop.source
        steps.append({"relation": hop.label, "forward": forward, "confirmed": hop.confirmed, "name": after.name})
        here = (after.kind, after.id)
    return steps


def request_body(item_id: int, form: dict[str, Any], codes: list[str]) -> dict[str, Any]:
    """The API's PanelRequestIn body from the form (the same struct, the same bounds)."""
    balance: dict[str, Any] = {"min_per_specialty": {c: form[f"min_{c}"] for c in codes if form.get(f"min_{c}")}}
    for name in ("max_per_employer", "max_per_sector"):
        if form.get(name):
            balance[name] = form[name]
    body = {k: form[k] for k in ("purpose", "mode", "size", "handover_on", "deadline", "answer_working_days", "note",
                                 "reverse_argument", "subject_kind") if form.get(k)}
    return {"item_id": item_id, **body, "balance": balance}


async def item_page(request: Request, item_id: int, principal: Principal, today: date, live: LiveGraph,
                    purpose: str | None = None, sections: dict[str, FormErrors] | None = None,
                    forms: dict[str, dict] | None = None, status_code: int = 200) -> Template:
    """The item: its conflict check, its panel requests, and its later steps (``web.unit.procedure``)."""
    row = await own_item(principal, item_id)
    chosen = _purpose(purpose)
    check = await checks.check(live, item_id, chosen, today)
    shown = [c for c in check.conflicts if c.status in ("excluded", "possible")]
    item = await lifecycle.item_with_lifecycle(items.item_out(row))
    return render(request, "unit/item.html", status_code=status_code, title=row.title, item=item, check=check,
                  conflicts=[{"c": c, "chain": chain(c)} for c in shown], purpose=chosen.value,
                  purposes=PURPOSES, modes=MODES, flags=FLAGS, sections=sections or {}, forms=forms or {},
                  requests=(await views.list_requests(live, item_id, 0, 50, today, principal.unit_id)).items,
                  today=today, **await procedure.item_context(item_id, item.state, today))


async def panel_page(request: Request, request_id: int, today: date, live: LiveGraph,
                     errors: dict[int, FormErrors] | None = None, sections: dict[str, FormErrors] | None = None,
                     forms: dict[str, dict] | None = None, status_code: int = 200) -> Template:
    """The drawn panel, its deadline, the argument's steps (``web.unit.procedure``) and the ratings; ``errors``
    per invitation (ratings), ``sections`` per step (materials, minutes, report, adoption), ``forms`` what was
    typed into a refused step's form."""
    view = await views.request_view(live, request_id, today)
    item = await get_or_404(DecisionItem, view.item_id, "decision item", "item_id")
    names = {i.id: i.subject.name for i in view.invitations}
    chances = {m.subject.id: m.probability for m in view.panel.members}
    rated = {r["invitation"] for r in await PerformanceRating.select(PerformanceRating.invitation).where(
        PerformanceRating.invitation.is_in([i.id for i in view.invitations] or [-1]))}
    steps = await procedure.procedure_context(request_id, request.user, today)
    return render(request, "unit/request.html", status_code=status_code, title=f"论证组：{item.title}",
                  view=view, item=item, names=names, chances=chances, rated=rated, errors=errors or {},
                  sections=sections or {}, forms=forms or {}, scores=SCORES, purposes=PURPOSES, modes=MODES,
                  weekdays=WEEKDAYS,
                  today=today, months=await study_calendar(view.handover_on, view.latest_deadline or view.deadline),
                  **steps)


class UnitPages(Controller):
    path = "/unit"
    guards = [require("unit")]
    dependencies = {**PAGE_DEPENDENCIES, **LIVE}
    include_in_schema = False

    @get("/")
    async def home(self, request: Request, principal: Me, q: FromQuery[str | None] = None,
                   offset: FromQuery[int] = 0) -> Template:
        page = await lifecycle.page_with_lifecycle(
            await items.list_items((q or "")[:300] or None, max(offset, 0), 50, principal.unit_id))
        return render(request, "unit/items.html", title="本单位的决策事项", page=page, q=q or "",
                      sub_pools=await _sub_pools(), flags=FLAGS, form={}, errors=FormErrors(),
                      evaluated=await evaluation_group.evaluated_by(principal.unit_id or 0))

    @post("/items")
    async def create_item(self, request: Request, principal: Me) -> Template | Redirect:
        form = await read_form(request, lists=("specialty_codes",))
        ticked = {name: True for name in FLAGS if form.get(name)}  # a ticked box (web.forms misses Annotated[bool])
        try:
            data = to_input(ds.ItemCreate, {**form, **ticked}, drafting_unit_id=principal.unit_id)
            try:
                row = await items.create_item(data)
            except DomainError as exc:
                raise refusal(exc) from exc
        except FormError as exc:
            page = await lifecycle.page_with_lifecycle(await items.list_items(None, 0, 50, principal.unit_id))
            return render(request, "unit/items.html", status_code=exc.status, title="本单位的决策事项", page=page,
                          q="", sub_pools=await _sub_pools(), flags=FLAGS, form=form, errors=exc.errors)
        return see_other(f"/unit/items/{row.id}", "决策事项已登记")

    @get("/items/{item_id:int}")
    async def item(self, request: Request, item_id: FromPath[int], principal: Me, today: Today, live: Live,
                   purpose: FromQuery[str | None] = None) -> Template:
        return await item_page(request, item_id, principal, today, live, purpose)

    async def _form_context(self, row: DecisionItem, today: date) -> dict[str, Any]:
        return {"title": f"申请抽取：{row.title}", "item": items.item_out(row), "sub_pools": await _sub_pools(),
                "purposes": PURPOSES, "modes": MODES, "today": today}

    @get("/items/{item_id:int}/panel-request")
    async def request_form(self, request: Request, item_id: FromPath[int], principal: Me, today: Today) -> Template:
        row = await own_item(principal, item_id)
        form = {"purpose": "argument", "mode": "meeting", "size": str(items.item_minimum_panel(row)),
                "handover_on": today.isoformat(), "answer_working_days": "3", "max_per_employer": "1"}
        return render(request, "unit/request_form.html", form=form, errors=FormErrors(),
                      **await self._form_context(row, today))

    @get("/items/{item_id:int}/feasibility")
    async def feasibility(self, request: Request, item_id: FromPath[int], principal: Me, today: Today,
                          live: Live) -> Template:
        """The live preview (htmx): who is eligible now for this item and purpose, per sub-pool asked for, from
        the same candidate list the draw starts from (``assignment.services.candidates``)."""
        await own_item(principal, item_id)
        params = request.query_params
        pools = await _sub_pools()
        wanted = {p["code"]: params.get(f"min_{p['code']}", "") for p in pools}
        codes = [code for code, n in wanted.items() if n.strip().isdigit() and int(n) > 0]
        size = params.get("size", "")
        candidates, _, excluded, _ = await expert_candidates(live, item_id, _purpose(params.get("purpose")), today,
                                                             codes)
        per_code = Counter(code for c in candidates for code in c.specialties)
        names = {p["code"]: p["name"] for p in pools}
        rows = [{"code": code, "name": names[code], "wanted": int(wanted[code]), "eligible": per_code[code]}
                for code in codes]
        return render(request, "unit/feasibility.html", rows=rows, eligible=len(candidates),
                      size=int(size) if size.isdigit() else None,
                      excluded=[(STAGES[k], v) for k, v in excluded.items() if k in STAGES and v])

    @post("/items/{item_id:int}/panel-request")
    async def create_request(self, request: Request, item_id: FromPath[int], principal: Me, today: Today,
                             now: Now, live: Live) -> Template | Redirect:
        row = await own_item(principal, item_id)
        form = await read_form(request)
        codes = [p["code"] for p in await _sub_pools()]
        try:
            data = to_input(asg.PanelRequestIn, request_body(item_id, form, codes))
            try:
                created = await requests.create_request(live, data, today, now,
                                                        f"{principal.username}（承办单位 {principal.unit_id}）")
            except DomainError as exc:
                raise refusal(exc) from exc
        except FormError as exc:
            return render(request, "unit/request_form.html", status_code=exc.status, form=form, errors=exc.errors,
                          **await self._form_context(row, today))
        return see_other(f"/unit/requests/{created.id}", "已完成抽取，邀请已发出")

    @get("/requests/{request_id:int}")
    async def panel(self, request: Request, request_id: FromPath[int], principal: Me, today: Today,
                    live: Live) -> Template:
        await own_request(principal, request_id)
        return await panel_page(request, request_id, today, live)

    @post("/requests/{request_id:int}/invitations/{invitation_id:int}/rating")
    async def rate(self, request: Request, request_id: FromPath[int], invitation_id: FromPath[int], principal: Me,
                   today: Today, live: Live) -> Template | Redirect:
        await own_request(principal, request_id)
        form = await read_form(request)
        try:
            data = to_input(asg.InvitationRatingIn, form)
            try:
                await invitations.rate(invitation_id, data, principal.unit_id, today)
            except DomainError as exc:
                raise refusal(exc) from exc
        except FormError as exc:
            return await panel_page(request, request_id, today, live, {invitation_id: exc.errors},
                                    status_code=exc.status)
        return see_other(f"/unit/requests/{request_id}#invitation-{invitation_id}", "评价已保存")


PAGES = [UnitPages]
