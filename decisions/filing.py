"""Filing the item's full record after the decision (R-REC-3, issue 14): use cases, no HTTP here. The rules are
pure (``decisions/domain/filing.py``); the working days count with the office's entered calendars.

The filing package (everything on the item's record, verifiable against the chain) is made by a capability above
this one (``accounts.filing_package``); the application hands its digest in (``app.wiring``) as a
``PackageDigest``: ``await digest(item_id) -> (sha256, chain_seq)``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime

from msgspec import Struct

from core.errors import FieldError, OutOfOrder
from core.locks import exclusive
from core.records import get_or_404, rows_for
from core.schemas import Page
from core.uow import emit, save_protected, unit_of_work
from decisions.calendars import load_schedules
from decisions.domain import filing as rules
from decisions.domain import lifecycle as lc
from decisions.domain.workdays import Schedules
from decisions.lifecycle import history, standing_of
from decisions.tables import DecisionItem, ItemFiling, ItemTransition

PackageDigest = Callable[[int], Awaitable[tuple[str, int]]]
# ``await package(item_id, today=today) -> dict``: the whole filing package (``accounts.filing_package``)
FilingPackage = Callable[..., Awaitable[dict]]
MAX_DUE_WITHIN = 60  # working days a "due within" list may look ahead


@dataclass(frozen=True)
class ItemFiled:
    """The item's full record was filed (R-REC-3): by whom, the due date, on time or not, and the filing
    package's SHA-256 with the chain's head it covered."""

    item_id: int
    filed_on: str
    due_on: str
    on_time: bool
    package_sha256: str
    chain_seq: int
    rule_id: str = "R-REC-3"


class FilingOut(Struct):
    """An item's filing status: due date (10 working days after the decision), and when filed, by whom and the
    package's SHA-256."""

    item_id: int
    title: str
    drafting_unit_id: int | None
    state: str
    decided_on: date | None
    due_on: date | None
    status: str  # not_decided | due | overdue | filed_on_time | filed_late
    status_label: str
    working_days_overdue: int
    reminders_from: date | None  # the 7th working day after the decision
    filed_at: datetime | None = None
    filed_on: date | None = None
    filed_by: str = ""
    package_sha256: str = ""
    chain_seq: int | None = None
    rule_id: str = "R-REC-3"


def _out(item: dict, state: str, filing: dict | None, today: date, schedules: Schedules) -> FilingOut:
    decided_on = item["decided_on"] if state not in rules.BEFORE_DECISION else None
    status = rules.filing_status(decided_on, today, filing["filed_on"] if filing else None, schedules)
    out = FilingOut(item["id"], item["title"], item["drafting_unit"], state, decided_on, status.due_on,
                    status.status, status.label, status.working_days_overdue,
                    rules.reminders_start(decided_on, schedules) if decided_on else None)
    if filing is not None:
        out.filed_at, out.filed_on, out.filed_by = filing["filed_at"], filing["filed_on"], filing["filed_by"]
        out.package_sha256, out.chain_seq = filing["package_sha256"], filing["chain_seq"]
    return out


async def _filing_row(item_id: int) -> dict | None:
    return await ItemFiling.select().where(ItemFiling.item == item_id).first()


def _refuse(problem: rules.Problem, state: str) -> None:
    raise OutOfOrder(detail=f"全过程记录归档被拒绝：{problem.reason}",
                     errors=[FieldError(problem.field, problem.reason, problem.rule_id)],
                     extra={"allowed_next_steps": lc.allowed_next(state)})


async def _standing(item_id: int) -> tuple[DecisionItem, lc.Standing]:
    item = await get_or_404(DecisionItem, item_id, "decision item")
    return item, standing_of(item, await history(item_id))


async def filing_view(item_id: int, today: date) -> FilingOut:
    """The item's filing status today."""
    item, standing = await _standing(item_id)
    return _out(item.to_dict(), standing.state, await _filing_row(item_id), today, await load_schedules())


async def file_item(item_id: int, digest: PackageDigest, actor: str, now: datetime, today: date) -> FilingOut:
    """File the item's full record (R-REC-3): only after the decision (409 with the allowed steps), only once
    (409). The server's time; the package's SHA-256 as it stands now, with the chain's head it covers."""
    item, standing = await _standing(item_id)
    filed = await _filing_row(item_id)
    if problem := rules.filing_problem(standing.state, item.decided_on, filed["filed_on"] if filed else None):
        _refuse(problem, standing.state)
    sha256, chain_seq = await digest(item_id)  # outside the lock: it reads the whole record
    schedules = await load_schedules()
    async with unit_of_work(transaction_factory=exclusive):
        item, standing = await _standing(item_id)
        filed = await _filing_row(item_id)
        if problem := rules.filing_problem(standing.state, item.decided_on, filed["filed_on"] if filed else None):
            _refuse(problem, standing.state)
        assert item.decided_on is not None  # filing_problem refuses an item without its decision date
        due = rules.filing_due(item.decided_on, schedules)
        row = ItemFiling(item=item_id, filed_at=now, filed_on=today, filed_by=actor, due_on=due, on_time=today <= due,
                         package_sha256=sha256, chain_seq=chain_seq)
        await save_protected(row)
        emit(ItemFiled(item_id, today.isoformat(), due.isoformat(), today <= due, sha256, chain_seq))
    return _out(item.to_dict(), standing.state, row.to_dict(), today, schedules)


async def unfiled(today: date) -> tuple[list[FilingOut], Schedules]:
    """Every decided item whose record is not filed yet, with its status today (oldest due date first)."""
    schedules = await load_schedules()
    items = await DecisionItem.select(DecisionItem.id, DecisionItem.title, DecisionItem.drafting_unit,
                                      DecisionItem.decided_on).where(DecisionItem.decided_on.is_not_null())
    filed = {r["item"] for r in await ItemFiling.select(ItemFiling.item)}
    ids = [i["id"] for i in items if i["id"] not in filed]
    steps: dict[int, list[str]] = {i: [] for i in ids}
    for t in await rows_for(ItemTransition.select(ItemTransition.item, ItemTransition.to_state).order_by(
            ItemTransition.id), ItemTransition.item, ids):  # many items: read whole, not as a list of ids
        steps[t["item"]].append(t["to_state"])
    found = []
    for item in items:
        if item["id"] not in steps:
            continue
        state = lc.current_state(steps[item["id"]], item["decided_on"])
        if state in rules.BEFORE_DECISION:
            continue
        found.append(_out(item, state, None, today, schedules))
    found.sort(key=lambda f: (f.due_on or today, f.item_id))
    return found, schedules


async def overdue(today: date, offset: int, limit: int) -> Page[FilingOut]:
    """The office's list: decided items not filed within 10 working days, with the unit, the due date and the
    working days overdue (most overdue first)."""
    found = [f for f in (await unfiled(today))[0] if f.status == rules.OVERDUE]
    return Page(found[offset:offset + limit], len(found), offset, limit)


async def due_within(today: date, days: int, offset: int, limit: int) -> Page[FilingOut]:
    """Unfiled items due within ``days`` working days (0: due today), soonest first."""
    found, schedules = await unfiled(today)
    found = [f for f in found if rules.due_within(f.status, f.due_on, today, days, schedules)]
    return Page(found[offset:offset + limit], len(found), offset, limit)
