"""Request and response bodies of decision items. Unknown fields are refused, never dropped.

The title is one line (it becomes an e-mail subject), the specialty codes a bounded list (issue 12);
the service stores the title stripped and refuses dates out of range.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from msgspec import Meta, Struct

from core.schemas import MAX_LIST, Code, Flag, Input, Note, Position, ShortLine, Title

MAX_SUB_POOLS = 50  # sub-pools one item or request draws from (issue 17)


class ItemCreate(Input, kw_only=True):
    title: Title
    opened_on: date
    drafting_unit_id: int | None = None
    specialty_codes: Annotated[list[Code], Meta(max_length=MAX_LIST)] = []
    wide_scope: Flag = False
    controversial: Flag = False
    complex: Flag = False
    sensitive: Flag = False
    # issue 17: the specialty sub-pools its expert panels draw from when a request names none (R-POOL-1)
    sub_pools: Annotated[list[Code], Meta(max_length=MAX_SUB_POOLS)] = []


class ItemUpdate(Input, kw_only=True):
    decided_on: date | None = None
    wide_scope: Flag | None = None
    controversial: Flag | None = None
    complex: Flag | None = None
    sensitive: Flag | None = None
    reason: Note | None = None  # required when a gravity flag changes (issue 11, R-PANEL-1); kept on the record
    sub_pools: Annotated[list[Code], Meta(max_length=MAX_SUB_POOLS)] | None = None  # issue 17; [] clears them


class TransitionOut(Struct):
    """One step of the item's life: who moved it, when and why (issue 14)."""

    id: int
    from_state: str
    to_state: str
    reason: str
    actor: str
    at: datetime
    decided_on: date | None = None
    document_number: str = ""
    execution_started_on: date | None = None


class OptionOut(Struct):
    """One option of a multi-option item, argued together with the others (R-PANEL-6)."""

    label: str
    summary: str


class ItemOut(Struct):
    id: int
    title: str
    drafting_unit_id: int | None
    specialty_codes: list[str]
    wide_scope: bool
    controversial: bool
    complex: bool
    sensitive: bool
    opened_on: date
    decided_on: date | None
    minimum_panel_size: int  # R-PANEL-1
    notes: list[str] = []  # after a change: a panel already drawn below the new minimum (said, not changed)
    state: str = "drafting"  # issue 14: drafting, under_argument, under_risk_assessment, decided, in_execution, ...
    state_label: str = "起草"
    document_number: str = ""  # 文号 of the decision
    execution_started_on: date | None = None
    allowed_next_steps: list[str] = []
    history: list[TransitionOut] = []  # every step, oldest first (on a single item's answer)
    options: list[OptionOut] = []  # R-PANEL-6: the options argued together (on a single item's answer)
    sub_pools: list[str] = []  # issue 17: the sub-pools its expert panels draw from by default ([]: whole pool)


StateName = Annotated[str, Meta(min_length=1, max_length=30, pattern=r"^[a-z_]+$")]
TriggerName = Annotated[str, Meta(min_length=1, max_length=40, pattern=r"^[a-z_]+$")]


class TransitionIn(Input, kw_only=True):
    """Move the item to its next state: the reason always; the decision date and 文号 when decided; the start of
    execution when execution begins."""

    to: StateName
    reason: Note
    decided_on: date | None = None
    document_number: Position = ""  # 文号
    execution_started_on: date | None = None


class EvaluationIn(Input, kw_only=True):
    """Open a post-decision evaluation on a trigger with its evidence (R-EVAL-2); a repeat within 12 months of
    the previous one needs the new circumstance."""

    trigger: TriggerName
    evidence: Note
    new_circumstance: Note = ""


class ConclusionIn(Input, kw_only=True):
    summary: Note


class EvaluationOut(Struct):
    id: int
    item_id: int
    trigger: str
    trigger_label: str
    evidence: str
    new_circumstance: str
    opened_on: date
    opened_by: str
    concluded_on: date | None
    summary: str
    concluded_by: str
    rule_id: str = "R-EVAL-2"


# --- work calendars (issue 13) ------------------------------------------------------------------------------
MAX_HOLIDAY_ENTRIES = 60  # a notice has seven holidays; single days listed one by one stay well below this
MAX_WORKING_WEEKENDS = 20


class DayRangeIn(Input, kw_only=True):
    """A run of days off as the notice states it (both ends included), e.g. 春节 2027-02-05 to 2027-02-11."""

    start: date
    end: date
    name: ShortLine = ""


class WorkCalendarIn(Input, kw_only=True):
    """A year's official schedule from the State Council's notice (国务院办公厅关于 N 年部分节假日安排的通知):
    the days off (single dates or ranges) and the adjusted working weekends (调休上班日)."""

    holidays: Annotated[list[date | DayRangeIn], Meta(min_length=1, max_length=MAX_HOLIDAY_ENTRIES)]
    working_weekends: Annotated[list[date], Meta(max_length=MAX_WORKING_WEEKENDS)] = []
    source: Title  # the notice: title and number
    note: Note = ""


class DayRangeOut(Struct):
    start: date
    end: date
    name: str
    days: int


class WorkCalendarOut(Struct):
    """A year's working-day calendar and where it comes from: ``entered`` (the office entered the notice),
    ``library`` (chinesecalendar, published years) or ``estimated`` (statutory holidays from the lunar calendar,
    provisional until the notice is entered)."""

    year: int
    basis: str
    basis_label: str
    provisional: bool
    holidays: list[DayRangeOut]
    working_weekends: list[date]
    working_days: int  # working days in the year
    source: str = ""
    note: str = ""
    entered_by: str = ""
    entered_at: datetime | None = None
    revision: int = 0
    notes: list[str] = []  # what to check (a statutory holiday missing, days that differ from the library)



# --- the yearly evaluation plan (R-EVAL-3) ----------------------------------------------------------------------
class EvaluationPlanIn(Input, kw_only=True):
    item_ids: Annotated[list[Annotated[int, Meta(ge=1, le=2**31 - 1)]], Meta(max_length=20)]


class EvaluationPlanOut(Struct):
    year: int
    item_ids: list[int]
    set_by: str
    set_at: datetime
    revision: int
    rule_id: str = "R-EVAL-3"


class PlanCandidateOut(Struct):
    """An item proposed for the year's plan: in execution for over a year, wide in scope or with triggers."""

    item_id: int
    title: str
    execution_started_on: date
    wide_scope: bool
    triggers: list[str]
    reasons: list[str]
