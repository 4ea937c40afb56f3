"""Conflict endpoints under /api/v1: items, relations, declarations, the name-match queue, checks,
dismissals of false positives, the policy and duplicate flags."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from litestar import Controller, Request, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from conflicts import schemas as s
from conflicts.deps import LIVE
from conflicts.live import LiveGraph
from conflicts.policy import EdgeKind, Purpose
from conflicts.services import (
    checks,
    duplicate_flags,
    matching,
    people,
    policy_versions,
    relations,
)
from conflicts.services.dismissals import (
    dismiss_conflict,
    list_dismissals,
    reverse_dismissal,
)
from conflicts.services.views import dismissal_out, relation_views, task_out
from core.api import DEPS, Limit, Offset
from core.errors import invalid
from core.schemas import Page

Live = NamedDependency[LiveGraph]  # the process's graph, synced once for the request (conflicts.deps)
NameFilter = Annotated[str | None, QueryParameter(max_length=64)]
AnyRequest = Request[Any, Any, Any]


def _login(request: AnyRequest) -> str:
    """Who acts: the login's account name (issue 13), never a name the body claims."""
    return request.user.username


def _unit_of(request: AnyRequest) -> int | None:
    """The drafting unit acting, when the login is a unit's."""
    return request.user.unit_id if request.user.role == "unit" else None


def _nodes(experts: list[int] | None, institutions: list[int] | None) -> list[tuple[str, int]] | None:
    if experts is None and institutions is None:
        return None
    return [("expert", i) for i in experts or []] + [("institution", i) for i in institutions or []]


class ItemConflictController(Controller):
    path = "/items"
    tags = ["decision items and conflicts"]
    dependencies = {**DEPS, **LIVE}

    @get("/{item_id:int}/conflicts",
         summary="Every conflicted expert or institution for a purpose, with rule id, sentence and shortest path "
                 "(R-COI-1..5, R-DUTY-2..3); limit to candidates with experts= and institutions= to re-check a panel")
    async def check(self, item_id: FromPath[int], today: NamedDependency[date], purpose: FromQuery[Purpose],
                    live: Live, on: FromQuery[date | None] = None, experts: FromQuery[list[int] | None] = None,
                    institutions: FromQuery[list[int] | None] = None) -> s.CheckOut:
        return await checks.check(live, item_id, purpose, on or today, _nodes(experts, institutions))

    @get("/{item_id:int}/conflicts/{subject_kind:str}/{subject_id:int}",
         summary="Check one candidate before inviting: clear, excluded or possible, and why")
    async def check_one(self, item_id: FromPath[int], subject_kind: FromPath[str], subject_id: FromPath[int],
                        purpose: FromQuery[Purpose], today: NamedDependency[date], live: Live,
                        on: FromQuery[date | None] = None) -> s.CandidateCheckOut:
        if subject_kind not in ("expert", "institution"):
            raise invalid("subject_kind", "须为 expert 或 institution")
        return await checks.check_candidate(live, item_id, subject_kind, subject_id, purpose, on or today)

    @post("/{item_id:int}/commission-checks",
          summary="R-COI-5: a commissioned institution, the outside experts it hires and its subcontractors")
    async def commission(self, item_id: FromPath[int], data: JSONBody[s.CommissionCheckIn],
                         today: NamedDependency[date], live: Live) -> s.CommissionCheckOut:
        return await checks.commission_check(live, item_id, data, today)

    @post("/{item_id:int}/conflict-dismissals",
          summary="The pool office dismisses a conflict as a false positive, with a reason (reversible)")
    async def dismiss(self, item_id: FromPath[int], data: JSONBody[s.DismissalIn], today: NamedDependency[date],
                      now: NamedDependency[datetime], live: Live, request: AnyRequest) -> s.DismissalOut:
        return dismissal_out(live, await dismiss_conflict(live, item_id, data, today, now, _login(request)))

    @get("/{item_id:int}/conflict-dismissals")
    async def dismissals(self, item_id: FromPath[int], live: Live, offset: Offset = 0,
                         limit: Limit = 50) -> Page[s.DismissalOut]:
        return await list_dismissals(live, item_id, offset, limit)


