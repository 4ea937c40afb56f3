"""Request and response bodies of the registry API. Unknown fields are refused, never dropped."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from msgspec import Meta, Struct

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

NonEmpty = Annotated[str, Meta(min_length=1, max_length=200)]
Score = Annotated[int, Meta(ge=1, le=5, description="1 (poor) to 5 (excellent)")]


class Input(Struct, forbid_unknown_fields=True, kw_only=True):
    """Base of every request body."""


class ReasonOut(Struct):
    rule_id: str
    code: str
    message: str


# --- specialties -----------------------------------------------------------------------------------
class SpecialtyCreate(Input, kw_only=True):
    code: Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[A-Z][A-Z0-9_.]*$")]
    name: NonEmpty
    parent_code: str | None = None


class SpecialtyOut(Struct):
    code: str
    name: str
    parent_code: str | None
    experts_in_pool: int = 0


# --- institutions ----------------------------------------------------------------------------------
class InstitutionCreate(Input, kw_only=True):
    name: NonEmpty
    kind: InstitutionKind
    uscc: str | None = None
    aliases: list[Annotated[str, Meta(min_length=1, max_length=200)]] = []
    parent_id: int | None = None
    region: str = ""
    credit_status: CreditStatus = CreditStatus.GOOD


class InstitutionUpdate(Input, kw_only=True):
    name: NonEmpty | None = None
    aliases: list[Annotated[str, Meta(min_length=1, max_length=200)]] | None = None
    parent_id: int | None = None
    region: str | None = None
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
    qualifications: list[NonEmpty] = []
    staff_competences: list[StaffCompetence] = []
    has_facilities: bool


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


class InstitutionEligibilityOut(Struct):
    institution_id: int
    eligible: bool
    reasons: list[ReasonOut]


# --- experts ---------------------------------------------------------------------------------------
class EmploymentIn(Input, kw_only=True):
    employer_name: NonEmpty
    start: date
    end: date | None = None
    institution_id: int | None = None
    position: str = ""


class EmploymentOut(Struct):
    id: int
    employer_name: str
    institution_id: int | None
    position: str
    start: date
    end: date | None


class ExpertCreate(Input, kw_only=True):
    name: Annotated[str, Meta(min_length=1, max_length=64)]
    gender: Gender
    id_number: str
    phone: str
    sector: Sector
    specialties: Annotated[list[str], Meta(min_length=1)]
    email: str = ""
    title: str = ""
    region: str = ""
    employments: list[EmploymentIn] = []


class ExpertUpdate(Input, kw_only=True):
    phone: str | None = None
    email: str | None = None
    title: str | None = None
    region: str | None = None
    sector: Sector | None = None
    specialties: Annotated[list[str], Meta(min_length=1)] | None = None


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


class ExpertPage(Struct):
    items: list[ExpertOut]
    total: int
    offset: int
    limit: int


class RevealIn(Input, kw_only=True):
    reason: Annotated[str, Meta(min_length=4, max_length=500, description="why the unmasked data is needed")]


class PersonalDataOut(Struct):
    expert_id: int
    id_number: str
    phone: str


# --- recruitment -----------------------------------------------------------------------------------
class CallCreate(Input, kw_only=True):
    title: NonEmpty
    specialty_codes: Annotated[list[str], Meta(min_length=1)]
    opens_on: date
    closes_on: date
    description: str = ""


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
    recommendation_note: str = ""
    applied_on: date | None = None


class FindingIn(Input, kw_only=True):
    condition: Condition
    met: bool
    note: str = ""


class QualificationReviewIn(Input, kw_only=True):
    findings: Annotated[list[FindingIn], Meta(min_length=1)]


class CollectiveDecisionIn(Input, kw_only=True):
    approved: bool
    meeting_on: date
    note: str = ""


class AppointmentIn(Input, kw_only=True):
    start: date
    end: date
    certificate_no: Annotated[str, Meta(min_length=1, max_length=64)]


class WithdrawalIn(Input, kw_only=True):
    reason: str = ""


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
    term_id: int | None = None


# --- terms, letters, reviews, dismissal ------------------------------------------------------------
class RenewalIn(Input, kw_only=True):
    certificate_no: Annotated[str, Meta(min_length=1, max_length=64)]
    start: date | None = None
    end: date | None = None


class LetterIn(Input, kw_only=True):
    term_id: int
    text_version: str
    commitments: dict[str, bool]
    signed_on: date


class LetterOut(Struct):
    id: int
    term_id: int
    text_version: str
    commitments: dict[str, bool]
    signed_on: date


class RatingIn(Input, kw_only=True):
    unit_id: int
    assignment_ref: NonEmpty
    participation: Score
    reliability: Score
    implementation_effect: Score | None = None
    comment: str = ""
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


class DeclineIn(Input, kw_only=True):
    assignment_ref: NonEmpty
    declined_on: date
    reason: str = ""
    good_reason: bool


class DeclineOut(Struct):
    id: int
    assignment_ref: str
    declined_on: date
    reason: str
    good_reason: bool


class AnnualReviewIn(Input, kw_only=True):
    year: Annotated[int, Meta(ge=2000, le=2100)]
    review_date: date


class AnnualDecisionIn(Input, kw_only=True):
    decision: ReviewProposal
    decided_on: date
    note: str = ""
    certificate_no: str = ""  # for a renewal


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


class DismissalIn(Input, kw_only=True):
    reason_code: DismissalReason
    duty_breach: DutyBreach | None = None
    explanation: Annotated[str, Meta(min_length=1, max_length=2000)]
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
    facts: Annotated[str, Meta(min_length=1, max_length=4000)]
    recorded_on: date


class DiscreditOut(Struct):
    id: int
    expert_id: int | None
    institution_id: int | None
    kind: str
    kind_label: str
    facts: str
    recorded_on: date
