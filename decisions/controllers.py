"""Decision item endpoints under /api/v1/items: register, read, list, change; the working-day calendars under
/api/v1/work-calendars (issue 13)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from litestar import Controller, Request, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from core.api import DEPS, Limit, Offset, unit_scope
from core.errors import forbidden
from core.records import get_or_404
from core.schemas import Page
from decisions import calendars, lifecycle, options
from decisions import filing as filings
from decisions import schemas as s
from decisions import services as svc
from decisions.tables import DecisionItem

SearchText = Annotated[str | None, QueryParameter(max_length=300)]  # bounded like a title (issue 12)


class ItemController(Controller):
    path = "/items"
    tags = ["decision items and conflicts"]
    dependencies = DEPS

    @post("/", summary="Register a decision item (重大行政决策事项)")
    async def create(self, data: JSONBody[s.ItemCreate], request: Request) -> s.ItemOut:
        unit = unit_scope(request)
        if unit is not None:  # a drafting unit registers items for itself
            if data.drafting_unit_id not in (None, unit):
                raise forbidden("只能为本单位登记事项", "drafting_unit_id", "决策承办单位只能登记本单位的决策事项")
            data.drafting_unit_id = unit
        return lifecycle.with_lifecycle(svc.item_out(await svc.create_item(data)), [])  # a new item: drafting

    @get("/", summary="Decision items (a drafting unit sees its own)")
    async def index(self, request: Request, offset: Offset = 0, limit: Limit = 50,
                    q: SearchText = None) -> Page[s.ItemOut]:
        return await lifecycle.page_with_lifecycle(await svc.list_items(q, offset, limit, unit_scope(request)))

    @get("/{item_id:int}", summary="A decision item, its state and the history of its steps (issue 14)")
    async def show(self, item_id: FromPath[int]) -> s.ItemOut:
        out = await lifecycle.item_with_lifecycle(svc.item_out(await get_or_404(DecisionItem, item_id,
                                                                                "decision item")))
        out.options = (await options.options_of(item_id)).options  # R-PANEL-6
        return out

    @patch("/{item_id:int}", summary="Mark the item decided, or change its gravity flags: a change needs a reason "
                                      "and is recorded; once a panel is drawn a flag may not be cleared (R-PANEL-1)")
    async def update(self, item_id: FromPath[int], data: JSONBody[s.ItemUpdate], request: Request,
                     drawn_panels: NamedDependency[svc.DrawnPanels], now: NamedDependency[datetime]) -> s.ItemOut:
        row, notes = await svc.update_item(item_id, data, drawn_panels, request.user.username, now)
        return await lifecycle.item_with_lifecycle(svc.item_out(row, notes))

    @post("/{item_id:int}/transitions", status_code=200,
          summary="Move the item to its next state (drafting → under_argument / under_risk_assessment → decided "
                  "→ in_execution); out of order: 409 with allowed_next_steps (issue 14)")
    async def transition(self, item_id: FromPath[int], data: JSONBody[s.TransitionIn], request: Request,
                         now: NamedDependency[datetime]) -> s.ItemOut:
        row = await lifecycle.move_item(item_id, data, request.user.username, now)
        return await lifecycle.item_with_lifecycle(svc.item_out(row))

    @post("/{item_id:int}/evaluations", summary="Open a post-decision evaluation of an item in execution on a "
                                                "trigger with its evidence; no repeat within 12 months without a "
                                                "new circumstance (R-EVAL-2)")
    async def open_evaluation(self, item_id: FromPath[int], data: JSONBody[s.EvaluationIn], request: Request,
                              now: NamedDependency[datetime], today: NamedDependency[date]) -> s.EvaluationOut:
        return await lifecycle.open_evaluation(item_id, data, request.user.username, now, today)

    @get("/{item_id:int}/evaluations", summary="The item's post-decision evaluations (R-EVAL-2)")
    async def evaluations(self, item_id: FromPath[int], offset: Offset = 0,
                          limit: Limit = 50) -> Page[s.EvaluationOut]:
        return await lifecycle.list_evaluations(item_id, offset, limit)

    @post("/{item_id:int}/evaluations/{evaluation_id:int}/conclusion", status_code=200,
          summary="Close the evaluation with its conclusion: the item is evaluated (R-EVAL-2)")
    async def conclude(self, item_id: FromPath[int], evaluation_id: FromPath[int], data: JSONBody[s.ConclusionIn],
                       request: Request, now: NamedDependency[datetime], today: NamedDependency[date],
                       evaluation_report_required: NamedDependency[lifecycle.ReportRequired]) -> s.EvaluationOut:
        return await lifecycle.conclude_evaluation(item_id, evaluation_id, data, request.user.username, now, today,
                                                   evaluation_report_required)  # a group's evaluation: R-EVAL-1


async def require_own_item(connection: Request, item_id: int, field: str = "item_id") -> None:
    """A unit acts only on its own decision items (checked on a request body)."""
    user = connection.user
    if user.role == "organiser" and getattr(user, "commission_item_id", None) != item_id:  # R-PANEL-8: its item only
        raise forbidden("不是受委托组织论证的事项", field, "受委托组织机构只能为委托的决策事项办理（R-PANEL-8）")
    unit = unit_scope(connection)
    if unit is not None and await svc.item_unit(item_id) != unit:
        raise forbidden("不是本单位的决策事项", field, "决策承办单位只能处理本单位的决策事项")


Year = FromPath[int]  # 2000-2100, checked by the service (422 naming ``year``)


class WorkCalendarController(Controller):
    """A year's working days: the official schedule the office entered from the State Council's notice, the
    holiday library's, or an estimate from the lunar calendar (provisional). Every deadline counts with it
    (R-PANEL-4 study time, R-REC-3 filing)."""

    path = "/work-calendars"
    tags = ["working-day calendars"]
    dependencies = DEPS

    @get("/", summary="The years whose official holiday schedule the office entered")
    async def index(self, offset: Offset = 0, limit: Limit = 50) -> Page[s.WorkCalendarOut]:
        return await calendars.list_calendars(offset, limit)

    @get("/{year:int}", summary="A year's holidays and working weekends, and where they come from "
                                "(entered / library / estimated)")
    async def show(self, year: Year) -> s.WorkCalendarOut:
        return await calendars.calendar_view(year)

    @put("/{year:int}", summary="Enter or correct a year's official schedule (放假安排、调休上班日) from the State "
                                "Council's notice; recorded, used by every working-day count from then on")
    async def enter(self, year: Year, data: JSONBody[s.WorkCalendarIn], request: Request,
                    now: NamedDependency[datetime]) -> s.WorkCalendarOut:
        return await calendars.enter_calendar(year, data, request.user.username, now)


class EvaluationPlanController(Controller):
    """The office's yearly plan of third-party post-decision evaluations (R-EVAL-3)."""

    path = "/evaluation-plans"
    tags = ["post-decision evaluation"]
    dependencies = DEPS

    @get("/{year:int}", summary="The year's plan of third-party evaluations (R-EVAL-3)")
    async def show(self, year: Year) -> s.EvaluationPlanOut:
        return await lifecycle.show_plan(year)

    @put("/{year:int}", summary="Set the year's plan: 1 to 3 decisions executed for over a year (R-EVAL-3)")
    async def set(self, year: Year, data: JSONBody[s.EvaluationPlanIn], request: Request,
                  now: NamedDependency[datetime], today: NamedDependency[date]) -> s.EvaluationPlanOut:
        return await lifecycle.set_plan(year, data, request.user.username, now, today)

    @get("/{year:int}/candidates", summary="Items to propose: in execution for over a year, wide in scope or with "
                                           "evaluation triggers on file (R-EVAL-3)")
    async def candidates(self, year: Year, today: NamedDependency[date], offset: Offset = 0,
                         limit: Limit = 50) -> Page[s.PlanCandidateOut]:
        return await lifecycle.plan_candidates(year, today, offset, limit)


