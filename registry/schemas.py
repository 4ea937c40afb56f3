"""Request and response bodies of the registry API. Unknown fields are refused, never dropped.

Every string and list of a request body is bounded (issue 12): names, titles and other one-line
fields refuse blank text and control characters; free text may hold line breaks; lists and mappings
have a maximum length. Services store the text stripped and refuse dates out of range (422).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from msgspec import Meta, Struct

from core.schemas import (
    MAX_LIST,
    MAX_MAP,
    Code,
    Email,
    Explanation,
    Facts,
    Flag,
    Input,
    Name,
    Note,
    PersonName,
    Position,
    ShortLine,
    ShortName,
    Version,
)
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

Score = Annotated[int, Meta(ge=1, le=5, description="1 (poor) to 5 (excellent)")]

# The bounds follow the columns' lengths (PostgreSQL refuses a longer value); the text types are core's.
_TEXT = r"^(?=[\s\S]*\S)[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*(?![\s\S])"
RevealReason = Annotated[str, Meta(min_length=4, max_length=500, pattern=_TEXT,
                                   description="why the unmasked data is needed")]
MAX_SPECIALTIES = 50  # specialty codes of one expert or one call
MAX_SHORT_LIST = 50  # aliases, qualifications, employments, findings


class ReasonOut(Struct):
    rule_id: str
    code: str
    message: str


# --- specialties -----------------------------------------------------------------------------------
class SpecialtyCreate(Input, kw_only=True):
    code: Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[A-Z][A-Z0-9_.]*$")]
    name: ShortName
    parent_code: Code | None = None


class SpecialtyOut(Struct):
    code: str
    name: str
    parent_code: str | None
    experts_in_pool: int = 0


# --- institutions ----------------------------------------------------------------------------------
class InstitutionCreate(Input, kw_only=True):
    name: Name
    kind: InstitutionKind
    uscc: ShortLine | None = None  # checked against GB 32100 by the service
    aliases: Annotated[list[Name], Meta(max_length=MAX_SHORT_LIST)] = []
    parent_id: int | None = None
    region: ShortLine = ""
    credit_status: CreditStatus = CreditStatus.GOOD


class InstitutionUpdate(Input, kw_only=True):
    name: Name | None = None
    aliases: Annotated[list[Name], Meta(max_length=MAX_SHORT_LIST)] | None = None
    parent_id: int | None = None
    region: ShortLine | None = None
    credit_status: CreditStatus | None = None


class InstitutionOut(Struct):
    id: int
    name: str
    kind: str
    uscc: str | None
    aliases: list[str]
    parent_id: int | None
    region: str
    credit_status: str
    blacklisted: bool
    in_evaluator_pool: bool
    possible_duplicate_ids: list[int] = []  # open flags: likely the same institution entered twice


class PoolApplicationIn(Input, kw_only=True):
    qualifications: Annotated[list[Name], Meta(max_length=MAX_SHORT_LIST)] = []
    staff_competences: Annotated[list[StaffCompetence], Meta(max_length=MAX_SHORT_LIST)] = []
    has_facilities: Flag


class PoolEntryOut(Struct):
    id: int
    institution_id: int
    institution_name: str
    admitted: bool
    reasons: list[ReasonOut]
    qualifications: list[str]
    staff_competences: list[str]
    has_facilities: bool
    created_at: datetime
    removed_on: date | None = None  # left the pool (a blacklisting), with the reason
    removal_reason: str = ""


class InstitutionEligibilityOut(Struct):
    institution_id: int
    eligible: bool
    reasons: list[ReasonOut]


# --- experts ---------------------------------------------------------------------------------------
class EmploymentIn(Input, kw_only=True):
    employer_name: Name
    start: date
    end: date | None = None
    institution_id: int | None = None
    position: Position = ""


class EmploymentOut(Struct):
    id: int
    employer_name: str
    institution_id: int | None
    position: str
    start: date
    end: date | None


Specialties = Annotated[list[Code], Meta(min_length=1, max_length=MAX_SPECIALTIES)]


class ExpertCreate(Input, kw_only=True):
    name: PersonName
    gender: Gender
    id_number: ShortLine  # checked against GB 11643 by the service
    phone: ShortLine
    sector: Sector
    specialties: Specialties
    email: Email = ""
    title: ShortLine = ""  # professional title (职称)
    region: ShortLine = ""
    employments: Annotated[list[EmploymentIn], Meta(max_length=MAX_SHORT_LIST)] = []


class ExpertUpdate(Input, kw_only=True):
    """A profile change. From the office it applies at once. From the expert, contact data applies at
    once, while specialties and sector (the sub-pools) become a pending change request the office
    decides (issue 11); ``reason`` says why. No time stamp is taken from the body: the service's clock
    dates every request."""

    phone: ShortLine | None = None
    email: Email | None = None
    title: ShortLine | None = None
    region: ShortLine | None = None
    sector: Sector | None = None
    specialties: Specialties | None = None
    reason: Note | None = None  # why the specialties or sector should change (kept on the change request)


class ChangeRequestOut(Struct):
    """An expert's pending or decided request to change their sub-pools (specialties, sector)."""

    id: int
    expert_id: int
    fields: dict  # the values asked for
    previous: dict  # the values when asked
    reason: str
    status: str  # pending | approved | refused
    requested_by: str
    created_at: datetime  # the service's clock
    decided_by: str
    decided_at: datetime | None
    decision_reason: str


