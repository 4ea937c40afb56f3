"""Reference data (issue 13): every controlled vocabulary a request body or a filter accepts, with its Chinese
labels, so a client can build its forms without reading 422 messages. Collected here, in the application layer,
from the domain enums of every capability (the app may import every layer): a new member of an enum is listed
at once. ``GET /api/v1/reference`` lists them, ``GET /api/v1/reference/{name}`` answers one; every logged-in
role may read them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from typing import Any, Literal, get_args, get_type_hints

from litestar import Controller, get
from litestar.params import FromPath
from msgspec import Struct

from accounts.services import ROLES
from assignment.schemas import PanelRequestIn
from conflicts.policy import EDGE_LABELS, SYMMETRIC, EdgeKind, Purpose
from conflicts.schemas import NodeKind, SubjectKind
from core.api import Limit, Offset
from core.errors import not_found
from core.schemas import Page
from decisions.domain.workdays import BASIS_LABELS
from notifications.notices import MODES, PURPOSES
from registry.domain.institutions import StaffCompetence
from registry.domain.recruitment import ApplicationState, Condition
from registry.domain.vocab import (
    CreditStatus,
    DiscreditKind,
    DismissalReason,
    DutyBreach,
    Gender,
    InstitutionKind,
    ReviewProposal,
    Sector,
)


class TermOut(Struct):
    value: str
    label: str


class VocabularyOut(Struct):
    name: str
    label: str
    values: list[TermOut]
    href: str = ""  # where a tree too large to list here is read (the specialty sub-pools)
    note: str = ""


@dataclass(frozen=True)
class Vocabulary:
    name: str
    label: str
    terms: tuple[tuple[str, str], ...]
    source: Any = None  # the enum or Literal whose values it lists (the test compares them)
    href: str = ""
    note: str = ""

    def out(self) -> VocabularyOut:
        return VocabularyOut(self.name, self.label, [TermOut(v, t) for v, t in self.terms], self.href, self.note)


def _labelled(enum: type[Enum]) -> tuple[tuple[str, str], ...]:
    return tuple((m.value, m.label) for m in enum)  # type: ignore[attr-defined]


def _named(values: Iterable[Any], labels: dict[Any, str]) -> tuple[tuple[str, str], ...]:
    """Each value with its label; a value without one shows itself (the test fails on it)."""
    return tuple((str(getattr(v, "value", v)), labels.get(v, str(getattr(v, "value", v)))) for v in values)


ROLE_LABELS = {"office": "政策法规处（专家库管理）", "unit": "决策承办单位", "expert": "论证专家",
               "auditor": "审计监督（只读）", "organiser": "受委托组织论证的第三方机构"}
NODE_LABELS = {"expert": "库内专家", "institution": "机构（单位）", "item": "决策事项",
               "person": "库外人员（如专家亲属）"}
SUBJECT_LABELS = {"expert": "论证专家", "institution": "第三方评估机构"}
INVITATION_STATUSES = {"pending": "待答复", "accepted": "已接受", "declined": "已谢绝", "expired": "逾期未答复",
                       "awaiting_approval": "待政策法规处批准", "refused": "未获批准", "withdrawn": "已撤回"}
OPINION_STATUSES = {"pending": "未到期", "on_time": "按时提交", "late": "逾期提交", "missing": "逾期未提交",
                    "not_applicable": "不适用（非论证小组）"}
REQUEST_STATUSES = {"active": "有效", "cancellation_requested": "已申请撤销", "cancelled": "已撤销"}
EXCLUSION_STAGES = {"registry": "不符合库内资格（未在聘期、已解聘或失信等）", "conflict": "存在利害关系，须回避",
                    "possible_conflict": "可能存在利害关系，待核实", "workload": "论证任务已达上限"}
ANSWERS = {"true": "接受邀请（accept: true）", "false": "谢绝邀请（accept: false，须说明理由）"}
DECLINE_JUDGEMENTS = {"true": "理由正当（good_reason: true）",
                      "false": "理由不正当，计入无正当理由拒绝（good_reason: false）"}
DUPLICATE_DECISIONS = {"distinct": "不是同一人（同一机构）", "same": "是同一人（同一机构），合并记录"}
RELATION_ORIGINS = {"office": "政策法规处录入", "import": "批量导入"}

_RELATION_ORIGIN = Literal["office", "import"]  # conflicts.schemas.RelationIn.origin
_DUPLICATE_STATUS = Literal["distinct", "same"]  # conflicts.schemas.DuplicateDecisionIn.status


def _field_type(struct: type[Struct], name: str) -> Any:
    """The declared type of a body's field (``mode: Literal[...]``), so the list follows the body."""
    return get_type_hints(struct)[name]


