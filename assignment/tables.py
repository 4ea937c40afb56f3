"""Panel requests, issued panel records and invitations.

An issued ``Panel`` row never changes: a replacement is a new row that points back with
``supersedes`` and says why. Invitations carry the answers and the written opinions.
"""

from __future__ import annotations

from piccolo.columns import JSON, Boolean, Date, Float, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from decisions.tables import DecisionItem


class PanelRequest(Table):
    """A drafting unit's (决策承办单位) request for experts or institutions for one decision item."""

    id: Serial  # the primary key piccolo adds, declared for the type checker

    item = ForeignKey(DecisionItem, index=True)
    subject_kind = Varchar(length=16)  # expert | institution
    purpose = Varchar(length=32)  # argument | risk_assessment | post_evaluation
    mode = Varchar(length=16)  # meeting | individual | group (R-PANEL-5)
    size = Integer()
    handover_on = Date()  # materials handed over
    deadline = Date()  # study deadline, ≥ 7 working days after hand-over (R-PANEL-4)
    deadline_provisional = Boolean(default=False)
    answer_working_days = Integer(default=3)
    constraints = JSON()
    out_of_pool = JSON(default=[])  # [{expert_id, reason}] (R-PANEL-3)
    requested_by = Varchar(length=200)  # the login that asked (issue 13): username, and the unit's id
    leader_report_on = Date(null=True, default=None)
    created_at = Timestamptz()
    # R-PANEL-2: the n-th draw for this item, purpose and kind; one live request at a time
    draw_number = Integer(default=1)
    status = Varchar(length=24, default="active")  # active | cancellation_requested | cancelled
    cancellation_reason = Text(default="")  # the unit's reason for asking
    cancellation_requested_at = Timestamptz(null=True, default=None)
    cancellation_approved = Boolean(null=True, default=None)  # the office's decision
    cancellation_decision_reason = Text(default="")
    cancellation_decided_at = Timestamptz(null=True, default=None)
    # R-PANEL-5 (issue 13): the leader (组长) the unit named among accepted members; None: the drawn one
    leader_id = Integer(null=True, default=None)
    note = Text(default="")  # the unit's free-text note; who asked is the login (requested_by)
    reverse_argument = Boolean(default=False)  # R-PANEL-6: a reverse (infeasibility) argument, 反向论证
    sub_pools = JSON(default=[])  # issue 17: the specialty sub-pools drawn from (named or the item's); []: whole pool


class Panel(Table):
    """An issued panel record: members, alternates, exclusions with reasons, seed, constraints, deadline."""

    id: Serial  # the primary key piccolo adds, declared for the type checker

    # Not named ``request``: its index would be called panel_request, the name of the requests table.
    panel_request = ForeignKey(PanelRequest, index=True)
    supersedes = Integer(null=True, default=None)
    change_reason = Text(default="")
    seed = Varchar(length=32)
    candidates = JSON()  # the frozen eligible list: [{id, specialties, employer, sector, region}]
    candidates_hash = Varchar(length=64)
    constraints = JSON()
    plan = JSON()
    probabilities = JSON()  # {candidate id: chance of selection}
    exclusions = JSON()  # [{kind, id, name, stage, reasons: [{rule_id, message, explanation}]}]
    members = JSON()
    out_of_pool = JSON(default=[])
    leader = Integer(null=True, default=None)
    policy_version = Integer()
    deadline = Date()
    min_probability = Float()
    upper_bound = Float()
    notes = JSON(default=[])
    created_at = Timestamptz()
    # R-PANEL-2 (issue 11): sha256(f"{seed}:{candidates_hash}"), the commitment to this record's seed
    seed_commitment = Varchar(length=64, default="")
    # a replacement's draw, so it can be re-run from the record: {leaving, members_before, unavailable,
    # skipped: [{id, reason, rule_id}]}; {} for a first draw (and for replacements stored before issue 11)
    replacement = JSON(default={})


class Invitation(Table):
    """An invitation to one member, the answer, and the written opinion's timeliness."""

    id: Serial  # the primary key piccolo adds, declared for the type checker

    request = ForeignKey(PanelRequest, index=True)
    panel = ForeignKey(Panel)  # the record that invited this member
    subject_kind = Varchar(length=16)
    subject_id = Integer(index=True)
    leader = Boolean(default=False)
    # pending | accepted | declined | expired | awaiting_approval | refused | withdrawn (R-PANEL-2/3)
    status = Varchar(length=24, default="pending")
    answer_by = Date()
    answered_at = Timestamptz(null=True, default=None)
    decline_reason = Text(default="")
    good_reason = Boolean(null=True, default=None)
    replaced_by = Integer(null=True, default=None)
    opinion_submitted_on = Date(null=True, default=None)
    created_at = Timestamptz()
    # R-PANEL-4 (issue 13): this member's own study deadline; a replacement keeps 7 working days of study,
    # so it may be later than the request's. None (rows before issue 13): the request's deadline.
    deadline = Date(null=True, default=None)


