"""One spreadsheet row through the registry's or conflicts' own service (issue 16): experts, institutions and
relations, each row's outcome with its problems by column; used by ``spreadsheets.services.imports``."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import msgspec
from msgspec import Struct

from conflicts import schemas as cs
from conflicts.live import LiveGraph
from conflicts.policy import EDGE_LABELS
from conflicts.services.relations import create_relations
from conflicts.tables import Relation
from core.api import chinese_reason
from core.errors import DomainError
from registry import schemas as rs
from registry.domain.identifiers import parse_citizen_id, validate_uscc
from registry.domain.terms import validate_term
from registry.domain.vocab import Gender, InstitutionKind, Sector
from registry.privacy import get_vault
from registry.services.experts import create_expert
from registry.services.institutions import create_institution
from registry.services.terms import open_term
from registry.tables import Expert, Institution, PossibleDuplicate, Specialty, Term
from spreadsheets.domain.rows import (
    EXPERT_COLUMNS,
    INSTITUTION_COLUMNS,
    RELATION_COLUMNS,
    CellProblem,
    Column,
    Vocabulary,
    expert_row,
    header_of,
    institution_row,
    normalised_id,
    relation_row,
)

log = logging.getLogger("spreadsheets.imports")

ACCEPTED, REJECTED, EXISTING, POSSIBLE_DUPLICATE = "accepted", "rejected", "existing", "possible_duplicate"


@dataclass
class Outcome:
    status: str
    problems: list[CellProblem] = field(default_factory=list)
    record_id: int | None = None
    other_id: int | None = None
    score: float | None = None
    note: str = ""


@dataclass
class RowContext:
    """What one import knows beyond a row: the vocabulary, the day, and the keys seen in earlier rows."""

    today: date
    vocabulary: Vocabulary
    seen: dict[str, int] = field(default_factory=dict)  # ID number / credit code → row number
    live: LiveGraph | None = None  # the application's relationship graph (relations match names against it)
    by: str = ""  # the login importing


RowHandler = Callable[[dict[str, str], int, RowContext], Awaitable[Outcome]]


@dataclass(frozen=True)
class Kind:
    name: str
    columns: tuple[Column, ...]
    handle: RowHandler
    label_key: str = "name"


# --- turning an error of the registry into the report's problems ------------------------------------

_AT_PATH = re.compile(r"\s*- at `\$\.?([^`]*)`")


def _struct_problems(kind: str, exc: msgspec.ValidationError) -> list[CellProblem]:
    message = str(exc)
    path = ""
    if match := _AT_PATH.search(message):
        path, message = match.group(1), message[: match.start()]
    if missing := re.search(r"missing required field `([^`]*)`", message):
        path = missing.group(1)
    return [CellProblem(header_of(kind, path) if path else "", chinese_reason(message))]


def domain_problems(kind: str, exc: DomainError) -> list[CellProblem]:
    if not exc.errors:
        return [CellProblem("", exc.detail)]
    return [CellProblem(header_of(kind, e.field), e.reason, e.rule_id) for e in exc.errors]


def _convert(kind: str, body: dict, into: type[Struct]) -> tuple[Any, list[CellProblem]]:
    try:
        return msgspec.convert(body, into), []
    except msgspec.ValidationError as exc:
        return None, _struct_problems(kind, exc)


def _new_columns(known: list[CellProblem], more: list[CellProblem]) -> list[CellProblem]:
    """``more`` without the columns ``known`` already explains (a label not in the vocabulary is also a value the
    body's type refuses: said once)."""
    columns = {p.column for p in known}
    return [p for p in more if p.column not in columns]


async def _flags_of(kind: str, record_ids: list[int]) -> dict[int, tuple[int, float]]:
    """The strongest open flag the duplicate detection (conflicts, on entry) set on each record added, against a
    record entered before it (a pair of rows of the file is reported on the later row, whichever chunks the two
    rows fall in: the earlier one was, when added, a duplicate of nothing)."""
    if not record_ids:
        return {}
    rows = await PossibleDuplicate.select().where(
        (PossibleDuplicate.kind == kind) & (PossibleDuplicate.status == "open")
        & PossibleDuplicate.second_id.is_in(record_ids))
    best = {}
    for row in sorted(rows, key=lambda r: r["score"]):
        best[row["second_id"]] = (row["first_id"], float(row["score"]))
    return best


_DUPLICATE_REASONS = {
    "expert": ("姓名", "已登记，但疑似与专家 {other} 为同一人（相似度 {score:.0f}），待人工确认，未合并"),
    "institution": ("机构名称", "已登记，但疑似与机构 {other} 为同一机构（{score:.0f} 分），待人工确认，未合并"),
}


async def mark_likely_duplicates(kind: str, outcomes: list[Outcome]) -> None:
    """Added records the duplicate detection flagged: reported as likely duplicates, left for a person."""
    if kind not in _DUPLICATE_REASONS:  # relations: the same one is "existing", nothing else to flag
        return
    flags = await _flags_of(kind, [o.record_id for o in outcomes if o.status == ACCEPTED and o.record_id])
    column, reason = _DUPLICATE_REASONS[kind]
    for outcome in outcomes:
        if outcome.status == ACCEPTED and outcome.record_id in flags:
            other, score = flags[outcome.record_id]
            outcome.status, outcome.other_id, outcome.score = POSSIBLE_DUPLICATE, other, score
            outcome.problems = [CellProblem(column, reason.format(other=other, score=score)), *outcome.problems]


def _seen_before(key: str, row_number: int, context: RowContext, column: str) -> CellProblem | None:
    if not key:
        return None
    if key in context.seen:
        return CellProblem(column, f"与第 {context.seen[key]} 行相同，同一文件中只导入一次")
    context.seen[key] = row_number
    return None


# --- experts -----------------------------------------------------------------------------------------

async def expert_vocabulary(today: date) -> RowContext:
    rows = await Specialty.select(Specialty.code, Specialty.name, Specialty.parent_code).order_by(Specialty.code)
    genders = {g.label: g.value for g in Gender} | {g.value: g.value for g in Gender}
    sectors = {s.label: s.value for s in Sector} | {s.value: s.value for s in Sector}
    return RowContext(today, Vocabulary({r["code"]: r["name"] for r in rows},
                                        {r["code"]: r["parent_code"] for r in rows}, genders, sectors))


async def import_expert_row(cells: dict[str, str], row_number: int, context: RowContext) -> Outcome:
    row = expert_row(cells, context.vocabulary, context.today)
    problems = list(row.problems)
    try:
        number = parse_citizen_id(normalised_id(row.body["id_number"])).number
    except ValueError:
        number = ""
    if number:
        if again := _seen_before(number, row_number, context, "身份证号"):
            return Outcome(REJECTED, [again])
        digest = get_vault().digest(number)
        existing = await Expert.select(Expert.id).where(Expert.id_number_digest == digest).first()
        if existing is not None:
            reason = f"该身份证号码的专家已登记（专家 {existing['id']}），未重复添加"
            return Outcome(EXISTING, [CellProblem("身份证号", reason)], record_id=existing["id"],
                           other_id=existing["id"], score=100.0)
    data, struct_problems = _convert("expert", row.body, rs.ExpertCreate)
    problems += _new_columns(problems, struct_problems)
    if row.term is not None:
        start, end, certificate = row.term
        try:
            validate_term(start, end)
        except DomainError as exc:
            problems += domain_problems("expert", exc)
        if certificate and await Term.exists().where(Term.certificate_no == certificate):
            problems.append(CellProblem("聘书编号", f"聘书编号 {certificate} 已被使用，每份聘书的编号须唯一",
                                        "R-POOL-4"))
    if problems:
        return Outcome(REJECTED, problems)
    try:
        expert = await create_expert(data)
    except DomainError as exc:
        return Outcome(REJECTED, domain_problems("expert", exc))
    note = ""
    if row.term is not None:
        try:
            await open_term(expert.id, row.term[0], row.term[1], row.term[2], previous_id=None)
        except DomainError as exc:
            note = "专家已登记，但聘期未登记：" + "；".join(p.reason for p in domain_problems("expert", exc))
    return Outcome(ACCEPTED, record_id=expert.id, note=note)


# --- institutions ------------------------------------------------------------------------------------

async def institution_vocabulary(today: date) -> RowContext:
    kinds = {k.label: k.value for k in InstitutionKind} | {k.value: k.value for k in InstitutionKind}
    return RowContext(today, Vocabulary({}, {}, kinds, {}))


async def import_institution_row(cells: dict[str, str], row_number: int, context: RowContext) -> Outcome:
    row = institution_row(cells, context.vocabulary.genders)
    problems = list(row.problems)
    body = dict(row.body)
    code = body.pop("credit_code")
    if code:
        try:
            code = validate_uscc(code)
        except ValueError as exc:
            problems.append(CellProblem("统一社会信用代码", str(exc)))
            code = ""
        if code:
            if again := _seen_before(code, row_number, context, "统一社会信用代码"):
                return Outcome(REJECTED, [again])
            existing = await Institution.select(Institution.id).where(Institution.uscc == code).first()
            if existing is not None:
                reason = f"该统一社会信用代码的机构已登记（机构 {existing['id']}），未重复添加"
                return Outcome(EXISTING, [CellProblem("统一社会信用代码", reason)], record_id=existing["id"],
                               other_id=existing["id"], score=100.0)
            body["uscc"] = code
    data, struct_problems = _convert("institution", body, rs.InstitutionCreate)
    problems += _new_columns(problems, struct_problems)
    if problems:
        return Outcome(REJECTED, problems)
    try:
        institution = await create_institution(data)
    except DomainError as exc:
        return Outcome(REJECTED, domain_problems("institution", exc))
    return Outcome(ACCEPTED, record_id=institution.id)


# --- relations ---------------------------------------------------------------------------------------

async def relation_vocabulary(today: date) -> RowContext:
    kinds = {label: kind.value for kind, label in EDGE_LABELS.items()}
    kinds |= {kind.value: kind.value for kind in EDGE_LABELS}
    return RowContext(today, Vocabulary({}, {}, kinds, {}))


async def import_relation_row(cells: dict[str, str], row_number: int, context: RowContext) -> Outcome:
    """A relation between two registered records (kinds of the conflicts vocabulary), through the conflicts
    service's own checks (shapes of each kind, both ends stored, dates); the same relation still in force is
    not entered twice."""
    row = relation_row(cells, context.vocabulary.genders)
    problems = list(row.problems)
    data, struct_problems = _convert("relation", {**row.body, "origin": "import"}, cs.RelationIn)
    problems += _new_columns(problems, struct_problems)
    if problems or data is None or data.target is None:
        return Outcome(REJECTED, problems or [CellProblem("终点编号", "缺少终点")])
    key = f"{data.kind.value}:{data.source.kind}:{data.source.id}:{data.target.kind}:{data.target.id}"
    if again := _seen_before(key, row_number, context, "关系类型"):
        return Outcome(REJECTED, [again])
    same = await Relation.select(Relation.id).where(
        (Relation.kind == data.kind.value) & (Relation.source_kind == data.source.kind)
        & (Relation.source_id == data.source.id) & (Relation.target_kind == data.target.kind)
        & (Relation.target_id == data.target.id) & Relation.withdrawn_at.is_null()).first()
    if same is not None:
        return Outcome(EXISTING, [CellProblem("关系类型", f"该关系已录入（关系 {same['id']}），未重复添加")],
                       record_id=same["id"], other_id=same["id"], score=100.0)
    assert context.live is not None
    try:
        [relation] = await create_relations(await context.live.sync(), [(data, (data.source.kind, data.source.id))],
                                            "import", context.by)
    except DomainError as exc:
        return Outcome(REJECTED, domain_problems("relation", exc))
    return Outcome(ACCEPTED, record_id=relation.id)


KINDS: dict[str, tuple[Kind, Callable[[date], Awaitable[RowContext]]]] = {
    "expert": (Kind("expert", EXPERT_COLUMNS, import_expert_row), expert_vocabulary),
    "institution": (Kind("institution", INSTITUTION_COLUMNS, import_institution_row), institution_vocabulary),
    "relation": (Kind("relation", RELATION_COLUMNS, import_relation_row, "kind"), relation_vocabulary),
}
