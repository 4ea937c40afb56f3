"""The commissioned organiser's endpoints (issue 14, R-PANEL-8, R-COI-5): thin layers over
``assignment.procedure.commission``."""

from __future__ import annotations

from datetime import date, datetime

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from assignment.procedure.commission import (
    CommissionIn,
    CommissionOut,
    HireOut,
    MakeAccount,
    OrganiserAccountIn,
    OrganiserAccountOut,
    OutsideExpertIn,
    RevocationIn,
    SubcontractIn,
    create_commission,
    create_organiser_account,
    hire_outside_expert,
    list_commissions,
    list_hires,
    record_subcontract,
    revoke_commission,
    show_commission,
)
from conflicts.deps import LIVE
from conflicts.live import LiveGraph
from core.api import DEPS, Limit, Offset
from core.schemas import Page

# --- endpoints --------------------------------------------------------------------------------------------------
Live = NamedDependency[LiveGraph]


class ItemCommissionController(Controller):
    path = "/items"
    tags = ["argument"]
    dependencies = {**DEPS, **LIVE}

    @post("/{item_id:int}/commissions", summary="Commission an evaluator-pool institution to organise the item's "
                                                "argument (R-PANEL-8): scope, dates, consent to subcontract (R-COI-5)")
    async def create(self, item_id: FromPath[int], data: JSONBody[CommissionIn], request: Request, live: Live,
                     now: NamedDependency[datetime], today: NamedDependency[date]) -> CommissionOut:
        return await create_commission(live, item_id, data, request.user.username, now, today)

    @get("/{item_id:int}/commissions", summary="The item's commissions (R-PANEL-8), a page")
    async def index(self, item_id: FromPath[int], today: NamedDependency[date], offset: Offset = 0,
                    limit: Limit = 50) -> Page[CommissionOut]:
        return await list_commissions(item_id, today, offset, limit)


class CommissionController(Controller):
    path = "/commissions"
    tags = ["argument"]
    dependencies = {**DEPS, **LIVE}

    @get("/{commission_id:int}", summary="A commission, and whether it is in force (R-PANEL-8)")
    async def show(self, commission_id: FromPath[int], today: NamedDependency[date]) -> CommissionOut:
        return await show_commission(commission_id, today)

    @post("/{commission_id:int}/revocation", status_code=200,
          summary="The commissioning unit revokes the commission with a reason: the organiser can no longer act")
    async def revoke(self, commission_id: FromPath[int], data: JSONBody[RevocationIn], request: Request,
                     today: NamedDependency[date]) -> CommissionOut:
        return await revoke_commission(commission_id, data, request.user.username, today)

    @post("/{commission_id:int}/organiser-account",
          summary="Create the organiser's account, bound to the commission: it acts for that item only (R-PANEL-8)")
    async def organiser_account(self, commission_id: FromPath[int], data: JSONBody[OrganiserAccountIn],
                                organiser_account_maker: NamedDependency[MakeAccount], now: NamedDependency[datetime],
                                today: NamedDependency[date]) -> OrganiserAccountOut:
        return await create_organiser_account(commission_id, data, organiser_account_maker, now, today)

    @post("/{commission_id:int}/outside-experts",
          summary="The organiser hires an outside expert: the same registry and conflict checks as a drawn expert "
                  "(R-COI-5); refused: 422 with the rule ids and explained paths, kept on the record")
    async def hire(self, commission_id: FromPath[int], data: JSONBody[OutsideExpertIn], request: Request,
                   live: Live, now: NamedDependency[datetime], today: NamedDependency[date]) -> HireOut:
        return await hire_outside_expert(live, commission_id, data, request.user.username, now, today)

    @get("/{commission_id:int}/outside-experts", summary="The commission's hires, refused ones too (R-COI-5), a page")
    async def hires(self, commission_id: FromPath[int], offset: Offset = 0, limit: Limit = 50) -> Page[HireOut]:
        return await list_hires(commission_id, offset, limit)

    @post("/{commission_id:int}/subcontracts",
          summary="Record a subcontract: refused 422 citing R-COI-5 without the unit's consent; otherwise the "
                  "subcontractor passes the commissioned institution's checks")
    async def subcontract(self, commission_id: FromPath[int], data: JSONBody[SubcontractIn], request: Request,
                          live: Live, now: NamedDependency[datetime], today: NamedDependency[date]) -> HireOut:
        return await record_subcontract(live, commission_id, data, request.user.username, now, today)


CONTROLLERS = [ItemCommissionController, CommissionController]