class DismissalController(Controller):
    path = "/conflict-dismissals"
    tags = ["decision items and conflicts"]
    dependencies = {**DEPS, **LIVE}

    @post("/{dismissal_id:int}/reversal", summary="Reverse a dismissal: the conflict excludes again")
    async def reverse(self, dismissal_id: FromPath[int], data: JSONBody[s.ReversalIn],
                      now: NamedDependency[datetime], live: Live, request: AnyRequest) -> s.DismissalOut:
        return dismissal_out(live, await reverse_dismissal(dismissal_id, data, now, _login(request)))


class RelationController(Controller):
    path = "/relations"
    tags = ["relations"]
    dependencies = {**DEPS, **LIVE}

    @post("/", summary="Enter a relation (office entry or import); a name as written is matched to an institution. "
                       "A drafting unit may enter interest_in relations to its own items only (403 otherwise); "
                       "the login is recorded as entered_by, and the unit as entered_by_unit")
    async def create(self, data: JSONBody[s.RelationIn], live: Live, request: AnyRequest) -> s.RelationOut:
        [row] = await relations.create_relations(live, [(data, (data.source.kind, data.source.id))], data.origin,
                                                 _login(request), unit_id=_unit_of(request))
        return (await relation_views(live, [row]))[0]

    @post("/import", summary="Import many relations at once: all are checked first, none is stored if any is bad")
    async def bulk(self, data: JSONBody[s.ImportIn], live: Live, request: AnyRequest) -> list[s.RelationOut]:
        rows = await relations.create_relations(live, [(r, (r.source.kind, r.source.id)) for r in data.relations],
                                                "import", _login(request), prefix="relations[{}].")
        return await relation_views(live, rows)

    @get("/", summary="Relations, filtered by kind, by a node at either end, by the drafting unit that entered them "
                      "(entered_by_unit=) or by origin (office, import, declaration, unit)")
    async def index(self, live: Live, offset: Offset = 0, limit: Limit = 50, kind: FromQuery[EdgeKind | None] = None,
                    node_kind: FromQuery[Literal["expert", "institution", "item", "person"] | None] = None,
                    node_id: FromQuery[int | None] = None, entered_by_unit: FromQuery[int | None] = None,
                    origin: FromQuery[Literal["office", "import", "declaration", "unit"] | None] = None,
                    ) -> Page[s.RelationOut]:
        return await relations.list_relations(live, kind.value if kind else None, node_kind, node_id, offset, limit,
                                              entered_by_unit, origin)

    @post("/{relation_id:int}/end", summary="The relation ended on a date; it still counts within the policy's window")
    async def end(self, relation_id: FromPath[int], data: JSONBody[s.RelationEndIn], live: Live) -> s.RelationOut:
        return (await relation_views(live, [await relations.end_relation(relation_id, data)]))[0]

    @post("/{relation_id:int}/withdrawal", summary="Withdraw a relation entered in error (kept for the record)")
    async def withdraw(self, relation_id: FromPath[int], data: JSONBody[s.WithdrawIn],
                       now: NamedDependency[datetime], live: Live, request: AnyRequest) -> s.RelationOut:
        row = await relations.withdraw_relation(relation_id, data, now, _login(request))
        return (await relation_views(live, [row]))[0]


class PeopleController(Controller):
    path = "/people"
    tags = ["relations"]
    dependencies = DEPS

    @post("/", summary="Someone who is not an expert (a spouse, a company's director), to hold relations; an ID "
                       "number is optional, stored encrypted and shown masked")
    async def create(self, data: JSONBody[s.PersonIn], now: NamedDependency[datetime],
                     request: AnyRequest) -> s.PersonOut:
        return await people.create_person(data, _login(request), now)

    @get("/", summary="People who are not experts; name= finds part of a name")
    async def index(self, offset: Offset = 0, limit: Limit = 50, name: NameFilter = None) -> Page[s.PersonOut]:
        return await people.list_people(offset, limit, name)


