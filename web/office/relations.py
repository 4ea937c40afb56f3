"""Relations and the conflict policy (关系与回避规则, R-COI-*): the relations of the graph with filters (a node at
either end, kind), a form to enter one through the same service and checks as ``POST /api/v1/relations``, and the
policy in force with its versions; the office may put a new version (a new hierarchy depth, full rules, or both)
through the service of ``PUT /api/v1/conflict-policy``."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from accounts.services import Principal
from conflicts import schemas as cs
from conflicts.deps import LIVE
from conflicts.live import LiveGraph
from conflicts.policy import EDGE_LABELS, EdgeKind
from conflicts.services import policy_versions, relations
from core.errors import DomainError
from web.forms import FormError, FormErrors, PageLimit, PageOffset, read_form, refusal, to_input
from web.render import render, see_other
from web.session import PAGE_DEPENDENCIES, require

NodeId = Annotated[int | None, QueryParameter(ge=1, le=2**31 - 1)]
NODE_KINDS = {"expert": "专家", "institution": "机构", "item": "决策事项", "person": "其他人员"}
RELATION_FIELDS = ("kind", "role", "start", "end", "detail", "target_text")


def _failure(exc: Exception) -> FormError:
    return exc if isinstance(exc, FormError) else refusal(exc)  # type: ignore[arg-type]


def relation_body(form: dict[str, Any]) -> dict[str, Any]:
    """The API's RelationIn body from the flat form: source and target as {kind, id} (a target named by its text
    instead, when no target number is given)."""
    body: dict[str, Any] = {k: form[k] for k in RELATION_FIELDS if k in form}
    body["source"] = {"kind": form.get("source_kind", ""), "id": form.get("source_id", "")}
    if form.get("target_id"):
        body["target"] = {"kind": form.get("target_kind", ""), "id": form["target_id"]}
    return body


class RelationPages(Controller):
    path = "/office"
    include_in_schema = False
    guards = [require("office")]
    dependencies = {**PAGE_DEPENDENCIES, **LIVE}

    async def _relations(self, request: Request, live: LiveGraph, kind: str | None = None,
                         node_kind: str | None = None, node_id: int | None = None, offset: int = 0, limit: int = 50,
                         status_code: int = 200, errors: FormErrors | None = None,
                         form: dict | None = None) -> Response:
        page = await relations.list_relations(live, kind, node_kind if node_id else None, node_id, offset, limit)
        filters = {"kind": kind or "", "node_kind": node_kind or "", "node_id": node_id or ""}
        query = "".join(f"{k}={v}&" for k, v in filters.items() if v)
        return render(request, "office/relations.html", status_code, title="关系", page=page, filters=filters,
                      query=query, kinds={k.value: EDGE_LABELS[k] for k in EdgeKind}, node_kinds=NODE_KINDS,
                      errors=errors or FormErrors(), form=form or {"source_kind": node_kind or "expert",
                                                                   "source_id": node_id or ""})

    @get("/relations")
    async def index(self, request: Request, live: NamedDependency[LiveGraph],
                    kind: Annotated[str | None, QueryParameter(max_length=32)] = None,
                    node_kind: Annotated[Literal["expert", "institution", "item", "person"] | None,
                                         QueryParameter()] = None,
                    node_id: NodeId = None, offset: PageOffset = 0, limit: PageLimit = 50) -> Response:
        kind_value = kind if kind in {k.value for k in EdgeKind} else None
        return await self._relations(request, live, kind_value, node_kind, node_id, offset, limit)

    @post("/relations")
    async def create(self, request: Request, live: NamedDependency[LiveGraph],
                     principal: NamedDependency[Principal]) -> Response:
        form = await read_form(request)
        try:
            data = to_input(cs.RelationIn, relation_body(form))
            [row] = await relations.create_relations(live, [(data, (data.source.kind, data.source.id))], "office",
                                                     principal.username)
        except (FormError, DomainError) as exc:
            failure = _failure(exc)
            return await self._relations(request, live, status_code=failure.status, errors=failure.errors,
                                         form=form)
        return see_other(f"/office/relations?node_kind={data.source.kind}&node_id={data.source.id}",
                         f"关系已登记（#{row.id}）")

    async def _policy(self, request: Request, status_code: int = 200, errors: FormErrors | None = None,
                      form: dict | None = None) -> Response:
        current = await policy_versions.current_policy()
        versions = await policy_versions.policy_versions(0, 200)
        return render(request, "office/policy.html", status_code, title="回避规则", current=current,
                      versions=list(reversed(versions.items)), total=versions.total, kinds=EDGE_LABELS,
                      errors=errors or FormErrors(), form=form or {"hierarchy_hops": current.hierarchy_hops})

    @get("/policy")
    async def policy(self, request: Request) -> Response:
        return await self._policy(request)

    @post("/policy")
    async def change_policy(self, request: Request, live: NamedDependency[LiveGraph],
                            principal: NamedDependency[Principal]) -> Response:
        form = await read_form(request)
        body: dict[str, Any] = {k: form[k] for k in ("hierarchy_hops", "reason") if k in form}
        try:
            if form.get("rules"):
                try:
                    body["rules"] = json.loads(form["rules"])
                except ValueError as exc:
                    line = getattr(exc, "lineno", None)
                    raise FormError(FormErrors(detail="请检查填写的内容：规则须为 JSON 列表", fields={
                        "rules": [f"不是有效的 JSON（第 {line} 行）" if line else "不是有效的 JSON"]})) from None
            changed = await policy_versions.change_policy(live, to_input(cs.PolicyIn, body), principal.username)
        except (FormError, DomainError) as exc:
            failure = _failure(exc)
            return await self._policy(request, failure.status, failure.errors, form)
        return see_other("/office/policy", f"回避规则第 {changed.version} 版已生效")
