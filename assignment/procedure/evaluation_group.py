"""Mixed post-decision evaluation groups and the evaluation report (issue 14, R-EVAL-1, R-EVAL-2, R-COI-3/4).

``POST /items/{id}/evaluation-groups``: for an item under evaluation, the office or the owning unit names the
evaluating unit and the representatives of the units involved, and links the panels drawn for the evaluation:
field experts (a panel request of purpose ``post_evaluation``, so every conflict rule applies, R-COI-3 included)
and third-party institutions from the evaluator pool (R-COI-4). The group answers its combined membership, each
member with its source. ``POST /items/{id}/evaluation-report``: the group's evaluating unit or the office files
the report once (stored with its SHA-256, an event on the item's record); filing it concludes the evaluation, so
the item is evaluated. The rules are pure (``assignment/domain/evaluation_group.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from msgspec import Meta, Struct

from assignment.domain import evaluation_group as eg
from assignment.domain.membership import ACTIVE
from assignment.tables import EvaluationGroup, EvaluationReport, Invitation, PanelRequest
from core.api import DEPS, Offset
from core.errors import ErrorCollector, FieldError, OutOfOrder, conflict, forbidden, not_found
from core.locks import exclusive
from core.records import get_or_404, stored
from core.schemas import Facts, Input, Name, Page, PersonName, ShortName, clean
from core.uow import emit, save_protected, unit_of_work
from decisions import lifecycle
from decisions.domain import lifecycle as lc
from decisions.domain.evaluation import TRIGGERS
from decisions.schemas import ConclusionIn
from decisions.tables import DecisionItem, ItemEvaluation
from registry.tables import Expert, Institution

Limit = Annotated[int, QueryParameter(ge=1, le=100)]
MAX_REPRESENTATIVES = 30
MAX_RECOMMENDATIONS = 50
SUMMARY_CHARS = 2000  # the evaluation's conclusion keeps the report's conclusions up to this length
Conclusions = Annotated[str, Meta(min_length=1, max_length=20_000,
                                  pattern=r"^(?!\s*(?![\s\S]))[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*(?![\s\S])",
                                  description="the report's conclusions, 1-20000 characters, line breaks allowed")]
TriggerName = Annotated[str, Meta(min_length=1, max_length=40, pattern=r"^[a-z_]+$",
                                  description="an evaluation trigger: " + ", ".join(TRIGGERS))]


# --- bodies and answers ------------------------------------------------------------------------------------
class RepresentativeIn(Input, kw_only=True):
    name: PersonName
    unit: Name
    role: ShortName


class GroupIn(Input, kw_only=True):
    """The group's four parts (R-EVAL-1); a part left out is named in the 422."""

    evaluating_unit_id: int | None = None
    representatives: Annotated[list[RepresentativeIn], Meta(max_length=MAX_REPRESENTATIVES)] = []
    expert_request_id: int | None = None  # a panel request of experts, purpose post_evaluation
    institution_request_id: int | None = None  # a panel request of institutions, purpose post_evaluation


class FindingIn(Input, kw_only=True):
    trigger: TriggerName
    finding: Facts


class ReportIn(Input, kw_only=True):
    conclusions: Conclusions
    recommendations: Annotated[list[Facts], Meta(max_length=MAX_RECOMMENDATIONS)] = []
    findings: Annotated[list[FindingIn], Meta(max_length=len(TRIGGERS))] = []


class RepresentativeOut(Struct):
    name: str
    unit: str
    role: str


class GroupMemberOut(Struct, kw_only=True):
    part: str  # evaluating_unit | field_experts | unit_representatives | third_party_institutions
    part_label: str
    kind: str  # institution | expert | person
    id: int | None
    name: str
    source: str  # where the member comes from: the designation, the panel record and invitation, the naming
    status: str = ""  # for a drawn member: the invitation's status (pending, accepted)
    unit: str = ""
    role: str = ""


class GroupOut(Struct, kw_only=True):
    id: int
    item_id: int
    evaluation_id: int
    evaluating_unit_id: int
    representatives: list[RepresentativeOut]
    expert_request_id: int
    institution_request_id: int
    created_by: str
    created_at: datetime
    members: list[GroupMemberOut]
    missing: list[FieldError]  # parts with nobody left (e.g. every drawn member declined), R-EVAL-1