def _catalogue() -> list[Vocabulary]:
    modes = _field_type(PanelRequestIn, "mode")
    return [
        Vocabulary("relation_kinds", "关系类型（利害关系图谱）", _named(EdgeKind, EDGE_LABELS), EdgeKind,
                   note="双向关系：" + "、".join(EDGE_LABELS[k] for k in EdgeKind if k in SYMMETRIC)),
        Vocabulary("node_kinds", "关系图谱中的对象", _named(get_args(NodeKind), NODE_LABELS), NodeKind),
        Vocabulary("subject_kinds", "抽取对象", _named(get_args(SubjectKind), SUBJECT_LABELS), SubjectKind),
        Vocabulary("relation_origins", "关系来源", _named(get_args(_RELATION_ORIGIN), RELATION_ORIGINS),
                   _RELATION_ORIGIN),
        Vocabulary("roles", "账户角色", _named(ROLES, ROLE_LABELS), ROLES),
        Vocabulary("qualification_conditions", "入库基本条件（资格审查，R-POOL-3）", _labelled(Condition), Condition),
        Vocabulary("application_states", "报名状态（公开遴选，R-POOL-2）", _labelled(ApplicationState),
                   ApplicationState),
        Vocabulary("dismissal_reasons", "提前解聘情形（reason_code，R-POOL-5）", _labelled(DismissalReason),
                   DismissalReason),
        Vocabulary("duty_breaches", "违反专家义务的情形（R-DUTY-2）", _labelled(DutyBreach), DutyBreach),
        Vocabulary("discredit_kinds", "失信行为（R-POOL-7）", _labelled(DiscreditKind), DiscreditKind),
        Vocabulary("review_proposals", "年度考核意见（R-POOL-6）", _labelled(ReviewProposal), ReviewProposal),
        Vocabulary("sectors", "专家来源领域", _labelled(Sector), Sector),
        Vocabulary("institution_kinds", "机构类型", _labelled(InstitutionKind), InstitutionKind),
        Vocabulary("credit_statuses", "机构信用状况（R-POOL-8）", _labelled(CreditStatus), CreditStatus),
        Vocabulary("staff_competences", "评估机构专业人员能力", _labelled(StaffCompetence), StaffCompetence),
        Vocabulary("genders", "性别", _labelled(Gender), Gender),
        Vocabulary("purposes", "抽取用途", _named(Purpose, {p: PURPOSES.get(p.value, p.value) for p in Purpose}),
                   Purpose),
        Vocabulary("panel_modes", "论证方式", _named(get_args(modes), MODES), modes),
        Vocabulary("panel_request_statuses", "抽取申请状态（R-PANEL-2）", tuple(REQUEST_STATUSES.items())),
        Vocabulary("invitation_statuses", "邀请状态", tuple(INVITATION_STATUSES.items())),
        Vocabulary("answers", "答复邀请（accept）", tuple(ANSWERS.items())),
        Vocabulary("decline_judgements", "谢绝理由认定（政策法规处，R-POOL-5）", tuple(DECLINE_JUDGEMENTS.items())),
        Vocabulary("opinion_statuses", "论证意见提交情况", tuple(OPINION_STATUSES.items())),
        Vocabulary("exclusion_stages", "未入选原因类别", tuple(EXCLUSION_STAGES.items())),
        Vocabulary("duplicate_decisions", "疑似重复记录的认定",
                   _named(get_args(_DUPLICATE_STATUS), DUPLICATE_DECISIONS), _DUPLICATE_STATUS),
        Vocabulary("calendar_bases", "工作日历来源", tuple(BASIS_LABELS.items())),
        Vocabulary("specialties", "专业子库（树形，按 href 读取）", (), href="/api/v1/specialties",
                   note="专业代码较多且可由政策法规处维护，按 href 读取整棵专业树"),
    ]


CATALOGUE: list[Vocabulary] = _catalogue()
BY_NAME = {v.name: v for v in CATALOGUE}


class ReferenceController(Controller):
    path = "/reference"
    tags = ["reference data"]

    @get("/", summary="Every controlled vocabulary (relation kinds, roles, conditions, dismissal codes, sectors, "
                      "purposes, modes, statuses...) with its Chinese labels")
    async def index(self, offset: Offset = 0, limit: Limit = 100) -> Page[VocabularyOut]:
        return Page([v.out() for v in CATALOGUE[offset:offset + limit]], len(CATALOGUE), offset, limit)

    @get("/{name:str}", summary="One vocabulary by name (e.g. relation_kinds, dismissal_reasons)")
    async def show(self, name: FromPath[str]) -> VocabularyOut:
        vocabulary = BY_NAME.get(name)
        if vocabulary is None:
            raise not_found("参考数据", name, "name")
        return vocabulary.out()


CONTROLLERS = [ReferenceController]