class FilingController(Controller):
    """Filing the item's full record after the decision (R-REC-3, issue 14)."""

    path = "/items/{item_id:int}/filing"
    tags = ["full-process record"]
    dependencies = DEPS

    @post("/", status_code=200, summary="File the item's full record after the decision (R-REC-3): the server's "
                                        "time, who, and the filing package's SHA-256; twice or before the "
                                        "decision: 409 (with allowed_next_steps)")
    async def file(self, item_id: FromPath[int], request: Request,
                   filing_digest: NamedDependency[filings.PackageDigest], now: NamedDependency[datetime],
                   today: NamedDependency[date]) -> filings.FilingOut:
        return await filings.file_item(item_id, filing_digest, request.user.username, now, today)

    @get("/", summary="The item's filing status: due date (10 working days after the decision), filed on time / "
                      "filed late / due / overdue (R-REC-3)")
    async def show(self, item_id: FromPath[int], today: NamedDependency[date]) -> filings.FilingOut:
        return await filings.filing_view(item_id, today)


class FilingPackageController(Controller):
    path = "/items/{item_id:int}/filing-package"
    tags = ["full-process record"]
    dependencies = DEPS

    @get("/", summary="The item's filing package (R-REC-3): everything on its record, its events checked against "
                      "the chain (ok / broken), and its SHA-256 (what filing records)")
    async def show(self, item_id: FromPath[int], filing_package: NamedDependency[filings.FilingPackage],
                   today: NamedDependency[date]) -> dict:
        return await filing_package(item_id, today=today)


DueWithin = Annotated[int, QueryParameter(ge=0, le=filings.MAX_DUE_WITHIN)]


class FilingListController(Controller):
    """The office's lists of records to file (R-REC-3)."""

    path = "/filings"
    tags = ["full-process record"]
    dependencies = DEPS

    @get("/overdue", summary="Decided items whose record is not filed within 10 working days: the unit, the due "
                             "date and the working days overdue (R-REC-3)")
    async def overdue(self, today: NamedDependency[date], offset: Offset = 0,
                      limit: Limit = 50) -> Page[filings.FilingOut]:
        return await filings.overdue(today, offset, limit)

    @get("/due", summary="Unfiled items due within `days` working days (0: due today) (R-REC-3)")
    async def due(self, today: NamedDependency[date], days: DueWithin = 3, offset: Offset = 0,
                  limit: Limit = 50) -> Page[filings.FilingOut]:
        return await filings.due_within(today, days, offset, limit)


CONTROLLERS = [ItemController, WorkCalendarController, EvaluationPlanController, *options.CONTROLLERS]
CONTROLLERS += [FilingController, FilingPackageController, FilingListController]  # R-REC-3 (issue 14, helper P3)