class FindingOut(Struct):
    trigger: str
    trigger_label: str
    finding: str


class ReportOut(Struct, kw_only=True):
    id: int
    item_id: int
    evaluation_id: int
    group_id: int
    conclusions: str
    recommendations: list[str]
    findings: list[FindingOut]
    sha256: str
    filed_by: str
    filed_at: datetime


# --- events on the item's record ---------------------------------------------------------------------------
@dataclass(frozen=True)
class EvaluationGroupComposed:
    """A mixed evaluation group was composed for the item's evaluation (R-EVAL-1)."""

    item_id: int
    group_id: int
    evaluation_id: int
    evaluating_unit_id: int
    expert_request_id: int
    institution_request_id: int
    representatives: list[dict]
    by: str


@dataclass(frozen=True)
class EvaluationReportFiled:
    """The evaluation report was filed, once, with the SHA-256 of its content."""

    item_id: int
    report_id: int
    evaluation_id: int
    group_id: int
    sha256: str
    by: str


# --- reading ------------------------------------------------------------------------------------------------
async def _state(item: DecisionItem) -> str:
    return lifecycle.standing_of(item, await lifecycle.history(item.id)).state


def _require_under_evaluation(state: str, what: str) -> None:
    if state != lc.UNDER_EVALUATION:
        reason = (f"事项当前处于“{lc.STATES.get(state, state)}”，只有决策后评估中的事项才能{what}"
                  "（先以 POST /items/{id}/evaluations 启动评估）")
        raise OutOfOrder(detail=reason, errors=[FieldError("state", reason, eg.RULE)],
                         extra={"allowed_next_steps": lc.allowed_next(state)})


async def _open_evaluation(item_id: int) -> dict | None:
    return await ItemEvaluation.select().where((ItemEvaluation.item == item_id)
                                               & ItemEvaluation.concluded_on.is_null()).order_by(
        ItemEvaluation.id, ascending=False).first()


async def _members(row: dict) -> list[GroupMemberOut]:
    members: list[GroupMemberOut] = []
    unit = await Institution.select(Institution.name).where(Institution.id == row["evaluating_unit_id"]).first()
    members.append(GroupMemberOut(part=eg.EVALUATING_UNIT, part_label=eg.PARTS[eg.EVALUATING_UNIT],
                                  kind="institution", id=row["evaluating_unit_id"], name=unit["name"] if unit else "",
                                  source=f"由 {row['created_by']} 指定"))
    for part, request_id in ((eg.FIELD_EXPERTS, row["expert_request_id"]),
                             (eg.INSTITUTIONS, row["institution_request_id"])):
        seats = await Invitation.select().where((Invitation.request == request_id)
                                                & Invitation.status.is_in(list(ACTIVE))).order_by(Invitation.id)
        table = Expert if part == eg.FIELD_EXPERTS else Institution
        ids = [s["subject_id"] for s in seats]
        names = {r["id"]: r["name"] for r in await table.select(table.id, table.name).where(table.id.is_in(ids))} \
            if ids else {}
        for seat in seats:
            members.append(GroupMemberOut(
                part=part, part_label=eg.PARTS[part], kind=seat["subject_kind"], id=seat["subject_id"],
                name=names.get(seat["subject_id"], ""), status=seat["status"],
                source=f"panel-request:{request_id} panel:{seat['panel']} invitation:{seat['id']}（决策后评估抽取）"))
    for rep in row["representatives"]:
        members.append(GroupMemberOut(part=eg.REPRESENTATIVES, part_label=eg.PARTS[eg.REPRESENTATIVES],
                                      kind="person", id=None, name=rep["name"], unit=rep["unit"], role=rep["role"],
                                      source=f"由 {row['created_by']} 列名"))
    return members


def _composition(members: list[GroupMemberOut], has_unit: bool) -> eg.Composition:
    count = {part: sum(m.part == part for m in members) for part in eg.PARTS}
    return eg.Composition(has_unit, count[eg.FIELD_EXPERTS], count[eg.REPRESENTATIVES], count[eg.INSTITUTIONS])


