"""Conflict endpoints under /api/v1: items, relations, declarations, the name-match queue, checks,
dismissals of false positives, the policy and duplicate flags."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from litestar import Controller, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from conflicts import schemas as s
from conflicts import services as svc
from conflicts.policy import EdgeKind, Purpose
from core.api import DEPS, Limit, Offset
from core.errors import invalid





def _nodes(experts: list[int] | None, institutions: list[int] | None) -> list[tuple[str, int]] | None:
    if experts is None and institutions is None:
        return None
    return [("expert", i) for i in experts or []] + [("institution", i) for i in institutions or []]


class ItemConflictController(Controller):
    path = "/items"
    tags = ["decision items and conflicts"]
    dependencies = DEPS

    @get("/{item_id:int}/conflicts",
         summary="Every conflicted expert or institution for a purpose, with rule id, sentence and shortest path "
                 "(R-COI-1..5, R-DUTY-2..3); limit to candidates with experts= and institutions= to re-check a panel")
    async def check(self, item_id: FromPath[int], today: NamedDependency[date], purpose: FromQuery[Purpose],
                    on: FromQuery[date | None] = None, experts: FromQuery[list[int] | None] = None,
                    institutions: FromQuery[list[int] | None] = None) -> s.CheckOut:
        return await svc.check(item_id, purpose, on or today, _nodes(experts, institutions))

    @get("/{item_id:int}/conflicts/{subject_kind:str}/{subject_id:int}",
         summary="Check one candidate before inviting: clear, excluded or possible, and why")
    async def check_one(self, item_id: FromPath[int], subject_kind: FromPath[str], subject_id: FromPath[int],
                        purpose: FromQuery[Purpose], today: NamedDependency[date],
                        on: FromQuery[date | None] = None) -> s.CandidateCheckOut:
        if subject_kind not in ("expert", "institution"):
            raise invalid("subject_kind", "expert or institution")
        return await svc.check_candidate(item_id, subject_kind, subject_id, purpose, on or today)

    @post("/{item_id:int}/commission-checks",
          summary="R-COI-5: a commissioned institution, the outside experts it hires and its subcontractors")
    async def commission(self, item_id: FromPath[int], data: JSONBody[s.CommissionCheckIn],
                         today: NamedDependency[date]) -> s.CommissionCheckOut:
        return await svc.commission_check(item_id, data, today)

    @post("/{item_id:int}/conflict-dismissals",
          summary="The pool office dismisses a conflict as a false positive, with a reason (reversible)")
    async def dismiss(self, item_id: FromPath[int], data: JSONBody[s.DismissalIn], today: NamedDependency[date],
                      now: NamedDependency[datetime]) -> s.DismissalOut:
        row = await svc.dismiss_conflict(item_id, data, today, now)
        return svc.dismissal_out(svc.live_graph(), row)

    @get("/{item_id:int}/conflict-dismissals")
    async def dismissals(self, item_id: FromPath[int]) -> list[s.DismissalOut]:
        return await svc.list_dismissals(item_id)


class DismissalController(Controller):
    path = "/conflict-dismissals"
    tags = ["decision items and conflicts"]
    dependencies = DEPS

    @post("/{dismissal_id:int}/reversal", summary="Reverse a dismissal: the conflict excludes again")
    async def reverse(self, dismissal_id: FromPath[int], data: JSONBody[s.ReversalIn],
                      now: NamedDependency[datetime]) -> s.DismissalOut:
        return svc.dismissal_out(svc.live_graph(), await svc.reverse_dismissal(dismissal_id, data, now))


class RelationController(Controller):
    path = "/relations"
    tags = ["relations"]
    dependencies = DEPS

    @post("/", summary="Enter a relation (office entry or import); a name as written is matched to an institution")
    async def create(self, data: JSONBody[s.RelationIn]) -> s.RelationOut:
        [row] = await svc.create_relations([(data, (data.source.kind, data.source.id))], data.origin, data.entered_by)
        return (await svc.relation_views([row]))[0]

    @post("/import", summary="Import many relations at once: all are checked first, none is stored if any is bad")
    async def bulk(self, data: JSONBody[s.ImportIn]) -> list[s.RelationOut]:
        rows = await svc.create_relations([(r, (r.source.kind, r.source.id)) for r in data.relations], "import",
                                          data.relations[0].entered_by, prefix="relations[{}].")
        return await svc.relation_views(rows)

    @get("/")
    async def index(self, offset: Offset = 0, limit: Limit = 50, kind: FromQuery[EdgeKind | None] = None,
                    node_kind: FromQuery[Literal["expert", "institution", "item"] | None] = None,
                    node_id: FromQuery[int | None] = None) -> list[s.RelationOut]:
        return await svc.list_relations(kind.value if kind else None, node_kind, node_id, offset, limit)

    @post("/{relation_id:int}/end", summary="The relation ended on a date; it still counts within the policy's window")
    async def end(self, relation_id: FromPath[int], data: JSONBody[s.RelationEndIn]) -> s.RelationOut:
        return (await svc.relation_views([await svc.end_relation(relation_id, data)]))[0]

    @post("/{relation_id:int}/withdrawal", summary="Withdraw a relation entered in error (kept for the record)")
    async def withdraw(self, relation_id: FromPath[int], data: JSONBody[s.WithdrawIn],
                       now: NamedDependency[datetime]) -> s.RelationOut:
        return (await svc.relation_views([await svc.withdraw_relation(relation_id, data, now)]))[0]


class DeclarationController(Controller):
    path = "/experts/{expert_id:int}/declarations"
    tags = ["relations"]

    @post("/", summary="An expert declares an interest or relation (自我申报); it is an edge of the graph")
    async def declare(self, expert_id: FromPath[int], data: JSONBody[s.DeclarationIn]) -> s.RelationOut:
        return (await svc.relation_views([await svc.declare(expert_id, data)]))[0]

    @get("/")
    async def index(self, expert_id: FromPath[int]) -> list[s.RelationOut]:
        return [r for r in await svc.list_relations(None, "expert", expert_id, 0, 500) if r.origin == "declaration"]


class NameMatchController(Controller):
    path = "/name-matches"
    tags = ["relations"]
    dependencies = DEPS

    @get("/", summary="Names the matcher was unsure of, waiting for a person to confirm")
    async def index(self, offset: Offset = 0, limit: Limit = 50,
                    status: FromQuery[Literal["open", "confirmed", "rejected"] | None] = None) -> list[s.TaskOut]:
        return await svc.list_tasks(status, offset, limit)

    @post("/{task_id:int}/confirmation", summary="Link the name to this institution")
    async def confirm(self, task_id: FromPath[int], data: JSONBody[s.TaskConfirmIn],
                      now: NamedDependency[datetime]) -> s.TaskOut:
        return svc.task_out(await svc.confirm_task(task_id, data, now))

    @post("/{task_id:int}/rejection", summary="None of the candidates is meant: keep the name unlinked")
    async def reject(self, task_id: FromPath[int], data: JSONBody[s.TaskRejectIn],
                     now: NamedDependency[datetime]) -> s.TaskOut:
        return svc.task_out(await svc.reject_task(task_id, data, now))


class PolicyController(Controller):
    path = "/conflict-policy"
    tags = ["conflict policy"]

    @get("/", summary="The policy in force: rules, path shapes, hops, windows, purposes")
    async def current(self) -> s.PolicyOut:
        return await svc.current_policy()

    @put("/", summary="A new policy version (full rules, or a new hierarchy depth); bad policies get 422")
    async def change(self, data: JSONBody[s.PolicyIn]) -> s.PolicyOut:
        return await svc.change_policy(data)

    @get("/versions")
    async def versions(self) -> list[s.PolicyOut]:
        return await svc.policy_versions()


class DuplicateController(Controller):
    path = "/possible-duplicates"
    tags = ["relations"]

    @get("/", summary="Experts or institutions that look like the same one entered twice")
    async def index(self, kind: FromQuery[Literal["expert", "institution"] | None] = None,
                    status: FromQuery[Literal["open", "distinct", "same"] | None] = None,
                    record_id: FromQuery[int | None] = None) -> list[s.DuplicateOut]:
        return await svc.list_duplicates(kind, status, record_id)

    @post("/scan", summary="After an import: flag likely duplicates among all experts and institutions")
    async def scan(self) -> s.ScanOut:
        return await svc.scan_duplicates()

    @post("/{flag_id:int}/decision", summary="Decide a flag: distinct records, or the same one")
    async def decide(self, flag_id: FromPath[int], data: JSONBody[s.DuplicateDecisionIn]) -> s.DuplicateOut:
        return await svc.decide_duplicate(flag_id, data)


CONTROLLERS = [ItemConflictController, DismissalController, RelationController, DeclarationController, NameMatchController,
               PolicyController, DuplicateController]
