"""The commissioned organiser (issue 14, R-PANEL-8) and the people it hires (R-COI-5).

A drafting unit commissions an institution of the evaluator pool to organise the argument of one item: the
institution passes the registry's checks (admitted, not removed, credit good, not blacklisted, no government
body) and the item's conflict check (R-COI-4 independence included), each refusal with its rule id and the
explained path. An organiser account bound to the commission acts for that item only, while the commission is
in force (``accounts.access``). Outside experts the organiser hires pass the same registry and conflict checks
as drawn experts; a subcontract needs the unit's consent given with the commission. Every hire, refused ones
too, is kept with its reasons.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from msgspec import Meta, Struct

from assignment.domain.commission import (
    CommissionTerm,
    Refusal,
    commission_closed_reason,
    commission_dates_problem,
    outside_expert_identity_problems,
    party_refusals,
    revocation_problem,
    subcontract_problem,
)
from assignment.services.candidates import conflict_exclusions
from assignment.tables import Commission, CommissionHire
from conflicts.live import LiveGraph
from conflicts.names import normalise
from conflicts.policy import Purpose
from conflicts.services.checks import run_check
from core.errors import ErrorCollector, FieldError, RuleViolation, conflict, invalid, not_found
from core.records import get_or_404
from core.schemas import Input, Name, Note, Page, Paragraph, PersonName, day_problem
from core.uow import current_unit, emit, save_protected, unit_of_work, update_protected
from decisions.tables import DecisionItem
from registry.services.institutions import institution_eligibility_of
from registry.services.standing import eligibility_for
from registry.tables import Employment, Expert, Institution

Username = Annotated[str, Meta(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")]
# accounts.services.create_account, handed down by app.wiring (accounts is a layer above this one)
MakeAccount = Callable[..., Awaitable[Any]]


# --- bodies and answers ---------------------------------------------------------------------------------------
class CommissionIn(Input, kw_only=True):
    institution_id: int
    scope: Paragraph
    starts_on: date
    ends_on: date
    may_subcontract: bool = False  # R-COI-5: the unit's consent to subcontract
    purpose: Purpose = Purpose.ARGUMENT


class RevocationIn(Input, kw_only=True):
    reason: Note


class OrganiserAccountIn(Input, kw_only=True):
    username: Username
    password: Annotated[str, Meta(min_length=1, max_length=200)]


class OutsideExpertIn(Input, kw_only=True):
    """An expert of the registry by id, or a person by name and employer."""

    expert_id: int | None = None
    name: PersonName | None = None
    employer: Name | None = None


class SubcontractIn(Input, kw_only=True):
    institution_id: int
    scope: Paragraph


class CommissionOut(Struct):
    id: int
    item_id: int
    institution_id: int
    institution_name: str
    purpose: str
    scope: str
    starts_on: date
    ends_on: date
    may_subcontract: bool
    commissioned_by: str
    commissioned_at: datetime
    organiser_account_id: int | None
    in_force: bool
    closed_reason: str
    revoked_on: date | None
    revocation_reason: str
    rule_id: str = "R-PANEL-8"


class OrganiserAccountOut(Struct):
    account_id: int
    username: str
    role: str
    commission_id: int
    item_id: int


class HireReason(Struct):
    field: str
    rule_id: str | None
    reason: str


class HireOut(Struct):
    id: int
    commission_id: int
    kind: str  # expert | subcontractor
    expert_id: int | None
    institution_id: int | None
    name: str
    employer: str
    scope: str
    status: str  # hired | refused
    reasons: list[HireReason]
    by: str
    at: datetime
    rule_id: str = "R-COI-5"


@dataclass(frozen=True)
class CommissionRecorded:
    """A unit commissioned an institution to organise an item's argument (R-PANEL-8)."""

    commission_id: int
    item_id: int
    institution_id: int
    may_subcontract: bool


@dataclass(frozen=True)
class CommissionRevoked:
    commission_id: int
    item_id: int
    reason: str


@dataclass(frozen=True)
class OrganiserAccountCreated:
    commission_id: int
    account_id: int
    username: str