async def group_out(row: dict) -> GroupOut:
    members = await _members(row)
    return GroupOut(id=row["id"], item_id=row["item"], evaluation_id=row["evaluation_id"],
                    evaluating_unit_id=row["evaluating_unit_id"],
                    representatives=[RepresentativeOut(r["name"], r["unit"], r["role"])
                                     for r in row["representatives"]],
                    expert_request_id=row["expert_request_id"], institution_request_id=row["institution_request_id"],
                    created_by=row["created_by"], created_at=row["created_at"], members=members,
                    missing=eg.missing_parts(_composition(members, True)))


async def list_groups(item_id: int, offset: int, limit: int) -> Page[GroupOut]:
    await get_or_404(DecisionItem, item_id, "decision item", "item_id")
    where = EvaluationGroup.item == item_id
    rows = await EvaluationGroup.select().where(where).order_by(EvaluationGroup.id).offset(offset).limit(
        limit).output(load_json=True)
    return Page([await group_out(r) for r in rows], await EvaluationGroup.count().where(where), offset, limit)


async def evaluated_by(unit_id: int) -> list[GroupOut]:
    """The evaluation groups a unit is the evaluating unit of (its pages list them: it files their reports)."""
    rows = await EvaluationGroup.select().where(EvaluationGroup.evaluating_unit_id == unit_id).order_by(
        EvaluationGroup.id, ascending=False).limit(100).output(load_json=True)
    return [await group_out(r) for r in rows]


# --- composing the group ------------------------------------------------------------------------------------
async def _panel_errors(errors: ErrorCollector, field: str, request_id: int | None, item_id: int, kind: str) -> None:
    if request_id is None:
        return  # a missing part is named by the composition check
    found = await PanelRequest.select().where(PanelRequest.id == request_id).first()
    if found is None:
        errors.add(field, f"没有编号为 {request_id} 的抽取请求", eg.RULE)
        return
    problem = eg.panel_problem(field, eg.LinkedPanel(found["id"], found["item"], found["purpose"],
                                                     found["subject_kind"], found["status"]), item_id, kind)
    if problem is not None:
        errors.add(problem.field, problem.reason, problem.rule_id)


async def compose_group(item_id: int, data: GroupIn, actor: str, now: datetime) -> GroupOut:
    """Compose the mixed group of the item's open evaluation (409 out of order or when it has one; 422 naming each
    missing part or bad link, R-EVAL-1)."""
    async with unit_of_work(transaction_factory=exclusive):
        item = await get_or_404(DecisionItem, item_id, "decision item", "item_id")
        _require_under_evaluation(await _state(item), "组成评估组")
        evaluation = await _open_evaluation(item_id)
        if evaluation is None:  # under evaluation always has an open one; kept for rows entered by hand
            raise conflict("没有进行中的决策后评估", "evaluation_id", "请先启动决策后评估", "R-EVAL-2")
        if await EvaluationGroup.exists().where(EvaluationGroup.evaluation_id == evaluation["id"]):
            raise conflict("本次评估已组成评估组", "evaluation_id",
                           f"决策后评估 {evaluation['id']} 已有评估组，不能重复组成", eg.RULE)
        errors = ErrorCollector()
        if data.evaluating_unit_id is not None and not await Institution.exists().where(
                Institution.id == data.evaluating_unit_id):
            errors.add("evaluating_unit_id", f"没有编号为 {data.evaluating_unit_id} 的单位", eg.RULE)
        reps = [(clean(r.name), clean(r.unit), clean(r.role)) for r in data.representatives]
        for p in eg.representatives_problems(reps):
            errors.add(p.field, p.reason, p.rule_id)
        await _panel_errors(errors, "expert_request_id", data.expert_request_id, item_id, "expert")
        await _panel_errors(errors, "institution_request_id", data.institution_request_id, item_id, "institution")
        errors.raise_if_any("评估组组成不符合要求")
        representatives = [{"name": n, "unit": u, "role": r} for n, u, r in reps]
        probe: dict[str, Any] = {"id": 0, "evaluating_unit_id": data.evaluating_unit_id or 0, "created_by": actor,
                 "expert_request_id": data.expert_request_id or 0,
                 "institution_request_id": data.institution_request_id or 0,
                 "representatives": representatives}
        composition = _composition(await _members(probe), data.evaluating_unit_id is not None)
        for p in eg.missing_parts(composition):
            errors.add(p.field, p.reason, p.rule_id)
        errors.raise_if_any("评估组组成不符合要求")
        row = EvaluationGroup(item=item_id, evaluation_id=evaluation["id"], evaluating_unit_id=data.evaluating_unit_id,
                              representatives=representatives, expert_request_id=data.expert_request_id,
                              institution_request_id=data.institution_request_id, created_by=actor, created_at=now)
        await save_protected(row)
        emit(EvaluationGroupComposed(item_id, row.id, evaluation["id"], row.evaluating_unit_id, row.expert_request_id,
                                     row.institution_request_id, representatives, actor))
    return await group_out(await stored(EvaluationGroup, row.id))


