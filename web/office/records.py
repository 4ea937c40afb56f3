"""Dismissals and discredit records (解聘 / 失信记录, R-POOL-5, R-POOL-7, R-POOL-8): the office's lists of them
with their reasons and rule ids, and the forms that file them through the same services as the API's
``POST /experts/{id}/dismissal``, ``POST /experts/{id}/discredit-records`` and
``POST /institutions/{id}/discredit-records``."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from core.errors import DomainError
from registry import schemas as s
from registry.domain.vocab import DiscreditKind, DismissalReason, DutyBreach
from registry.services import dismissals, institutions, office_views
from registry.tables import Expert, Institution
from web.forms import FormError, FormErrors, PageLimit, PageOffset, read_form, refusal, to_input
from web.render import render, see_other
from web.session import PAGE_DEPENDENCIES, require

RecordId = Annotated[int | None, QueryParameter(ge=1, le=2**31 - 1)]
SUBJECTS = {"expert": "专家", "institution": "第三方评估机构"}
DISCREDIT_RULES = {"expert": "R-POOL-7", "institution": "R-POOL-8"}  # the rule each kind of record files under


def _failure(exc: Exception) -> FormError:
    return exc if isinstance(exc, FormError) else refusal(exc)  # type: ignore[arg-type]


def _record_id(form: dict[str, Any], name: str) -> int:
    """The expert's or institution's number typed in the form (the path's id in the API)."""
    value = str(form.pop(name, "")).strip()
    if not value.isdigit() or not 0 < int(value) < 2**31:
        raise FormError(FormErrors(detail="请检查填写的内容：编号须为正整数",
                                   fields={name: ["须填写记录编号（正整数）"]}))
    return int(value)


async def expert_names(ids: list[int]) -> dict[int, str]:
    ids = sorted({i for i in ids if i is not None})
    rows = await Expert.select(Expert.id, Expert.name).where(Expert.id.is_in(ids)) if ids else []
    return {r["id"]: r["name"] for r in rows}


async def institution_names(ids: list[int]) -> dict[int, str]:
    ids = sorted({i for i in ids if i is not None})
    rows = await Institution.select(Institution.id, Institution.name).where(Institution.id.is_in(ids)) if ids else []
    return {r["id"]: r["name"] for r in rows}


class RecordsPages(Controller):
    path = "/office/records"
    include_in_schema = False
    guards = [require("office")]
    dependencies = PAGE_DEPENDENCIES

    async def _index(self, request: Request, today: date, status_code: int = 200, errors: FormErrors | None = None,
                     form: dict | None = None, failed: str = "", expert_id: int | None = None,
                     institution_id: int | None = None, subject: str | None = None, offset: int = 0,
                     limit: int = 50) -> Response:
        dismissed = await office_views.dismissals(expert_id, None, None, None, offset, limit)
        discredited = await office_views.discredit_records(subject, expert_id, institution_id, None, offset, limit)
        experts = await expert_names([d.expert_id for d in dismissed.items]
                                     + [r.expert_id for r in discredited.items if r.expert_id] + [expert_id or 0])
        bodies = await institution_names([r.institution_id for r in discredited.items if r.institution_id]
                                         + [institution_id or 0])
        prefill = {"expert_id": expert_id or "", "subject_kind": "institution" if institution_id else "expert",
                   "subject_id": institution_id or expert_id or "", "effective_on": today.isoformat(),
                   "recorded_on": today.isoformat()}
        return render(request, "office/records.html", status_code, title="解聘与失信记录", dismissals=dismissed,
                      discredits=discredited, experts=experts, institutions=bodies, subjects=SUBJECTS,
                      subject=subject or "", discredit_rules=DISCREDIT_RULES, reasons=list(DismissalReason),
                      breaches=list(DutyBreach), kinds=list(DiscreditKind), errors=errors or FormErrors(),
                      form={**prefill, **(form or {})}, failed=failed, expert_id=expert_id,
                      institution_id=institution_id)

    @get("/")
    async def index(self, request: Request, today: NamedDependency[date], expert_id: RecordId = None,
                    institution_id: RecordId = None, subject: Annotated[str | None, QueryParameter(max_length=20)]
                    = None, offset: PageOffset = 0, limit: PageLimit = 50) -> Response:
        return await self._index(request, today, expert_id=expert_id, institution_id=institution_id,
                                 subject=subject if subject in SUBJECTS else None, offset=offset, limit=limit)

    @post("/dismissal")
    async def dismiss(self, request: Request, now: NamedDependency[datetime], today: NamedDependency[date]) -> Response:
        form = await read_form(request)
        data = dict(form)
        try:
            expert_id = _record_id(data, "expert_id")
            await dismissals.dismiss(expert_id, to_input(s.DismissalIn, data), now)
        except (FormError, DomainError) as exc:
            failure = _failure(exc)
            return await self._index(request, today, failure.status, failure.errors, form, "dismissal")
        return see_other(f"/office/records?expert_id={expert_id}", "已解聘，聘期于生效日结束")

    @post("/discredit")
    async def discredit(self, request: Request, now: NamedDependency[datetime],
                        today: NamedDependency[date]) -> Response:
        form = await read_form(request)
        data = dict(form)
        kind = data.pop("subject_kind", "expert")
        try:
            if kind not in SUBJECTS:
                raise FormError(FormErrors(detail="请检查填写的内容", fields={"subject_kind": ["须为专家或机构"]}))
            subject_id = _record_id(data, "subject_id")
            body = to_input(s.DiscreditIn, data)
            if kind == "expert":
                await dismissals.record_expert_discredit(subject_id, body, now)
            else:
                await institutions.record_institution_discredit(subject_id, body)
        except (FormError, DomainError) as exc:
            failure = _failure(exc)
            return await self._index(request, today, failure.status, failure.errors, form, "discredit")
        where = "expert_id" if kind == "expert" else "institution_id"
        return see_other(f"/office/records?{where}={subject_id}", "失信记录已登记")
