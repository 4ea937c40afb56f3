"""The argument's events (on the item's record) and the bodies and answers of its endpoints (issue 14, R-PANEL-5,
R-PANEL-7, R-DUTY-2), used by ``assignment.procedure.report`` and its controllers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated

from msgspec import Meta, Struct

from core.schemas import Input, Note

LongText = Annotated[str, Meta(min_length=1, max_length=50_000, pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$",
                               description="1-50000 characters, line breaks allowed")]
ExpertId = Annotated[int, Meta(ge=1, le=2**31 - 1)]


# --- events (on the item's record through the request's subject) ----------------------------------------------
@dataclass(frozen=True)
class OpinionAttached:
    """A member attached a file to their signed opinion (R-DUTY-2)."""

    invitation_id: int
    sha256: str
    size: int
    by: str
    at: datetime


@dataclass(frozen=True)
class MinutesRecorded:
    """The meeting's minutes were recorded (R-PANEL-5)."""

    request_id: int
    minutes_id: int
    attendees: tuple[int, ...]
    by: str
    at: datetime


@dataclass(frozen=True)
class GroupDraftSubmitted:
    """The group leader (组长) drafted the report (R-PANEL-5)."""

    request_id: int
    leader: int
    by: str
    at: datetime


@dataclass(frozen=True)
class CoSigned:
    """A member co-signed the leader's draft, or recorded dissent with its reason (R-PANEL-5)."""

    request_id: int
    expert_id: int
    agrees: bool
    reason: str
    by: str
    at: datetime


@dataclass(frozen=True)
class ArgumentReportIssued:
    """The argument report was assembled and stored with its digest (R-PANEL-5, R-PANEL-7)."""

    request_id: int
    report_id: int
    sha256: str
    by: str
    at: datetime


@dataclass(frozen=True)
class ReportAdopted:
    """The unit recorded, member by member, whether each opinion was adopted, or the office corrected it
    (R-PANEL-7); ``not_adopted``: (expert id, reason) of each opinion not adopted, fed back to the expert."""

    request_id: int
    report_id: int
    adoption_id: int
    item_title: str
    correction: bool
    not_adopted: tuple[tuple[int, str], ...]
    by: str
    at: datetime


# --- inputs and answers ----------------------------------------------------------------------------------------
class MinutesIn(Input, kw_only=True):
    """The meeting's minutes: the text, the day it met and the members present (expert ids who accepted)."""

    text: LongText
    meeting_on: date
    attendees: Annotated[list[ExpertId], Meta(min_length=1, max_length=100)]


class DraftIn(Input, kw_only=True):
    """The group leader's draft of the report, signed by the leader's own login (R-PANEL-5, R-DUTY-2)."""

    text: LongText
    signed: bool = False


class CoSignIn(Input, kw_only=True):
    """A member's co-signature (``agrees: true``) or dissent with its reason, signed by their own login."""

    agrees: bool
    reason: Note = ""
    signed: bool = False


class AdoptionEntryIn(Input, kw_only=True):
    """One member's opinion: adopted or not; when not, the reason (fed back to the expert, R-PANEL-7)."""

    expert_id: ExpertId
    adopted: bool
    reason: Note = ""


class AdoptionIn(Input, kw_only=True):
    """The adoption of the report, one entry per member; ``reason``: the office's reason for a correction."""

    entries: Annotated[list[AdoptionEntryIn], Meta(min_length=1, max_length=100)]
    reason: Note = ""


class AdoptionEntryOut(Struct, kw_only=True):
    expert_id: int
    invitation_id: int
    name: str
    adopted: bool
    reason: str


class AdoptionOut(Struct, kw_only=True):
    id: int
    report_id: int
    correction: bool
    correction_reason: str
    entries: list[AdoptionEntryOut]
    recorded_by: str
    role: str
    recorded_at: datetime


class AdoptionsOut(Struct, kw_only=True):
    """Every adoption record of the report, the unit's first, then the office's corrections; ``current`` is the
    latest."""

    request_id: int
    current: AdoptionOut
    history: list[AdoptionOut]


class AttachmentOut(Struct, kw_only=True):
    invitation_id: int
    filename: str
    media_type: str
    sha256: str
    size: int
    uploaded_by: str
    uploaded_at: datetime


class MinutesOut(Struct, kw_only=True):
    request_id: int
    text: str
    meeting_on: date
    attendees: list[int]
    recorded_by: str
    recorded_at: datetime


class CoSignatureOut(Struct, kw_only=True):
    expert_id: int
    agrees: bool
    reason: str
    signed_by: str
    signed_at: datetime


class GroupDraftOut(Struct, kw_only=True):
    request_id: int
    leader: int
    text: str
    drafted_by: str
    drafted_at: datetime
    cosignatures: list[CoSignatureOut]


class MissingOut(Struct, kw_only=True):
    field: str
    reason: str
    rule_id: str | None


class ArgumentOut(Struct, kw_only=True):
    """Whether the argument is complete for its mode (R-PANEL-5), and what is missing."""

    request_id: int
    mode: str
    complete: bool
    missing: list[MissingOut]
    report_issued: bool


class ReportOut(Struct, kw_only=True):
    id: int
    request_id: int
    sha256: str
    issued_by: str
    issued_at: datetime
    data: dict