class Material(Table):
    """A file the drafting unit handed over for a panel request (R-PANEL-4, R-PANEL-6), stored under the data
    directory by its SHA-256; who uploaded it is the login, when is the server's time."""

    id: Serial  # the primary key piccolo adds, declared for the type checker

    request = ForeignKey(PanelRequest, index=True)
    filename = Varchar(length=200)
    media_type = Varchar(length=100)
    sha256 = Varchar(length=64)
    size = Integer()
    uploaded_by = Varchar(length=200)
    uploaded_at = Timestamptz()


class OpinionText(Table):
    """The text of a member's written opinion, signed by the invited expert's own login (R-DUTY-2)."""

    id: Serial  # the primary key piccolo adds, declared for the type checker

    invitation = ForeignKey(Invitation, index=True, unique=True)
    text = Text()
    signed_by = Varchar(length=200)
    signed_at = Timestamptz()


TABLES: list[type[Table]] = [PanelRequest, Panel, Invitation, Material, OpinionText]


# --- the compact record of a draw (issue 17), written by assignment/services/requests.py ---
class DrawRecord(Table):
    """A request's draw, the part that grows with the pool, stored once per request (issue 17): the frozen
    candidate list in its canonical form (``assignment.selection.frozen``: zlib, base64) with the SHA-256 of
    that form and the count, and the exclusions' counts by stage and rule id with the hash of the exclusion
    rows (``PanelExclusion``). A panel record (``Panel``) keeps ``candidates_hash`` and no lists."""

    id: Serial  # the primary key piccolo adds, declared for the type checker

    request = ForeignKey(PanelRequest, index=True, unique=True)
    panel = Integer()  # the first panel record (the draw)
    candidates = Text()  # base64(zlib(canonical JSON rows [id, specialties, employer, sector, region]))
    candidates_sha256 = Varchar(length=64)  # of the canonical JSON text
    eligible = Integer()
    exclusions_total = Integer(default=0)
    exclusions_summary = JSON(default={})  # {total, by_stage: {stage: n}, by_rule: {rule id: n}}
    exclusions_hash = Varchar(length=64, default="")  # assignment.selection.frozen.exclusions_hash
    created_at = Timestamptz()


class PanelExclusion(Table):
    """Everyone a draw left out, one row each (issue 17), with the stage and every reason (rule id, message,
    explanation); ``rule_ids`` is ``,R-COI-1,R-POOL-4,`` for filtering. Indexed by (request, stage) and
    (request, subject_id) in the migration."""

    id: Serial  # the primary key piccolo adds, declared for the type checker

    request = ForeignKey(PanelRequest, index=True)
    kind = Varchar(length=16)  # expert | institution
    subject_id = Integer()
    stage = Varchar(length=24)  # registry | conflict | possible_conflict | workload
    rule_ids = Text(default=",")
    reasons = JSON(default=[])  # [{rule_id, message, explanation}]


TABLES.extend([DrawRecord, PanelExclusion])


# --- the argument's own record (issue 14, R-PANEL-5, R-PANEL-7, R-DUTY-2), in assignment/procedure/report.py ---
class OpinionAttachment(Table):
    """A file attached to a member's signed opinion (R-DUTY-2), stored like the hand-over material by its SHA-256."""

    id: Serial  # the primary key piccolo adds, declared for the type checker

    invitation = ForeignKey(Invitation, index=True, unique=True)
    filename = Varchar(length=200)
    media_type = Varchar(length=100)
    sha256 = Varchar(length=64)
    size = Integer()
    uploaded_by = Varchar(length=200)
    uploaded_at = Timestamptz()


class ArgumentMinutes(Table):
    """Meeting mode (R-PANEL-5): the minutes the unit (or the office) records, once, with the meeting's date and
    the attending members (expert ids among those who accepted)."""

    id: Serial  # the primary key piccolo adds, declared for the type checker

    request = ForeignKey(PanelRequest, index=True, unique=True)
    text = Text()
    meeting_on = Date()
    attendees = JSON(default=[])
    recorded_by = Varchar(length=200)
    recorded_at = Timestamptz()


class GroupDraft(Table):
    """Group mode (R-PANEL-5): the report text the leader (组长) drafts, once, with the leader's own login."""

    id: Serial  # the primary key piccolo adds, declared for the type checker

    request = ForeignKey(PanelRequest, index=True, unique=True)
    leader = Integer()
    text = Text()
    drafted_by = Varchar(length=200)
    drafted_at = Timestamptz()


class CoSignature(Table):
    """Group mode (R-PANEL-5): a member's co-signature of the leader's draft, or dissent with its reason; once
    per member (``once`` is "request:expert", unique)."""

    id: Serial  # the primary key piccolo adds, declared for the type checker

    request = ForeignKey(PanelRequest, index=True)
    expert = Integer()
    once = Varchar(length=64, unique=True)
    agrees = Boolean(default=True)
    reason = Text(default="")
    signed_by = Varchar(length=200)
    signed_at = Timestamptz()


