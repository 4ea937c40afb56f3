"""Registry storage. History is kept: nothing here is deleted by the service, decisions are new rows."""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Integer,
    LazyTableReference,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table


class Specialty(Table):
    """专业分类: nodes of the controlled tree; top-level nodes are the sub-pools (专业分库)."""

    id: Serial  # the primary key piccolo adds, declared for the type checker

    code = Varchar(length=64, unique=True, index=True)
    name = Varchar(length=100)
    parent_code = Varchar(length=64, null=True, default=None)


class Institution(Table):
    """An organisation: university, institute, law firm, social organisation, consultancy, enterprise,
    government body."""

    id: Serial  # the primary key piccolo adds, declared for the type checker

    name = Varchar(length=200, index=True)
    aliases = JSON(default=[])
    kind = Varchar(length=32)
    uscc = Varchar(length=18, null=True, default=None, unique=True)  # 统一社会信用代码
    parent = ForeignKey(LazyTableReference("Institution", module_path=__name__), null=True, default=None)
    region = Varchar(length=64, default="")
    credit_status = Varchar(length=16, default="good")
    blacklisted = Boolean(default=False)
    created_at = Timestamptz()
    # Decided to be the same as another institution (a possible duplicate decided "same", issue 13): the
    # record kept. The row stays (history, reversal) but leaves lists and draws; see ``RecordMerge``.
    merged_into = Integer(null=True, default=None, index=True)


class EvaluatorPoolEntry(Table):
    """An institution's application to the third-party evaluator pool and its outcome (R-POOL-8)."""

    id: Serial  # the primary key piccolo adds, declared for the type checker

    institution = ForeignKey(Institution, index=True)
    qualifications = JSON(default=[])
    staff_competences = JSON(default=[])
    has_facilities = Boolean(default=False)
    admitted = Boolean(default=False)
    reasons = JSON(default=[])
    removed_on = Date(null=True, default=None)
    removal_reason = Text(default="")
    created_at = Timestamptz()


class Expert(Table):
    """专家. ID number and phone are personal information (R-REC-4): encrypted, with a keyed hash for lookups."""

    id: Serial  # the primary key piccolo adds, declared for the type checker

    name = Varchar(length=64, index=True)
    gender = Varchar(length=8)
    id_number_encrypted = Text()
    id_number_digest = Varchar(length=64, unique=True)
    id_number_masked = Varchar(length=18)
    phone_encrypted = Text()
    phone_masked = Varchar(length=16)
    email = Varchar(length=254, default="")
    title = Varchar(length=64, default="")  # 职称
    region = Varchar(length=64, default="")
    sector = Varchar(length=32)
    created_at = Timestamptz()
    # Decided to be the same as another expert (issue 13): the record kept; see ``RecordMerge``.
    merged_into = Integer(null=True, default=None, index=True)
    # What ``GET /experts?q=`` matches (issue 13): the name folded to simplified characters, its pinyin
    # readings and initials, the current employers' names; written with the profile (registry.domain.search).
    search_key = Text(default="")


class ExpertSpecialty(Table):
    id: Serial  # the primary key piccolo adds, declared for the type checker
    expert = ForeignKey(Expert, index=True)
    specialty_code = Varchar(length=64, index=True)


class ExpertChangeRequest(Table):
    """An expert's own request to change their specialties or sector (their sub-pools), pending until
    the office decides it (issue 11); approval applies it through the office's own change. Every time
    is the service's clock, never the client's."""

    id: Serial  # the primary key piccolo adds, declared for the type checker

    expert = ForeignKey(Expert, index=True)
    fields = JSON(default={})  # the values wanted: {"specialties": [...], "sector": "..."}
    previous = JSON(default={})  # the same fields as they were when the request was made
    reason = Text(default="")
    status = Varchar(length=16, default="pending", index=True)  # pending | approved | refused
    requested_by = Varchar(length=64, default="")
    decided_by = Varchar(length=64, default="")
    decided_at = Timestamptz(null=True, default=None)
    decision_reason = Text(default="")
    created_at = Timestamptz()


class Employment(Table):
    """任职经历: the employer as typed, and the institution it is linked to when known."""

    id: Serial  # the primary key piccolo adds, declared for the type checker

    expert = ForeignKey(Expert, index=True)
    institution = ForeignKey(Institution, null=True, default=None)
    employer_name = Varchar(length=200)
    position = Varchar(length=100, default="")
    start = Date()
    end = Date(null=True, default=None)