class DeclarationController(Controller):
    path = "/experts/{expert_id:int}/declarations"
    tags = ["relations"]
    dependencies = LIVE

    @post("/", summary="An expert declares an interest or relation (自我申报); it is an edge of the graph")
    async def declare(self, expert_id: FromPath[int], data: JSONBody[s.DeclarationIn], live: Live,
                      request: AnyRequest) -> s.RelationOut:
        return (await relation_views(live, [await relations.declare(live, expert_id, data, _login(request))]))[0]

    @get("/")
    async def index(self, expert_id: FromPath[int], live: Live, offset: Offset = 0,
                    limit: Limit = 50) -> Page[s.RelationOut]:
        return await relations.list_relations(live, None, "expert", expert_id, offset, limit, origin="declaration")


class NameMatchController(Controller):
    path = "/name-matches"
    tags = ["relations"]
    dependencies = DEPS

    @get("/", summary="Names the matcher was unsure of, waiting for a person to confirm")
    async def index(self, offset: Offset = 0, limit: Limit = 50,
                    status: FromQuery[Literal["open", "confirmed", "rejected"] | None] = None) -> Page[s.TaskOut]:
        return await matching.list_tasks(status, offset, limit)

    @post("/{task_id:int}/confirmation", summary="Link the name to this institution")
    async def confirm(self, task_id: FromPath[int], data: JSONBody[s.TaskConfirmIn],
                      now: NamedDependency[datetime], request: AnyRequest) -> s.TaskOut:
        return task_out(await matching.confirm_task(task_id, data, now, _login(request)))

    @post("/{task_id:int}/rejection", summary="None of the candidates is meant: keep the name unlinked")
    async def reject(self, task_id: FromPath[int], data: JSONBody[s.TaskRejectIn],
                     now: NamedDependency[datetime], request: AnyRequest) -> s.TaskOut:
        return task_out(await matching.reject_task(task_id, data, now, _login(request)))


class PolicyController(Controller):
    path = "/conflict-policy"
    tags = ["conflict policy"]
    dependencies = LIVE

    @get("/", summary="The policy in force: rules, path shapes, hops, windows, purposes")
    async def current(self) -> s.PolicyOut:
        return await policy_versions.current_policy()

    @put("/", summary="A new policy version (full rules, or a new hierarchy depth); bad policies get 422")
    async def change(self, data: JSONBody[s.PolicyIn], live: Live, request: AnyRequest) -> s.PolicyOut:
        return await policy_versions.change_policy(live, data, _login(request))

    @get("/versions")
    async def versions(self, offset: Offset = 0, limit: Limit = 50) -> Page[s.PolicyOut]:
        return await policy_versions.policy_versions(offset, limit)


class DuplicateController(Controller):
    path = "/possible-duplicates"
    tags = ["relations"]

    @get("/", summary="Experts or institutions that look like the same one entered twice")
    async def index(self, kind: FromQuery[Literal["expert", "institution"] | None] = None,
                    status: FromQuery[Literal["open", "distinct", "same"] | None] = None,
                    record_id: FromQuery[int | None] = None, offset: Offset = 0,
                    limit: Limit = 50) -> Page[s.DuplicateOut]:
        flags = await duplicate_flags.list_duplicates(kind, status, record_id)  # every matching flag
        return Page(flags[offset:offset + limit], len(flags), offset, limit)

    @post("/scan", summary="After an import: flag likely duplicates among all experts and institutions")
    async def scan(self) -> s.ScanOut:
        return await duplicate_flags.scan_duplicates()

    @post("/{flag_id:int}/decision", summary="Decide a flag: distinct records, or the same one")
    async def decide(self, flag_id: FromPath[int], data: JSONBody[s.DuplicateDecisionIn]) -> s.DuplicateOut:
        return await duplicate_flags.decide_duplicate(flag_id, data)


CONTROLLERS = [ItemConflictController, DismissalController, RelationController, DeclarationController,
               NameMatchController, PolicyController, DuplicateController, PeopleController]
