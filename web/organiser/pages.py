"""The organiser's home (R-PANEL-8): the commission it is bound to (in force or why not), the commission's decision
item, that item's panel requests with their members and what the argument still lacks, and the outside experts it
hired. Read-only: the same services as the API's reads (``show_commission``, ``list_requests``, ``argument``,
``list_hires``); the commission's own item only, as the API's rule for this role."""

from __future__ import annotations

from datetime import date

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.exceptions import PermissionDeniedException
from litestar.response import Template

from accounts.services import Principal
from assignment.procedure import commission, report
from assignment.services import views as panels
from conflicts.deps import LIVE
from conflicts.live import LiveGraph
from core.records import get_or_404
from decisions import lifecycle
from decisions import services as items
from decisions.tables import DecisionItem
from web.render import render
from web.session import PAGE_DEPENDENCIES, require

MAX_REQUESTS = 50  # an item has a handful of panel requests; the page shows at most this many

MODES = {"meeting": "论证会", "individual": "书面征询", "group": "论证小组"}
PURPOSES = {"argument": "专家论证", "post_evaluation": "决策后评估", "third_party_evaluation": "第三方评估"}


class OrganiserPages(Controller):
    path = "/organiser"
    include_in_schema = False
    guards = [require("organiser")]
    dependencies = {**PAGE_DEPENDENCIES, **LIVE}

    @get("/")
    async def home(self, request: Request, principal: NamedDependency[Principal], today: NamedDependency[date],
                   live: NamedDependency[LiveGraph]) -> Template:
        if principal.commission_id is None or principal.commission_item_id is None:
            raise PermissionDeniedException("此受托机构账号未绑定委托事项")
        bound = await commission.show_commission(principal.commission_id, today)
        row = await get_or_404(DecisionItem, principal.commission_item_id, "decision item", "item_id")
        item = await lifecycle.item_with_lifecycle(items.item_out(row))
        page = await panels.list_requests(live, row.id, 0, MAX_REQUESTS, today)
        arguments = {r.id: await report.argument(r.id) for r in page.items if r.subject_kind == "expert"}
        hires = await commission.list_hires(principal.commission_id, 0, 100)
        return render(request, "organiser/home.html", title="受托组织论证", commission=bound, item=item,
                      requests=page.items, more_requests=page.total > len(page.items), arguments=arguments,
                      hires=hires.items, modes=MODES, purposes=PURPOSES)
