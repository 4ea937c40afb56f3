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

Count = Annotated[int, Meta(ge=0, le=100)]
MAX_MEMBERS = 100  # the largest panel: out-of-pool members are members too


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
    leader_id: int | None = None  # group mode: the unit may name the leader (组长) among the members
    seed: Annotated[int, Meta(ge=0, le=2**63 - 1)] | None = None  # to re-run a recorded draw; normally left out
    requested_by: Who


class ReasonOut(Struct):
    rule_id: str
    message: str
    explanation: str = ""


class ExclusionOut(Struct):
    subject: NodeOut
    stage: str  # registry | conflict | possible_conflict | workload
    reasons: list[ReasonOut]


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
    exclusions: list[ExclusionOut]
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
    opinion: str  # pending | on_time | late | missing
    opinion_submitted_on: date | None


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
    requested_by: str
    panel: PanelOut
    invitations: list[InvitationOut]
    leader_report: str  # not_applicable | pending | on_time | late | missing


class AnswerIn(Input, kw_only=True):
    accept: Flag
    reason: Note = ""
    good_reason: Flag = False  # judged by the office; a decline without good reason counts (R-POOL-5(3))


class AnswerOut(Struct):
    invitation: InvitationOut
    replacement: InvitationOut | None
    panel: PanelOut | None
    shortfall: str = ""


class SubmissionIn(Input, kw_only=True):
    submitted_on: date


class VerificationOut(Struct):
    panel_id: int
    candidates_hash_matches: bool
    same_members: bool
    members: list[int]
    redrawn: list[int]