class RecruitmentCall(Table):
    """公开遴选公告: a public call for applications to one or more sub-pools (R-POOL-2)."""

    id: Serial  # the primary key piccolo adds, declared for the type checker

    title = Varchar(length=200)
    specialty_codes = JSON(default=[])
    description = Text(default="")
    opens_on = Date()
    closes_on = Date()
    created_at = Timestamptz()


class Application(Table):
    """报名: a candidate's way through qualification review, collective discussion and appointment."""

    id: Serial  # the primary key piccolo adds, declared for the type checker

    call = ForeignKey(RecruitmentCall, index=True)
    expert = ForeignKey(Expert, index=True)
    recommended_by = ForeignKey(Institution, null=True, default=None)
    recommendation_note = Text(default="")
    state = Varchar(length=20)
    findings = JSON(default=[])
    reasons = JSON(default=[])
    decision_meeting_on = Date(null=True, default=None)
    decision_note = Text(default="")
    certificate_no = Varchar(length=64, default="")
    created_at = Timestamptz()
    updated_at = Timestamptz()
    term = Integer(null=True, default=None, index=True)  # the term the appointment opened (issue 13)


class Term(Table):
    """聘期: at most three years (R-POOL-4); a renewal (续聘) points at the term it follows."""

    id: Serial  # the primary key piccolo adds, declared for the type checker

    expert = ForeignKey(Expert, index=True)
    start = Date()
    end = Date()
    previous = ForeignKey(LazyTableReference("Term", module_path=__name__), null=True, default=None)
    certificate_no = Varchar(length=64, default="")
    ended_early_on = Date(null=True, default=None)
    created_at = Timestamptz()


class CommitmentLetter(Table):
    """专家承诺书 signed for one term (R-DUTY-1)."""

    id: Serial  # the primary key piccolo adds, declared for the type checker

    expert = ForeignKey(Expert, index=True)
    term = ForeignKey(Term, index=True)
    text_version = Varchar(length=32)
    commitments = JSON(default={})
    signed_on = Date()
    created_at = Timestamptz()


class PerformanceRating(Table):
    """A drafting unit's rating of an expert's work on one assignment (R-POOL-6)."""

    id: Serial  # the primary key piccolo adds, declared for the type checker

    expert = ForeignKey(Expert, index=True)
    unit = ForeignKey(Institution)
    assignment_ref = Varchar(length=100)
    participation = Integer()
    reliability = Integer()
    implementation_effect = Integer(null=True, default=None)
    comment = Text(default="")
    rated_on = Date()
    created_at = Timestamptz()
    # The accepted invitation rated (issue 11): one rating per invitation (a unique index, made by the
    # migration); None for a rating the office entered by hand.
    invitation = Integer(null=True, default=None, index=True)
    # The office's corrections, oldest first: [{participation, reliability, implementation_effect, reason,
    # by, on}]; the columns above keep the original, the last correction is what the annual review uses.
    corrections = JSON(default=[])


class Decline(Table):
    """An invitation the expert declined (or let expire), and the office's judgement of whether the reason
    was good (R-POOL-5(3)): the expert gives the reason, the office judges it."""

    id: Serial  # the primary key piccolo adds, declared for the type checker

    expert = ForeignKey(Expert, index=True)
    assignment_ref = Varchar(length=100)
    declined_on = Date()
    reason = Text(default="")
    good_reason = Boolean(default=False)  # superseded by judged_good_reason (issue 11); kept for old rows
    created_at = Timestamptz()
    # The declined invitation (issue 11): at most one decline per invitation (a unique index, made by the
    # migration); None for a decline the office entered by hand.
    invitation = Integer(null=True, default=None, index=True)
    judged_good_reason = Boolean(null=True, default=None)  # None: awaiting the office's judgement
    judged_by = Varchar(length=64, default="")  # an office account, or "automatic" (an expired invitation)
    judged_on = Date(null=True, default=None)
    judgement_note = Text(default="")
    judgements = JSON(default=[])  # every judgement and correction, oldest first: [{good_reason, note, by, on, reason}]


class AnnualReview(Table):
    """年度考核: the figures, the proposal with its reasons, and the office's decision (R-POOL-6)."""

    id: Serial  # the primary key piccolo adds, declared for the type checker

    expert = ForeignKey(Expert, index=True)
    year = Integer()
    review_date = Date()
    figures = JSON(default={})
    proposal = Varchar(length=16)
    proposed_dismissal_reason = Varchar(length=2, null=True, default=None)
    reasons = JSON(default=[])
    decision = Varchar(length=16, null=True, default=None)
    decision_note = Text(default="")
    decided_on = Date(null=True, default=None)
    created_at = Timestamptz()