class ArgumentReport(Table):
    """The argument report (论证报告, R-PANEL-5): assembled once from the stored opinions, minutes or the group's
    draft and co-signatures; never changed; ``sha256`` is the digest of its canonical JSON."""

    id: Serial  # the primary key piccolo adds, declared for the type checker

    request = ForeignKey(PanelRequest, index=True, unique=True)
    data = JSON()
    sha256 = Varchar(length=64)
    issued_by = Varchar(length=200)
    issued_at = Timestamptz()



class ReportAdoption(Table):
    """R-PANEL-7: the drafting unit's record, member by member, of whether each opinion was adopted and, where not,
    why. The unit records once (``original_of`` is the report's id, unique); the office's corrections are further
    rows with their reason (``original_of`` None); every row is kept."""

    id: Serial  # the primary key piccolo adds, declared for the type checker

    report = ForeignKey(ArgumentReport, index=True)
    original_of = Integer(null=True, default=None, unique=True)
    entries = JSON(default=[])  # [{expert_id, invitation_id, name, adopted, reason}]
    correction_reason = Text(default="")
    recorded_by = Varchar(length=200)
    role = Varchar(length=16)
    recorded_at = Timestamptz()


TABLES.extend([OpinionAttachment, ArgumentMinutes, GroupDraft, CoSignature, ArgumentReport, ReportAdoption])


# --- post-decision evaluation (issue 14, R-EVAL-1), in assignment/procedure/evaluation_group.py ---
class EvaluationGroup(Table):
    """A mixed post-decision evaluation group (R-EVAL-1): the evaluating unit, the named representatives of the units
    involved, and links to the drawn panels of field experts and of third-party institutions (purpose
    post_evaluation). One group per evaluation; its members are read from the linked panels' invitations."""

    id: Serial  # the primary key piccolo adds, declared for the type checker

    item = ForeignKey(DecisionItem, index=True)
    evaluation_id = Integer(unique=True)  # the item's evaluation (decisions ItemEvaluation) the group does
    evaluating_unit_id = Integer()  # an institution of the registry
    representatives = JSON(default=[])  # [{name, unit, role}]
    expert_request_id = Integer()
    institution_request_id = Integer()
    created_by = Varchar(length=200)
    created_at = Timestamptz()


class EvaluationReport(Table):
    """The evaluation report (评估报告), stored once with the SHA-256 of its content (issue 14)."""

    id: Serial  # the primary key piccolo adds, declared for the type checker

    item = ForeignKey(DecisionItem, index=True)
    evaluation_id = Integer(unique=True)
    group_id = Integer()
    conclusions = Text()
    recommendations = JSON(default=[])
    findings = JSON(default=[])  # [{trigger, finding}]
    sha256 = Varchar(length=64)
    filed_by = Varchar(length=200)
    filed_at = Timestamptz()


TABLES.extend([EvaluationGroup, EvaluationReport])


# --- the commissioned organiser (issue 14, R-PANEL-8, R-COI-5), in assignment/procedure/commission.py ---
class Commission(Table):
    """A drafting unit commissions an institution of the evaluator pool to organise the argument of one item
    (R-PANEL-8): scope, dates, consent to subcontract (R-COI-5); the organiser account bound to it; revocation."""

    id: Serial  # the primary key piccolo adds, declared for the type checker

    item = ForeignKey(DecisionItem, index=True)
    institution = Integer(index=True)
    purpose = Varchar(length=32, default="argument")
    scope = Text()
    starts_on = Date()
    ends_on = Date()
    may_subcontract = Boolean(default=False)
    commissioned_by = Varchar(length=200)
    commissioned_at = Timestamptz()
    organiser_account = Integer(null=True, default=None, unique=True)
    revoked_on = Date(null=True, default=None)
    revocation_reason = Text(default="")
    revoked_by = Varchar(length=200, default="")


class CommissionHire(Table):
    """An outside expert the organiser hires, or a subcontractor with the unit's consent (R-COI-5), after the same
    registry and conflict checks as a drawn member; a refused one is kept with its reasons (status refused)."""

    id: Serial  # the primary key piccolo adds, declared for the type checker

    commission = ForeignKey(Commission, index=True)
    kind = Varchar(length=16)  # expert | subcontractor
    expert_id = Integer(null=True, default=None)
    institution_id = Integer(null=True, default=None)
    name = Varchar(length=200, default="")
    employer = Varchar(length=200, default="")
    scope = Text(default="")
    status = Varchar(length=16)  # hired | refused
    reasons = JSON(default=[])  # [{field, rule_id, reason}]
    by = Varchar(length=200)
    at = Timestamptz()


TABLES.extend([Commission, CommissionHire])