@dataclass(frozen=True)
class CommissionHireDecided:
    """An outside expert or a subcontractor hired or refused, with the reasons (R-COI-5)."""

    commission_id: int
    hire_id: int
    kind: str
    status: str
    rule_ids: tuple[str, ...]


# --- reading --------------------------------------------------------------------------------------------------
def term_of(row: dict) -> CommissionTerm:
    return CommissionTerm(row["starts_on"], row["ends_on"], row["revoked_on"], row["revocation_reason"] or "")


async def _names(ids: list[int]) -> dict[int, str]:
    rows = await Institution.select(Institution.id, Institution.name).where(Institution.id.is_in(ids or [-1]))
    return {r["id"]: r["name"] for r in rows}


def _out(row: dict, names: dict[int, str], today: date) -> CommissionOut:
    closed = commission_closed_reason(term_of(row), today)
    return CommissionOut(row["id"], row["item"], row["institution"], names.get(row["institution"], ""),
                         row["purpose"], row["scope"], row["starts_on"], row["ends_on"], bool(row["may_subcontract"]),
                         row["commissioned_by"], row["commissioned_at"], row["organiser_account"], closed is None,
                         closed or "", row["revoked_on"], row["revocation_reason"])


async def _row(commission_id: int) -> dict:
    row = await Commission.select().where(Commission.id == commission_id).first()
    if row is None:
        raise not_found("委托", commission_id, "commission_id")
    return row


async def show_commission(commission_id: int, today: date) -> CommissionOut:
    row = await _row(commission_id)
    return _out(row, await _names([row["institution"]]), today)


async def list_commissions(item_id: int, today: date, offset: int, limit: int) -> Page[CommissionOut]:
    await get_or_404(DecisionItem, item_id, "decision item", "item_id")
    where = Commission.item == item_id
    rows = await Commission.select().where(where).order_by(Commission.id).offset(offset).limit(limit)
    names = await _names([r["institution"] for r in rows])
    return Page([_out(r, names, today) for r in rows], await Commission.count().where(where), offset, limit)


def _hire_out(row: dict) -> HireOut:
    return HireOut(row["id"], row["commission"], row["kind"], row["expert_id"], row["institution_id"], row["name"],
                   row["employer"], row["scope"], row["status"],
                   [HireReason(r["field"], r.get("rule_id"), r["reason"]) for r in row["reasons"]], row["by"],
                   row["at"])


async def list_hires(commission_id: int, offset: int, limit: int) -> Page[HireOut]:
    await _row(commission_id)
    where = CommissionHire.commission == commission_id
    rows = await CommissionHire.select().where(where).order_by(CommissionHire.id).offset(offset).limit(
        limit).output(load_json=True)
    return Page([_hire_out(r) for r in rows], await CommissionHire.count().where(where), offset, limit)


# --- checks shared by the commission, its subcontractors and its outside experts ----------------------------------
def _on_item_record(item_id: int) -> None:
    """A change under /commissions/{id} goes on its item's record (the path names no item)."""
    unit = current_unit()
    if unit is not None and unit.context is not None and not unit.context.subject:
        unit.context.subject = f"item:{item_id}"


async def _conflicts(live: LiveGraph, item_id: int, purpose: Purpose, day: date, node: tuple[str, int]
                     ) -> list[Refusal]:
    """The item's conflict check for one subject (the same as a draw's); for an institution R-COI-4 always
    applies: an organiser of the argument must be independent of the item too."""
    _, found, _ = await run_check(live, item_id, purpose, day, [node])
    if node[0] == "institution" and purpose is Purpose.ARGUMENT:
        _, evaluation, _ = await run_check(live, item_id, Purpose.RISK_ASSESSMENT, day, [node])
        found = [*found, *(c for c in evaluation if c.rule_id == "R-COI-4")]
    excluded = conflict_exclusions(found).get(node)
    reasons = excluded["reasons"] if excluded else []
    return [Refusal(r["rule_id"], r["message"], r["explanation"]) for r in reasons]


async def _institution_refusals(live: LiveGraph, item_id: int, purpose: Purpose, day: date, institution_id: int,
                                field: str) -> list[FieldError]:
    if not await Institution.exists().where(Institution.id == institution_id):
        raise invalid(field, f"没有 id 为 {institution_id} 的机构")
    registry = [Refusal(r.rule_id, r.message) for r in await institution_eligibility_of(institution_id)]
    found = await _conflicts(live, item_id, purpose, day, ("institution", institution_id))
    return party_refusals(field, registry, found)