# --- the evaluation report ----------------------------------------------------------------------------------
def report_out(row: dict) -> ReportOut:
    return ReportOut(id=row["id"], item_id=row["item"], evaluation_id=row["evaluation_id"], group_id=row["group_id"],
                     conclusions=row["conclusions"], recommendations=list(row["recommendations"]),
                     findings=[FindingOut(f["trigger"], TRIGGERS.get(f["trigger"], f["trigger"]), f["finding"])
                               for f in row["findings"]],
                     sha256=row["sha256"], filed_by=row["filed_by"], filed_at=row["filed_at"])


def report_content(row: dict[str, Any]) -> dict[str, Any]:
    """What the report's SHA-256 covers."""
    return {"item_id": row["item"], "evaluation_id": row["evaluation_id"], "group_id": row["group_id"],
            "conclusions": row["conclusions"], "recommendations": list(row["recommendations"]),
            "findings": [{"trigger": f["trigger"], "finding": f["finding"]} for f in row["findings"]],
            "filed_by": row["filed_by"], "filed_at": row["filed_at"].isoformat()}


async def file_report(item_id: int, data: ReportIn, role: str, unit_id: int | None, actor: str, now: datetime,
                      today: date) -> ReportOut:
    """File the report of the item's open evaluation, once; the evaluation is concluded with it (the item is
    evaluated). 403 for anyone but the group's evaluating unit and the office."""
    async with unit_of_work(transaction_factory=exclusive):
        item = await get_or_404(DecisionItem, item_id, "decision item", "item_id")
        evaluation = await _open_evaluation(item_id)
        group = None if evaluation is None else await EvaluationGroup.select().where(
            EvaluationGroup.evaluation_id == evaluation["id"]).output(load_json=True).first()
        latest = group or await EvaluationGroup.select().where(EvaluationGroup.item == item_id).order_by(
            EvaluationGroup.id, ascending=False).output(load_json=True).first()  # after the report: who may ask
        if role != "office" and (latest is None or not eg.may_file_report(role, unit_id, latest["evaluating_unit_id"])):
            raise forbidden("不是本次评估的评估单位", "item_id", "评估报告只能由评估组的评估单位或政府办公室提交")
        _require_under_evaluation(await _state(item), "提交评估报告")
        if evaluation is None or group is None:
            raise OutOfOrder(detail="尚未组成评估组", errors=[FieldError(
                "evaluation_group", "请先组成评估组（POST /items/{id}/evaluation-groups）再提交评估报告", eg.RULE)],
                extra={"allowed_next_steps": []})
        if await EvaluationReport.exists().where(EvaluationReport.evaluation_id == evaluation["id"]):
            raise conflict("评估报告已提交", "evaluation_id", "评估报告一经提交不可更改", eg.REPORT_RULE)
        errors = ErrorCollector()
        for p in eg.findings_problems(evaluation["trigger"], [f.trigger for f in data.findings]):
            errors.add(p.field, p.reason, p.rule_id)
        for p in (await group_out(group)).missing:
            errors.add(p.field, p.reason, p.rule_id)
        errors.raise_if_any("评估报告被拒绝")
        fields = {"item": item_id, "evaluation_id": evaluation["id"], "group_id": group["id"],
                  "conclusions": clean(data.conclusions), "recommendations": [clean(r) for r in data.recommendations],
                  "findings": [{"trigger": f.trigger, "finding": clean(f.finding)} for f in data.findings],
                  "filed_by": actor, "filed_at": now}
        row = EvaluationReport(**fields, sha256=eg.report_digest(report_content(fields)))
        await save_protected(row)
        emit(EvaluationReportFiled(item_id, row.id, evaluation["id"], group["id"], row.sha256, actor))
        summary = f"评估报告（SHA-256 {row.sha256}）：{fields['conclusions']}"[:SUMMARY_CHARS]
        await lifecycle.conclude_evaluation(item_id, evaluation["id"], ConclusionIn(summary=summary), actor, now,
                                            today)
    return report_out({**fields, "id": row.id, "sha256": row.sha256})


