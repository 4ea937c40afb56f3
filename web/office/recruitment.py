"""The recruitment pipeline (公开遴选, R-POOL-2): calls → applications → qualification review → collective
discussion → appointment. Each application offers only the steps its state allows (the service's
``allowed_next_steps``); every step calls the same service function as the API."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from core.errors import DomainError, not_found
from core.records import get_or_404
from registry import schemas as s
from registry.domain.recruitment import Condition
from registry.domain.vocab import Gender, Sector
from registry.services import office_views, recruitment
from registry.services.specialties import all_specialties
from registry.tables import Application, RecruitmentCall
from web.forms import FormError, FormErrors, read_form, refusal, to_input
from web.render import render, see_other
from web.session import PAGE_DEPENDENCIES, require

STEPS = {"qualification-review": "资格审查", "collective-decision": "集体讨论", "appointment": "聘任",
         "withdrawal": "撤回报名"}
EXPERT_FIELDS = ("name", "gender", "id_number", "phone", "sector", "specialties", "email", "title", "region")


def _failure(exc: Exception) -> FormError:
    return exc if isinstance(exc, FormError) else refusal(exc)  # type: ignore[arg-type]


class RecruitmentPages(Controller):
    path = "/office/recruitment"
    include_in_schema = False
    guards = [require("office")]
    dependencies = PAGE_DEPENDENCIES

    async def _index(self, request: Request, status_code: int = 200, errors: FormErrors | None = None,
                     form: dict | None = None) -> Response:
        return render(request, "office/recruitment.html", status_code, title="公开遴选",
                      calls=(await office_views.calls(0, 200)).items, specialties=await all_specialties(),
                      errors=errors or FormErrors(), form=form or {})

    @get("/")
    async def index(self, request: Request) -> Response:
        return await self._index(request)

    @post("/calls")
    async def create_call(self, request: Request) -> Response:
        form = await read_form(request, lists=("specialty_codes",))
        try:
            call = await recruitment.create_call(to_input(s.CallCreate, form))
        except (FormError, DomainError) as exc:
            failure = _failure(exc)
            return await self._index(request, failure.status, failure.errors, form)
        return see_other(f"/office/recruitment/calls/{call.id}", "遴选公告已发布")

    async def _call(self, request: Request, call_id: int, status_code: int = 200, errors: FormErrors | None = None,
                    form: dict | None = None) -> Response:
        call = office_views.call_out(await get_or_404(RecruitmentCall, call_id, "recruitment call", "call_id"))
        applications = (await office_views.applications(call_id, None, None, 0, 500)).items
        return render(request, "office/call.html", status_code, title=call.title, call=call,
                      applications=applications, steps=STEPS, specialties=await all_specialties(),
                      genders=list(Gender), sectors=list(Sector), errors=errors or FormErrors(), form=form or {})

    @get("/calls/{call_id:int}")
    async def call(self, request: Request, call_id: FromPath[int]) -> Response:
        return await self._call(request, call_id)

    @post("/calls/{call_id:int}/applications")
    async def apply(self, request: Request, call_id: FromPath[int], today: NamedDependency[date]) -> Response:
        form = await read_form(request, lists=("specialties",))
        expert: dict[str, Any] = {k: form[k] for k in EXPERT_FIELDS if k in form}
        if form.get("employer_name"):
            expert["employments"] = [{"employer_name": form["employer_name"], "position": form.get("position", ""),
                                      "start": form.get("employment_start") or today.isoformat()}]
        try:
            data = to_input(s.ApplicationCreate, {"expert": expert})
            application = await recruitment.submit_application(call_id, data, today)
        except (FormError, DomainError) as exc:
            failure = _failure(exc)
            return await self._call(request, call_id, failure.status, failure.errors, form)
        return see_other(f"/office/recruitment/applications/{application.id}", "报名已登记")

    async def _application(self, request: Request, application_id: int, status_code: int = 200,
                           errors: FormErrors | None = None, form: dict | None = None) -> Response:
        view = office_views.application_out(await get_or_404(Application, application_id, "application"))
        call = office_views.call_out(await get_or_404(RecruitmentCall, view.call_id, "recruitment call", "call_id"))
        return render(request, "office/application.html", status_code, title=f"报名 #{view.id}", application=view,
                      call=call, steps=STEPS, conditions=list(Condition), errors=errors or FormErrors(),
                      form=form or {})

    @get("/applications/{application_id:int}")
    async def application(self, request: Request, application_id: FromPath[int]) -> Response:
        return await self._application(request, application_id)

    @post("/applications/{application_id:int}/{step:str}")
    async def step(self, request: Request, application_id: FromPath[int], step: FromPath[str]) -> Response:
        form = await read_form(request)
        try:
            if step == "qualification-review":
                findings = [{"condition": c.value, "met": form.get(f"met_{c.value}") == "on",
                             "note": form.get(f"note_{c.value}", "")} for c in Condition]
                await recruitment.review_qualification(application_id,
                                                       to_input(s.QualificationReviewIn, {"findings": findings}))
            elif step == "collective-decision":
                data = to_input(s.CollectiveDecisionIn, {**form, "approved": form.get("approved") == "yes"})
                await recruitment.decide_collectively(application_id, data)
            elif step == "appointment":
                await recruitment.appoint(application_id, to_input(s.AppointmentIn, form))
            elif step == "withdrawal":
                await recruitment.withdraw(application_id, to_input(s.WithdrawalIn, form))
            else:
                raise not_found("step", step, "step")
        except (FormError, DomainError) as exc:
            failure = _failure(exc)
            return await self._application(request, application_id, failure.status, failure.errors,
                                           {**form, "step": step})
        return see_other(f"/office/recruitment/applications/{application_id}", f"已完成：{STEPS[step]}")