def _collect(problems: list[FieldError | None], detail: str) -> None:
    errors = ErrorCollector()
    for p in problems:
        if p is not None:
            errors.add(p.field, p.reason, p.rule_id)
    errors.raise_if_any(detail)


# --- the commission --------------------------------------------------------------------------------------------
async def create_commission(live: LiveGraph, item_id: int, data: CommissionIn, actor: str, now: datetime,
                            today: date) -> CommissionOut:
    await get_or_404(DecisionItem, item_id, "decision item", "item_id")
    scope = data.scope.strip()
    problems: list[FieldError | None] = [FieldError(name, p) for name, day in (("starts_on", data.starts_on),
                                                                              ("ends_on", data.ends_on))
                                         if (p := day_problem(day))]
    if not problems:
        problems.append(commission_dates_problem(data.starts_on, data.ends_on))
    _collect(problems, "委托未登记")
    await live.sync()
    refusals = await _institution_refusals(live, item_id, data.purpose, today, data.institution_id, "institution_id")
    _collect(list(refusals), "该机构不能受托组织论证")
    async with unit_of_work():
        row = await save_protected(Commission(
            item=item_id, institution=data.institution_id, purpose=data.purpose.value, scope=scope,
            starts_on=data.starts_on, ends_on=data.ends_on, may_subcontract=data.may_subcontract,
            commissioned_by=actor, commissioned_at=now))
        emit(CommissionRecorded(row.id, item_id, data.institution_id, data.may_subcontract))
    return await show_commission(row.id, today)


async def revoke_commission(commission_id: int, data: RevocationIn, actor: str, today: date) -> CommissionOut:
    row = await _row(commission_id)
    reason = data.reason.strip()
    if problem := revocation_problem(reason, term_of(row)):
        raise RuleViolation(detail="委托未撤销", errors=[problem])
    async with unit_of_work():
        _on_item_record(row["item"])
        await update_protected(Commission, {Commission.revoked_on: today, Commission.revocation_reason: reason,
                                            Commission.revoked_by: actor}, Commission.id == commission_id)
        emit(CommissionRevoked(commission_id, row["item"], reason))
    return await show_commission(commission_id, today)


async def create_organiser_account(commission_id: int, data: OrganiserAccountIn, make_account: MakeAccount,
                                   now: datetime, today: date) -> OrganiserAccountOut:
    """The organiser's login, bound to the commission: it acts for the commission's item only (R-PANEL-8)."""
    row = await _row(commission_id)
    closed = commission_closed_reason(term_of(row), today)
    if closed and today >= row["starts_on"]:  # an account may be prepared before the commission starts, not after
        raise conflict("委托已终止", "commission_id", closed, "R-PANEL-8")
    if row["organiser_account"] is not None:
        raise conflict("该委托已有组织机构账号", "commission_id",
                       f"委托 {commission_id} 已绑定组织机构账号（账号 {row['organiser_account']}）", "R-PANEL-8")
    async with unit_of_work():
        _on_item_record(row["item"])
        account = await make_account(data.username, data.password, "organiser", now, unit_id=row["institution"])
        await update_protected(Commission, {Commission.organiser_account: account.id}, Commission.id == commission_id)
        emit(OrganiserAccountCreated(commission_id, account.id, account.username))
    return OrganiserAccountOut(account.id, account.username, "organiser", commission_id, row["item"])


# --- hires (R-COI-5) -------------------------------------------------------------------------------------------
async def _registry_expert(name: str, employer: str) -> int | None:
    """The registry's expert of that name who works or worked at that employer (names compared normalised)."""
    experts = await Expert.select(Expert.id, Expert.name).where(Expert.merged_into.is_null() & (Expert.name == name))
    ids = [e["id"] for e in experts]
    if not ids:
        return None
    jobs = await Employment.select(Employment.expert, Employment.employer_name).where(Employment.expert.is_in(ids))
    matches = sorted({j["expert"] for j in jobs if normalise(j["employer_name"]) == normalise(employer)})
    return matches[0] if len(matches) == 1 else None


