"""Request and response bodies of the panel API. Unknown fields are refused, never dropped.

Every string, list and mapping is bounded (issue 12): a request whose balance names 5,000 regions is
refused at validation (400, naming the field) before any database work or the selection lock.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

import msgspec
from msgspec import Meta, Struct

from conflicts.policy import Purpose
from conflicts.schemas import NodeOut, Reason, Who
from core.schemas import MAX_LIST, MAX_MAP, Code, Flag, Input, Name, Note

Score = Annotated[int, Meta(ge=1, le=5, description="1 (poor) to 5 (excellent)")]
_NOTE_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*(?![\s\S])"

Count = Annotated[int, Meta(ge=0, le=100)]
MAX_MEMBERS = 100  # the largest panel: out-of-pool members are members too
MAX_SUB_POOLS = 50  # sub-pools one request or item draws from (issue 17)


class OutOfPoolIn(Input, kw_only=True):
    """An expert invited from outside the pool for a special matter (R-PANEL-3), with the reason."""

    expert_id: int
    reason: Reason


class BalanceIn(Input, kw_only=True):
    """R-PANEL-2. Defaults: one member per employer, no sector more than half the panel (rounded up)."""

    min_per_specialty: Annotated[dict[Code, Count], Meta(max_length=MAX_MAP)] = {}
    max_per_employer: Annotated[int, Meta(ge=1, le=100)] | None = 1
    max_per_sector: Annotated[int, Meta(ge=1, le=100)] | None = None
    max_per_region: Annotated[dict[Name, Count], Meta(max_length=MAX_MAP)] = {}
    # known (earlier opinions, public statements) to hold a different view
    dissenting_ids: Annotated[list[int], Meta(max_length=MAX_LIST)] = []


class PanelRequestIn(Input, kw_only=True):
    item_id: int
    subject_kind: Literal["expert", "institution"] = "expert"
    purpose: Purpose
    mode: Literal["meeting", "individual", "group"] = "meeting"
    size: Annotated[int, Meta(ge=1, le=100)]
    handover_on: date
    deadline: date | None = None  # default: the earliest allowed (7 working days after hand-over)
    answer_working_days: Annotated[int, Meta(ge=1, le=20)] = 3
    balance: BalanceIn = msgspec.field(default_factory=BalanceIn)
    out_of_pool: Annotated[list[OutOfPoolIn], Meta(max_length=MAX_MEMBERS)] = []
    # group mode (R-PANEL-5): the unit may name the leader (组长) here only among the out-of-pool experts it names
    # (422 otherwise); after the draw, ``POST /panel-requests/{id}/leader`` names one among accepted members
    leader_id: int | None = None
    note: Note = ""  # free text; who asks is the login (issue 13)
    # old bodies: kept as part of the note, never as the requester (the login is; issue 13)
    requested_by: Who | None = None
    reverse_argument: Flag = False  # R-PANEL-6: a reverse (infeasibility) argument, 反向论证
    # issue 17 (R-POOL-1): the specialty sub-pools drawn from (each with the specialties below it); none named:
    # the item's own sub-pools, else the whole pool. Experts only.
    sub_pools: Annotated[list[Code], Meta(max_length=MAX_SUB_POOLS)] = []


class ReasonOut(Struct):
    rule_id: str
    message: str
    explanation: str = ""


class ExclusionOut(Struct):
    subject: NodeOut
    stage: str  # registry | conflict | possible_conflict | workload
    reasons: list[ReasonOut]


class ExclusionsSummaryOut(Struct):
    """How many the draw left out (issue 17): in all, by stage, and by rule id (an exclusion counts once for each
    distinct rule among its reasons). The rows: ``GET /panel-requests/{id}/exclusions``."""

    total: int
    by_stage: dict[str, int]
    by_rule: dict[str, int]


class LeftOutOut(Struct):
    """Why one expert (or institution) is not on the panel: ``excluded`` (with the exclusion), ``candidate`` (was
    eligible; not drawn) or ``not_in_pool`` (outside the draw's pool)."""

    subject: NodeOut
    status: str
    exclusion: ExclusionOut | None
    explanation: str


class MemberOut(Struct):
    subject: NodeOut
    probability: float | None  # chance of selection under the plan; None for out-of-pool members
    out_of_pool_reason: str = ""
    leader: bool = False


class PanelOut(Struct):
    id: int
    request_id: int
    supersedes: int | None
    change_reason: str
    seed: str
    candidates_hash: str
    eligible: int
    constraints: dict
    members: list[MemberOut]
    exclusions_summary: ExclusionsSummaryOut  # issue 17: the rows are paged (GET /panel-requests/{id}/exclusions)
    min_probability: float
    upper_bound: float
    policy_version: int
    deadline: date
    notes: list[str]
    created_at: datetime


class InvitationOut(Struct):
    id: int
    request_id: int
    panel_id: int
    subject: NodeOut
    leader: bool
    status: str
    answer_by: date
    answered_at: datetime | None
    decline_reason: str
    good_reason: bool | None
    replaced_by: int | None
    opinion: str  # pending | on_time | late | missing, against this member's own deadline
    opinion_submitted_on: date | None
    deadline: date | None = None  # this member's study deadline (R-PANEL-4): a replacement's may be later


class PanelRequestOut(Struct):
    id: int
    item_id: int
    subject_kind: str
    purpose: str
    mode: str
    size: int
    minimum_size: int
    handover_on: date
    deadline: date
    deadline_provisional: bool
    earliest_deadline: date
    requested_by: str  # the login that asked (issue 13)
    panel: PanelOut
    invitations: list[InvitationOut]
    leader_report: str  # not_applicable | pending | on_time | late | missing
    # R-PANEL-2: "draw 2 of 2 for this item and purpose"; one live request at a time
    draw_number: int = 1
    draws_for_purpose: int = 1
    status: str = "active"  # active | cancellation_requested | cancelled
    cancellation: CancellationOut | None = None
    note: str = ""
    # R-PANEL-4 (issue 13): the latest study deadline of the members (later than ``deadline`` when a
    # replacement's own deadline moved); each invitation shows its member's own
    latest_deadline: date | None = None
    leader_id: int | None = None  # R-PANEL-5: the group's current leader (组长), None for other modes
    reverse_argument: bool = False  # R-PANEL-6: a reverse (infeasibility) argument, 反向论证
    sub_pools: list[str] = []  # issue 17: the sub-pools the draw's universe was (empty: the whole pool)


class LeaderIn(Input, kw_only=True):
    """R-PANEL-5: the unit names the group's leader (组长) among the members who accepted."""

    expert_id: int


class ExpertInvitationOut(Struct):
    """One of an expert's invitations, with the request it belongs to (``GET /experts/{id}/invitations``)."""

    invitation: InvitationOut
    item_id: int
    item_title: str
    purpose: str
    mode: str
    request_status: str


class CancellationOut(Struct):
    """The unit's request to cancel a draw and the office's decision (R-PANEL-2)."""

    reason: str
    requested_at: datetime | None
    approved: bool | None  # None while the office has not decided
    decision_reason: str
    decided_at: datetime | None


class CancellationIn(Input, kw_only=True):
    """The unit asks for its panel request to be cancelled, to draw again (R-PANEL-2); the office decides."""

    reason: Reason


class DecisionIn(Input, kw_only=True):
    """The office's decision on a cancellation or an out-of-pool addition, with its reason."""

    approve: Flag
    reason: Reason


class AnswerIn(Input, kw_only=True):
    """Accept, or decline with a reason (required for a decline). Whether the reason is good is the office's
    judgement (``DeclineJudgementIn``), never the expert's: ``good_reason`` here is refused (400)."""

    accept: Flag
    reason: Annotated[str, Meta(max_length=500, pattern=_NOTE_PATTERN,
                                description="why the expert declines, up to 500 characters")] = ""


class DeclineJudgementIn(Input, kw_only=True):
    """The office's judgement of a decline's reason (R-POOL-5(3)); judged once, a correction needs a reason."""

    good_reason: Flag
    note: Note = ""
    correction_reason: Note = ""  # required when the decline was already judged by the office


class DeclineJudgementOut(Struct):
    invitation_id: int
    decline_id: int
    expert_id: int
    reason: str  # the expert's
    good_reason: bool | None
    judged_by: str
    judged_on: date | None
    note: str
    judgements: list[dict]  # every judgement and correction, oldest first


class InvitationRatingIn(Input, kw_only=True):
    """The drafting unit rates the work of one accepted invitation of its own panel, once (R-POOL-6)."""

    participation: Score
    reliability: Score
    implementation_effect: Score | None = None
    comment: Note = ""


class RatingCorrectionIn(Input, kw_only=True):
    """The office corrects a rating (R-POOL-6): the scores it changes, and why; the original stays visible."""

    participation: Score | None = None
    reliability: Score | None = None
    implementation_effect: Score | None = None
    reason: Reason


class AnswerOut(Struct):
    invitation: InvitationOut
    replacement: InvitationOut | None
    panel: PanelOut | None
    shortfall: str = ""


class SubmissionIn(Input, kw_only=True):
    """An opinion or a leader's report handed in now: the date recorded is the server's (today), never typed."""

    note: Note = ""


class PaperSubmissionIn(Input, kw_only=True):
    """The office records an opinion or report received on paper earlier, with the day and why (recorded)."""

    received_on: date
    reason: Reason


class VerificationCheckOut(Struct):
    """One check of a panel record's verification: candidates_hash, commitment, probabilities (a first
    draw), chain (a replacement: the members before are the replaced record's), members."""

    name: str
    passed: bool | None  # None: the record predates this check (issue 11), so it cannot be made
    detail: str


class VerificationOut(Struct):
    """A panel record re-run from the record alone (R-PANEL-2, R-REC-1): ``verified`` when every check passes."""

    panel_id: int
    kind: str  # draw | replacement
    verified: bool
    candidates_hash_matches: bool
    commitment_matches: bool | None  # None: recorded before seed commitments
    same_members: bool
    members: list[int]
    redrawn: list[int]
    checks: list[VerificationCheckOut]
    notes: list[str]