async def show_report(item_id: int, evaluation_id: int | None) -> ReportOut:
    """The item's evaluation report: of the evaluation named, or the latest."""
    await get_or_404(DecisionItem, item_id, "decision item", "item_id")
    query = EvaluationReport.select().where(EvaluationReport.item == item_id)
    if evaluation_id is not None:
        query = query.where(EvaluationReport.evaluation_id == evaluation_id)
    row = await query.order_by(EvaluationReport.id, ascending=False).output(load_json=True).first()
    if row is None:
        raise not_found("评估报告", item_id, "item_id")
    return report_out(row)


async def report_required(evaluation_id: int) -> FieldError | None:
    """Handed to decisions by the wiring: why the evaluation may not be concluded without its report (None: it
    may). Read inside the conclusion's own unit of work."""
    has_group = await EvaluationGroup.exists().where(EvaluationGroup.evaluation_id == evaluation_id)
    has_report = await EvaluationReport.exists().where(EvaluationReport.evaluation_id == evaluation_id)
    return eg.conclusion_problem(evaluation_id, has_group, has_report)


# --- endpoints ----------------------------------------------------------------------------------------------
def _actor(request: Request) -> str:
    user = request.user
    return f"{user.username}（承办单位 {user.unit_id}）" if user.role == "unit" else user.username


class EvaluationGroupController(Controller):
    path = "/"
    tags = ["post-decision evaluation"]
    dependencies = DEPS

    @post("/items/{item_id:int}/evaluation-groups",
          summary="Compose the mixed evaluation group of the item's open evaluation (R-EVAL-1): the evaluating unit, "
                  "named representatives of the units involved, the drawn panels of field experts and third-party "
                  "institutions (purpose post_evaluation; R-COI-3, R-COI-4)")
    async def compose(self, item_id: FromPath[int], data: JSONBody[GroupIn], request: Request,
                      now: NamedDependency[datetime]) -> GroupOut:
        return await compose_group(item_id, data, _actor(request), now)

    @get("/items/{item_id:int}/evaluation-groups",
         summary="The item's evaluation groups with their combined membership, each member with its source")
    async def groups(self, item_id: FromPath[int], offset: Offset = 0, limit: Limit = 20) -> Page[GroupOut]:
        return await list_groups(item_id, offset, limit)

    @post("/items/{item_id:int}/evaluation-report",
          summary="File the evaluation report (评估报告) once: conclusions, recommendations, a finding per trigger; "
                  "stored with its SHA-256, it concludes the evaluation (the item is evaluated)")
    async def file(self, item_id: FromPath[int], data: JSONBody[ReportIn], request: Request,
                   now: NamedDependency[datetime], today: NamedDependency[date]) -> ReportOut:
        user = request.user
        return await file_report(item_id, data, user.role, user.unit_id, _actor(request), now, today)

    @get("/items/{item_id:int}/evaluation-report",
         summary="The item's evaluation report (the latest, or that of evaluation_id)")
    async def report(self, item_id: FromPath[int],
                     evaluation_id: FromQuery[int | None] = None) -> ReportOut:
        return await show_report(item_id, evaluation_id)


CONTROLLERS = [EvaluationGroupController]