async def _employer_institution(employer: str) -> int | None:
    row = await Institution.select(Institution.id).where(Institution.name == employer).first()
    return row["id"] if row else None


async def _store_hire(commission: dict, kind: str, refusals: list[FieldError], by: str, now: datetime,
                      **fields: Any) -> HireOut:
    """Hired or refused, the decision is kept with its reasons (R-REC-1); a refusal answers 422 with them."""
    status = "refused" if refusals else "hired"
    reasons = [{"field": r.field, "rule_id": r.rule_id, "reason": r.reason} for r in refusals]
    async with unit_of_work():
        _on_item_record(commission["item"])
        hire = await save_protected(CommissionHire(commission=commission["id"], kind=kind, status=status,
                                                   reasons=reasons, by=by, at=now, **fields))
        emit(CommissionHireDecided(commission["id"], hire.id, kind, status,
                                   tuple(sorted({str(r.rule_id) for r in refusals if r.rule_id}))))
    if refusals:
        detail = "外聘专家未通过审查" if kind == "expert" else "转委托未通过审查"
        raise RuleViolation(detail=detail, errors=refusals, extra={"hire_id": hire.id})
    row = await CommissionHire.select().where(CommissionHire.id == hire.id).output(load_json=True).first()
    return _hire_out(row or {})


async def hire_outside_expert(live: LiveGraph, commission_id: int, data: OutsideExpertIn, by: str, now: datetime,
                              today: date) -> HireOut:
    """R-COI-5: the same registry (eligibility) and conflict checks as a drawn expert; a person named by name and
    employer is looked up in the registry, and refused when not there (no check could clear them)."""
    commission = await _row(commission_id)
    name, employer = (data.name or "").strip(), (data.employer or "").strip()
    _collect(list(outside_expert_identity_problems(data.expert_id, name, employer)), "外聘专家信息不完整")
    expert_id = data.expert_id
    if expert_id is not None and not await Expert.exists().where(Expert.id == expert_id):
        raise invalid("expert_id", f"没有 id 为 {expert_id} 的专家")
    field = "expert_id" if expert_id is not None else "name"
    refusals: list[FieldError] = []
    await live.sync()
    purpose = Purpose(commission["purpose"])
    if expert_id is None:
        expert_id = await _registry_expert(name, employer)
    if expert_id is None:
        refusals.append(FieldError("name", f"{name}（{employer}）不在专家库中，不能通过与抽取专家相同的资格审查",
                                   "R-COI-5"))
        employer_id = await _employer_institution(employer)
        if employer_id is not None:  # the employer's own conflicts with the item (R-COI-2)
            refusals += party_refusals("employer", [], await _conflicts(live, commission["item"], purpose, today,
                                                                        ("institution", employer_id)))
    else:
        eligibility = (await eligibility_for([expert_id], today))[expert_id]
        registry = [Refusal(r.rule_id, r.message) for r in eligibility.reasons]
        refusals += party_refusals(field, registry, await _conflicts(live, commission["item"], purpose, today,
                                                                     ("expert", expert_id)))
    return await _store_hire(commission, "expert", refusals, by, now, expert_id=expert_id, name=name,
                             employer=employer)


async def record_subcontract(live: LiveGraph, commission_id: int, data: SubcontractIn, by: str, now: datetime,
                             today: date) -> HireOut:
    """R-COI-5: refused without the unit's consent; with it, the subcontractor passes the commission's checks."""
    commission = await _row(commission_id)
    names = await _names([commission["institution"]])
    if problem := subcontract_problem(bool(commission["may_subcontract"]), names.get(commission["institution"], "")):
        return await _store_hire(commission, "subcontractor", [problem], by, now,
                                 institution_id=data.institution_id, scope=data.scope.strip())
    await live.sync()
    refusals = await _institution_refusals(live, commission["item"], Purpose(commission["purpose"]), today,
                                           data.institution_id, "institution_id")
    return await _store_hire(commission, "subcontractor", refusals, by, now, institution_id=data.institution_id,
                             scope=data.scope.strip())