class ChangeDecisionIn(Input, kw_only=True):
    """The office's decision on a change request; a refusal needs a reason."""

    approve: Flag
    reason: Note = ""


class TermOut(Struct):
    id: int
    start: date
    end: date
    previous_term_id: int | None
    certificate_no: str
    ended_early_on: date | None
    letter_signed: bool


class EligibilityOut(Struct):
    expert_id: int
    on: date
    eligible: bool
    current_term_id: int | None
    reasons: list[ReasonOut]


class ExpertOut(Struct):
    id: int
    name: str
    gender: str
    id_number: str  # masked unless revealed
    phone: str  # masked unless revealed
    email: str
    title: str
    region: str
    sector: str
    specialties: list[str]
    employments: list[EmploymentOut] = []
    terms: list[TermOut] = []
    eligibility: EligibilityOut | None = None
    possible_duplicate_ids: list[int] = []  # open flags: likely the same person entered twice
    pending_change_request: ChangeRequestOut | None = None  # sub-pool change awaiting the office (issue 11)


class ExpertPage(Struct):
    items: list[ExpertOut]
    total: int
    offset: int
    limit: int


class RevealIn(Input, kw_only=True):
    reason: RevealReason


class PersonalDataOut(Struct):
    expert_id: int
    id_number: str
    phone: str


# --- recruitment -----------------------------------------------------------------------------------
class CallCreate(Input, kw_only=True):
    title: Name
    specialty_codes: Annotated[list[Code], Meta(min_length=1, max_length=MAX_LIST)]
    opens_on: date
    closes_on: date
    description: Note = ""


class CallOut(Struct):
    id: int
    title: str
    specialty_codes: list[str]
    opens_on: date
    closes_on: date
    description: str


class ApplicationCreate(Input, kw_only=True):
    """Either a new candidate's profile, or an existing expert record."""

    expert: ExpertCreate | None = None
    expert_id: int | None = None
    recommended_by_id: int | None = None
    recommendation_note: Note = ""
    applied_on: date | None = None


class FindingIn(Input, kw_only=True):
    condition: Condition
    met: Flag
    note: Note = ""


class QualificationReviewIn(Input, kw_only=True):
    findings: Annotated[list[FindingIn], Meta(min_length=1, max_length=MAX_SHORT_LIST)]


