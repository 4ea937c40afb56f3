"""Request and response bodies of the conflict API. Unknown fields are refused, never dropped.

Every string, list and mapping a client sends is bounded, and one-line fields refuse control
characters (issue 12): a body is refused at validation (400, naming the field) before any database
work. Counts and ids stay plain integers where the service names a bad value with its rule (422).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

import msgspec
from msgspec import Meta, Struct

from conflicts.policy import EdgeKind, Purpose
from core.schemas import MAX_LIST, Flag, Input, Name, Note, Paragraph, PersonName, ShortLine

# Not blank, no control characters. "(?![\s\S])" is the very end: "$" would let one trailing line break through.
_LINE = r"^(?!\s*$)[^\x00-\x1f\x7f]*(?![\s\S])"
Who = Annotated[str, Meta(min_length=1, max_length=64, pattern=_LINE,
                          description="no longer needed: the actor recorded is the login; a name sent here is kept "
                                      "as a note beside it (issue 13)")]
Reason = Paragraph  # 2-4000 characters, line breaks allowed
Label = Annotated[str, Meta(min_length=1, max_length=64, pattern=_LINE)]  # a vocabulary word: a kind, a purpose
Role = Annotated[str, Meta(max_length=32, pattern=r"^[^\x00-\x1f\x7f]*(?![\s\S])", description="may be empty")]
# Relations in one import: an import is written in one transaction (about a millisecond a relation on SQLite,
# every other writer waiting), so larger files are sent in parts.
MAX_IMPORT = MAX_LIST
MAX_WORDS = 32  # kinds of a step, purposes and subjects of a rule
SubjectKind = Literal["expert", "institution"]
NodeKind = Literal["expert", "institution", "item", "person"]


class NodeRef(Input, kw_only=True):
    kind: NodeKind
    id: int


class NodeOut(Struct):
    kind: str
    id: int
    name: str


# --- relations and declarations --------------------------------------------------------------------
class DeclarationIn(Input, kw_only=True):
    """A relation the expert declares about themself (自我申报); the expert is the source."""

    kind: EdgeKind
    target: NodeRef | None = None
    target_text: Name | None = None
    role: Role = ""
    start: date | None = None
    end: date | None = None
    detail: Note = ""


class RelationIn(DeclarationIn, kw_only=True):
    source: NodeRef
    origin: Literal["office", "import"] = "office"
    entered_by: Who | None = None


class ImportIn(Input, kw_only=True):
    relations: Annotated[list[RelationIn], Meta(min_length=1, max_length=MAX_IMPORT)]


class MatchOut(Struct):
    status: str  # sure | unsure | none
    score: float | None
    task_id: int | None


class RelationOut(Struct):
    id: int
    kind: str
    kind_label: str
    source: NodeOut
    target: NodeOut | None
    target_text: str
    role: str
    start: date | None
    end: date | None
    origin: str
    confirmed: bool
    match: MatchOut | None
    detail: str
    withdrawn_at: datetime | None
    withdrawn_reason: str
    entered_by: str = ""  # the login that entered it
    entered_by_unit: int | None = None  # the drafting unit, when a unit entered it for its own item


class RelationEndIn(Input, kw_only=True):
    end: date
    entered_by: Who | None = None


class WithdrawIn(Input, kw_only=True):
    reason: Reason
    entered_by: Who | None = None


# --- people who are not experts -------------------------------------------------------------------
class PersonIn(Input, kw_only=True):
    """Someone who is not a registered expert (a spouse, a company's director), to hold relations."""

    name: PersonName
    id_number: ShortLine = ""  # optional; checked against GB 11643, stored encrypted, shown masked
    note: Note = ""


class PersonOut(Struct):
    id: int
    name: str
    id_number: str  # masked
    note: str
    created_by: str
    created_at: datetime


# --- name-match queue ------------------------------------------------------------------------------
class CandidateOut(Struct):
    institution_id: int
    name: str
    score: float


class TaskOut(Struct):
    id: int
    source: str
    record_id: int
    text: str
    candidates: list[CandidateOut]
    status: str
    chosen_institution_id: int | None
    decided_by: str
    decided_at: datetime | None
    note: str


class TaskConfirmIn(Input, kw_only=True):
    institution_id: int
    by: Who | None = None
    note: Note = ""


class TaskRejectIn(Input, kw_only=True):
    by: Who | None = None
    note: Reason


# --- checks ----------------------------------------------------------------------------------------
class HopOut(Struct):
    relation_id: str
    kind: str
    label: str
    source: NodeOut
    target: NodeOut
    start: date | None
    end: date | None
    origin: str
    confirmed: bool


class DismissalOut(Struct):
    id: int
    item_id: int
    subject: NodeOut
    rule_id: str
    rule_name: str
    path_relation_ids: list[str]
    explanation: str
    reason: str
    dismissed_by: str
    dismissed_at: datetime
    reversed_at: datetime | None
    reversed_by: str
    reversal_reason: str
    active: bool


class ConflictOut(Struct):
    subject: NodeOut
    rule_id: str
    rule_name: str
    sentence: str
    explanation: str  # 张三 —任职于→ 浙江大学 —利害关系→ 某项目
    path: list[HopOut]
    status: str  # excluded | possible (an unconfirmed link on the path) | dismissed (judged a false positive)
    dismissal: DismissalOut | None
    policy_version: int


class CheckOut(Struct):
    item_id: int
    item_title: str
    purpose: str
    on: date
    policy_version: int
    excluded: int
    possible: int
    dismissed: int
    conflicts: list[ConflictOut]


class CandidateCheckOut(Struct):
    item_id: int
    subject: NodeOut
    purpose: str
    on: date
    policy_version: int
    status: str  # clear | excluded | possible
    clear: bool
    conflicts: list[ConflictOut]


class DismissalIn(Input, kw_only=True):
    subject_kind: SubjectKind
    subject_id: int
    rule_name: Label
    purpose: Purpose = Purpose.ARGUMENT
    reason: Reason
    by: Who | None = None


class ReversalIn(Input, kw_only=True):
    reason: Reason
    by: Who | None = None


class SubcontractIn(Input, kw_only=True):
    institution_id: int
    consent_given: Flag = False


class CommissionCheckIn(Input, kw_only=True):
    """R-COI-5: the commissioned institution, the outside experts it hires and any subcontractor."""

    institution_id: int
    purpose: Purpose
    hired_expert_ids: Annotated[list[int], Meta(max_length=MAX_LIST)] = []
    subcontractors: Annotated[list[SubcontractIn], Meta(max_length=MAX_LIST)] = []


class CommissionFinding(Struct):
    field: str
    rule_id: str
    sentence: str


class CommissionCheckOut(Struct):
    item_id: int
    purpose: str
    clear: bool
    findings: list[CommissionFinding]
    conflicts: list[ConflictOut]


# --- policy ----------------------------------------------------------------------------------------
class StepIn(Input, kw_only=True):
    kinds: Annotated[list[Label], Meta(max_length=MAX_WORDS)]
    min_repeat: int = 1
    max_repeat: int = 1
    lookback_days: int | None = None
    direction: Label = "forward"  # forward | reverse (the stored edge points at the candidate's side)


class RuleIn(Input, kw_only=True):
    rule_id: Annotated[str, Meta(min_length=1, max_length=32, pattern=_LINE)]
    name: Label
    sentence: Name
    steps: Annotated[list[StepIn], Meta(max_length=MAX_WORDS)]
    purposes: Annotated[list[Label], Meta(max_length=MAX_WORDS)]
    subjects: Annotated[list[Label], Meta(max_length=MAX_WORDS)] = msgspec.field(
        default_factory=lambda: ["expert", "institution"])


class PolicyIn(Input, kw_only=True):
    """A new policy version: the full rule list, or only a new hierarchy depth for the current rules."""

    rules: Annotated[list[RuleIn], Meta(max_length=MAX_LIST)] | None = None
    hierarchy_hops: int | None = None  # checked by the service so a bad value gets 422 with its field
    reason: Reason
    by: Who | None = None


class PolicyOut(Struct):
    version: int
    hierarchy_hops: int
    rules: list[dict]
    reason: str
    changed_by: str
    created_at: datetime | None


class DuplicateOut(Struct):
    id: int
    kind: str
    first_id: int
    second_id: int
    score: float
    reasons: list[str]
    status: str
    decided_by: str
    note: str


class DuplicateDecisionIn(Input, kw_only=True):
    status: Literal["distinct", "same"]
    by: Who
    note: Note = ""


class ScanOut(Struct):
    experts_scanned: int
    institutions_scanned: int
    new_flags: int