class Dismissal(Table):
    """提前解聘 with its reason code 1-6 (R-POOL-5)."""

    id: Serial  # the primary key piccolo adds, declared for the type checker

    expert = ForeignKey(Expert, index=True)
    reason_code = Varchar(length=2)
    duty_breach = Varchar(length=32, null=True, default=None)  # R-DUTY-2, for codes 1 and 2
    explanation = Text()
    effective_on = Date()
    created_at = Timestamptz()


class DiscreditRecord(Table):
    """失信记录 of an expert or an institution (R-POOL-7, R-POOL-8)."""

    id: Serial  # the primary key piccolo adds, declared for the type checker

    expert = ForeignKey(Expert, null=True, default=None, index=True)
    institution = ForeignKey(Institution, null=True, default=None, index=True)
    kind = Varchar(length=32)
    facts = Text()
    recorded_on = Date()
    created_at = Timestamptz()


class PersonalDataAccess(Table):
    """Every reveal of an expert's unmasked personal data, with the stated reason (R-REC-4)."""

    id: Serial  # the primary key piccolo adds, declared for the type checker

    expert = ForeignKey(Expert, index=True)
    reason = Text()
    accessed_at = Timestamptz()


class PossibleDuplicate(Table):
    """Two experts or two institutions that look like one, flagged on entry or by a scan.

    The table was first created by the conflicts app's migration; it lives here because the
    registry shows the open flags on each record, and the conflicts capability decides them.
    """

    id: Serial  # the primary key piccolo adds, declared for the type checker

    kind = Varchar(length=16)  # expert | institution
    first_id = Integer()
    second_id = Integer(index=True)
    score = Float()
    reasons = JSON(default=[])
    status = Varchar(length=16, default="open")  # open | distinct | same
    decided_by = Varchar(length=64, default="")
    note = Text(default="")
    created_at = Timestamptz()


class RecordMerge(Table):
    """Two experts or two institutions decided to be one (a possible duplicate decided "same"): the
    duplicate's rows were re-pointed to the record kept. ``moved`` lists every row that moved
    ([{table, column, id, from, to}]), so a reversal restores exactly those rows; nothing is deleted."""

    id: Serial  # the primary key piccolo adds, declared for the type checker

    kind = Varchar(length=16)  # expert | institution
    kept_id = Integer(index=True)
    merged_id = Integer(index=True)
    flag = Integer(null=True, default=None, index=True)  # the PossibleDuplicate decided
    moved = JSON(default=[])
    aliases_added = JSON(default=[])  # names of the duplicate institution added to the kept one's aliases
    merged_by = Varchar(length=64, default="")
    note = Text(default="")
    merged_at = Timestamptz()
    reversed_at = Timestamptz(null=True, default=None)
    reversed_by = Varchar(length=64, default="")
    reversal_reason = Text(default="")
    not_restored = JSON(default=[])  # moved rows changed again since the merge, left as they are


class ExpertEligibility(Table):
    """An expert's registry eligibility (R-POOL-4, R-DUTY-1, R-POOL-5, R-POOL-7) stored as a fact (issue 17), so a
    draw reads the eligible of its sub-pools with one query instead of computing the whole pool. Written in the
    unit of work of every change that affects it (terms, letters, dismissals, discredit records, merges) and by
    the daily job; good for every day in [valid_from, valid_until) (None: open), computed again outside it."""

    id: Serial  # the primary key piccolo adds, declared for the type checker

    expert = ForeignKey(Expert, unique=True, index=True)
    eligible = Boolean(default=False, index=True)
    reasons = JSON(default=[])  # [{rule_id, code, message}]
    current_term_id = Integer(null=True, default=None)
    as_of = Date()  # the day it was computed for
    valid_from = Date(null=True, default=None)
    valid_until = Date(null=True, default=None, index=True)


TABLES: list[type[Table]] = [
    Specialty, Institution, EvaluatorPoolEntry, Expert, ExpertSpecialty, ExpertChangeRequest, Employment,
    RecruitmentCall, Application, Term, CommitmentLetter, PerformanceRating, Decline, AnnualReview, Dismissal,
    DiscreditRecord, PersonalDataAccess, PossibleDuplicate, RecordMerge, ExpertEligibility,
]