class CollectiveDecisionIn(Input, kw_only=True):
    approved: Flag
    meeting_on: date
    note: Note = ""


class AppointmentIn(Input, kw_only=True):
    start: date
    end: date
    certificate_no: Code


class WithdrawalIn(Input, kw_only=True):
    reason: Note = ""


class ApplicationOut(Struct):
    id: int
    call_id: int
    expert_id: int
    state: ApplicationState
    state_label: str
    allowed_next_steps: list[str]
    recommended_by_id: int | None
    findings: list[dict]
    reasons: list[str]
    term_id: int | None = None  # the term the appointment opened (R-POOL-4)
    expert_name: str = ""  # in a call's list of applications


# --- terms, letters, reviews, dismissal ------------------------------------------------------------
class RenewalIn(Input, kw_only=True):
    certificate_no: Code
    start: date | None = None
    end: date | None = None


class LetterIn(Input, kw_only=True):
    term_id: int
    text_version: Version
    commitments: Annotated[dict[Code, Flag], Meta(max_length=MAX_MAP)]
    signed_on: date


class LetterOut(Struct):
    id: int
    term_id: int
    text_version: str
    commitments: dict[str, bool]
    signed_on: date
    expert_id: int | None = None
    text: str = ""  # the wording of the version signed (R-DUTY-1)
    commitment_labels: dict[str, str] = {}  # each commitment's wording, NMG-E art.11


class RatingIn(Input, kw_only=True):
    unit_id: int
    assignment_ref: ShortName
    participation: Score
    reliability: Score
    implementation_effect: Score | None = None
    comment: Note = ""
    rated_on: date


class RatingEffectIn(Input, kw_only=True):
    implementation_effect: Score


class RatingOut(Struct):
    id: int
    expert_id: int
    unit_id: int
    assignment_ref: str
    participation: int
    reliability: int
    implementation_effect: int | None
    comment: str
    rated_on: date
    invitation_id: int | None = None  # the accepted invitation rated (None: entered by the office by hand)
    corrections: list[dict] = []  # the office's corrections with their reasons; the scores above are the original


class DeclineIn(Input, kw_only=True):
    assignment_ref: ShortName
    declined_on: date
    reason: Note = ""
    good_reason: Flag


class DeclineOut(Struct):
    id: int
    assignment_ref: str
    declined_on: date
    reason: str
    good_reason: bool | None  # the office's judgement; None: not judged yet (R-POOL-5(3))
    judged_by: str = ""
    invitation_id: int | None = None
    judgements: list[dict] = []


class AnnualReviewIn(Input, kw_only=True):
    year: Annotated[int, Meta(ge=2000, le=2100)]
    review_date: date


class AnnualDecisionIn(Input, kw_only=True):
    decision: ReviewProposal
    decided_on: date
    note: Note = ""
    certificate_no: ShortLine = ""  # for a renewal


class AnnualReviewOut(Struct):
    id: int
    expert_id: int
    year: int
    review_date: date
    figures: dict
    proposal: str
    proposal_label: str
    proposed_dismissal_reason: str | None
    reasons: list[ReasonOut]
    decision: str | None
    decision_note: str
    decided_on: date | None
    status: str = "open"  # open (awaiting the office's decision) | decided


class DismissalIn(Input, kw_only=True):
    reason_code: DismissalReason
    duty_breach: DutyBreach | None = None
    explanation: Explanation
    effective_on: date


class DismissalOut(Struct):
    id: int
    expert_id: int
    reason_code: str
    reason_label: str
    rule_id: str
    duty_breach: str | None
    duty_breach_label: str | None
    explanation: str
    effective_on: date


class DiscreditIn(Input, kw_only=True):
    kind: DiscreditKind
    facts: Facts
    recorded_on: date


class DiscreditOut(Struct):
    id: int
    expert_id: int | None
    institution_id: int | None
    kind: str
    kind_label: str
    facts: str
    recorded_on: date
