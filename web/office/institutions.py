"""The evaluator pool (第三方评估机构库, R-POOL-8): institutions with search, pool membership and credit standing,
and one institution's page (details, whether it may be commissioned, pool history, discredit records, the people
employed there and its other relations). Reads through the services the API's ``/institutions``,
``/evaluator-pool``, ``/discredit-records`` and ``/relations`` call."""

from __future__ import annotations

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from conflicts.deps import LIVE
from conflicts.live import LiveGraph
from conflicts.services.relations import list_relations
from core.records import get_or_404
from registry.domain.vocab import CreditStatus, InstitutionKind
from registry.services import institutions, office_views, views
from registry.tables import Institution
from web.forms import PageLimit, PageOffset, Text
from web.office.records import institution_names
from web.render import render
from web.session import PAGE_DEPENDENCIES, require

POOL_FILTERS = {"in": "在评估机构库中", "out": "不在库中"}


class InstitutionPages(Controller):
    path = "/office/institutions"
    include_in_schema = False
    guards = [require("office")]
    dependencies = {**PAGE_DEPENDENCIES, **LIVE}

    @get("/")
    async def index(self, request: Request, q: Text = None, kind: Text = None, pool: Text = None,
                    offset: PageOffset = 0, limit: PageLimit = 20) -> Response:
        kind_value = kind if kind in {k.value for k in InstitutionKind} else None
        in_pool = {"in": True, "out": False}.get(pool or "")
        page = await views.list_institutions(q or None, kind_value, offset, limit, in_pool)
        filters = {"q": q or "", "kind": kind_value or "", "pool": pool if in_pool is not None else ""}
        query = "".join(f"{k}={v}&" for k, v in filters.items() if v)
        members = await views.pool_entry_page(None, True, 0, 1)
        return render(request, "office/institutions.html", title="第三方评估机构库", page=page, filters=filters,
                      query=query, kinds=list(InstitutionKind), pools=POOL_FILTERS, pool_size=members.total,
                      credit=list(CreditStatus))

    @get("/{institution_id:int}")
    async def show(self, request: Request, institution_id: FromPath[int],
                   live: NamedDependency[LiveGraph]) -> Response:
        body = await views.institution_view(await get_or_404(Institution, institution_id, "institution"))
        reasons = await institutions.institution_eligibility_of(institution_id)
        relations = (await list_relations(live, None, "institution", institution_id, 0, 200)).items
        employees = [r for r in relations if r.kind == "employed_by"]
        others = [r for r in relations if r.kind != "employed_by"]
        parents = await institution_names([body.parent_id] if body.parent_id else [])
        return render(request, "office/institution.html", title=body.name, body=body,
                      eligibility=views.reasons_out(reasons), history=await views.pool_entries(institution_id),
                      discredits=(await office_views.discredit_records(None, None, institution_id, None, 0,
                                                                       100)).items,
                      employees=employees, relations=others, parents=parents)
