"""Registry endpoints under /api/v1: thin wrappers that turn JSON into service calls."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from litestar import Controller, Request, Response, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_202_ACCEPTED

from core.api import DEPS, Limit, Offset, read_cache_key
from core.locks import read_transaction
from core.records import get_or_404
from core.schemas import Page
from core.settings import get_settings
from registry import schemas as s
from registry.domain.recruitment import ApplicationState
from registry.domain.vocab import DiscreditKind, DismissalReason, InstitutionKind, ReviewProposal, Sector
from registry.services import (
    dismissals,
    experts,
    institutions,
    office_views,
    recruitment,
    reviews,
    specialties,
    terms,
    views,
)
from registry.services.reviews import Participation
from registry.services.standing import eligibility_for
from registry.tables import Application, CommitmentLetter, Expert, ExpertChangeRequest, Institution, RecruitmentCall

READ_CACHE = get_settings().read_cache_seconds


def caller(request: Request) -> tuple[str, str]:
    """The caller's role and account name, as the access guard established them (``office`` acts directly)."""
    user = request.scope.get("user")
    return getattr(user, "role", ""), getattr(user, "username", "")

# A search text or filter in the query string: bounded like a name (issue 12).
SearchText = Annotated[str | None, QueryParameter(max_length=200)]
# ``state`` is a name Litestar keeps for the application's state: the query parameter is read under another name.
StateFilter = Annotated[ApplicationState | None, QueryParameter(name="state")]


class SpecialtyController(Controller):
    path = "/specialties"
    tags = ["specialties"]
    dependencies = DEPS

    @get("/", summary="The specialty tree; each node is a sub-pool with its count of eligible experts (R-POOL-1)")
    async def tree(self, today: NamedDependency[date], on: FromQuery[date | None] = None) -> list[s.SpecialtyOut]:
        return await views.specialty_tree_with_counts(on or today)

    @post("/", summary="Add a node to the specialty tree")
    async def create(self, data: JSONBody[s.SpecialtyCreate]) -> s.SpecialtyOut:
        row = await specialties.create_specialty(data)
        return s.SpecialtyOut(row.code, row.name, row.parent_code)


class InstitutionController(Controller):
    path = "/institutions"
    tags = ["institutions"]

    @post("/", summary="Register an institution (unified social credit code checked per GB 32100)")
    async def create(self, data: JSONBody[s.InstitutionCreate]) -> s.InstitutionOut:
        return await views.institution_view(await institutions.create_institution(data))

    @get("/")
    async def index(self, offset: Offset = 0, limit: Limit = 50, q: SearchText = None,
                    kind: FromQuery[InstitutionKind | None] = None,
                    in_pool: FromQuery[bool | None] = None) -> Page[s.InstitutionOut]:
        return await views.list_institutions(q, kind.value if kind else None, offset, limit, in_pool)

    @get("/{institution_id:int}")
    async def show(self, institution_id: FromPath[int]) -> s.InstitutionOut:
        return await views.institution_view(await get_or_404(Institution, institution_id, "institution"))

    @patch("/{institution_id:int}")
    async def update(self, institution_id: FromPath[int], data: JSONBody[s.InstitutionUpdate]) -> s.InstitutionOut:
        return await views.institution_view(await institutions.update_institution(institution_id, data))

    @post("/{institution_id:int}/evaluator-pool",
          summary="Apply to the third-party evaluator pool; admitted or refused with reasons (R-POOL-8)")
    async def apply_to_pool(self, institution_id: FromPath[int], data: JSONBody[s.PoolApplicationIn]) -> s.PoolEntryOut:
        entry = await institutions.apply_to_evaluator_pool(institution_id, data)
        return next(e for e in await views.pool_entries(institution_id) if e.id == entry.id)

    @get("/{institution_id:int}/evaluator-pool")
    async def pool_history(self, institution_id: FromPath[int], offset: Offset = 0,
                           limit: Limit = 50) -> Page[s.PoolEntryOut]:
        await get_or_404(Institution, institution_id, "institution")
        return await views.pool_entry_page(institution_id, False, offset, limit)

    @get("/{institution_id:int}/eligibility", summary="Whether the institution may be commissioned (R-POOL-8)")
    async def eligibility(self, institution_id: FromPath[int]) -> s.InstitutionEligibilityOut:
        reasons = await institutions.institution_eligibility_of(institution_id)
        return s.InstitutionEligibilityOut(institution_id, not reasons, views.reasons_out(reasons))

    @post("/{institution_id:int}/discredit-records",
          summary="File a discredit record; cheating in an evaluation blacklists for good (R-POOL-8)")
    async def discredit(self, institution_id: FromPath[int], data: JSONBody[s.DiscreditIn]) -> s.DiscreditOut:
        return office_views.discredit_out(await institutions.record_institution_discredit(institution_id, data))


class EvaluatorPoolController(Controller):
    path = "/evaluator-pool"
    tags = ["institutions"]

    @get("/", summary="Institutions admitted to the third-party evaluator pool (第三方评估机构库)")
    async def members(self, offset: Offset = 0, limit: Limit = 50) -> Page[s.PoolEntryOut]:
        return await views.pool_entry_page(None, True, offset, limit)


class ExpertController(Controller):
    path = "/experts"
    tags = ["experts"]
    dependencies = DEPS

    @post("/", summary="Register an expert profile (ID number checked per GB 11643; stored encrypted)")
    async def create(self, data: JSONBody[s.ExpertCreate], today: NamedDependency[date]) -> s.ExpertOut:
        expert = await experts.create_expert(data)
        return await views.expert_detail(expert.id, today)

    @get("/", summary="Experts, ID numbers and phones masked (R-REC-4)", cache=READ_CACHE or False,
         cache_key_builder=read_cache_key)
    async def index(self, today: NamedDependency[date], offset: Offset = 0, limit: Limit = 50,
                    specialty: SearchText = None, sector: FromQuery[Sector | None] = None,
                    region: SearchText = None, q: SearchText = None, employer: SearchText = None,
                    eligible: FromQuery[bool | None] = None, on: FromQuery[date | None] = None) -> s.ExpertPage:
        """``q`` finds a name as written, in traditional or simplified characters, by its pinyin (``gongxuan``) or
        initials (``gx``), or by a current employer's name; ``employer`` by an employer on the day ``on``."""
        async with read_transaction():  # reached only when the read cache has no answer
            return await views.list_experts(on or today, specialty, sector.value if sector else None, region, q,
                                            eligible, offset, limit, employer)

    @get("/{expert_id:int}", cache=READ_CACHE or False, cache_key_builder=read_cache_key)
    async def show(self, expert_id: FromPath[int], today: NamedDependency[date],
                   on: FromQuery[date | None] = None) -> s.ExpertOut:
        async with read_transaction():  # reached only when the read cache has no answer
            return await views.expert_detail(expert_id, on or today)

    @patch("/{expert_id:int}", summary="Change a profile: 200 when applied; 202 when the expert's own change of "
           "specialties or sector became a pending change request (shown as pending_change_request; contact "
           "data in the same body is applied)")
    async def update(self, request: Request, expert_id: FromPath[int], data: JSONBody[s.ExpertUpdate],
                     today: NamedDependency[date], now: NamedDependency[datetime]) -> Response[s.ExpertOut]:
        role, username = caller(request)
        pending = await experts.update_expert(expert_id, data, now, by=username, by_office=role == "office")
        view = await views.expert_detail(expert_id, today)
        return Response(view, status_code=HTTP_202_ACCEPTED if pending is not None else HTTP_200_OK)

    @post("/{expert_id:int}/personal-data",
          summary="Reveal the unmasked ID number and phone; every reveal is logged with its reason (R-REC-4)")
    async def reveal(self, expert_id: FromPath[int], data: JSONBody[s.RevealIn]) -> s.PersonalDataOut:
        return await experts.reveal_personal_data(expert_id, data.reason)

    @post("/{expert_id:int}/employments")
    async def add_employment(self, expert_id: FromPath[int], data: JSONBody[s.EmploymentIn]) -> s.EmploymentOut:
        e = await experts.add_employment(expert_id, data)
        return s.EmploymentOut(e.id, e.employer_name, e.institution, e.position, e.start, e.end)

    @get("/{expert_id:int}/eligibility",
         summary="Eligible for selection: active term, signed letter, not dismissed or discredited")
    async def eligibility(self, expert_id: FromPath[int], today: NamedDependency[date],
                          on: FromQuery[date | None] = None) -> s.EligibilityOut:
        await get_or_404(Expert, expert_id, "expert")
        day = on or today
        return views.eligibility_out(expert_id, day, (await eligibility_for([expert_id], day))[expert_id])

    @post("/{expert_id:int}/terms/{term_id:int}/renewal", summary="Renew a term (续聘), at most three years (R-POOL-4)")
    async def renew(self, expert_id: FromPath[int], term_id: FromPath[int], data: JSONBody[s.RenewalIn]) -> s.TermOut:
        t = await terms.renew_term(expert_id, term_id, data)
        return s.TermOut(t.id, t.start, t.end, t.previous, t.certificate_no, t.ended_early_on, False)

    @post("/{expert_id:int}/commitment-letters", summary="Sign the commitment letter for a term (R-DUTY-1)")
    async def sign_letter(self, expert_id: FromPath[int], data: JSONBody[s.LetterIn]) -> s.LetterOut:
        return office_views.letter_out(await terms.sign_letter(expert_id, data))

    @get("/{expert_id:int}/commitment-letters", summary="The expert's signed commitment letters, with their text")
    async def letters(self, expert_id: FromPath[int], offset: Offset = 0, limit: Limit = 50) -> Page[s.LetterOut]:
        await get_or_404(Expert, expert_id, "expert")
        return await office_views.letters(expert_id, None, None, None, offset, limit)

    @post("/{expert_id:int}/ratings", summary="The office enters a rating by hand (a paper form, R-POOL-6); a "
                                              "drafting unit rates through its accepted invitation")
    async def rate(self, expert_id: FromPath[int], data: JSONBody[s.RatingIn]) -> s.RatingOut:
        return office_views.rating_out(await reviews.add_rating(expert_id, data))

    @get("/{expert_id:int}/ratings")
    async def ratings(self, expert_id: FromPath[int], offset: Offset = 0, limit: Limit = 50) -> Page[s.RatingOut]:
        return await office_views.ratings_of(expert_id, offset, limit)

    @patch("/{expert_id:int}/ratings/{rating_id:int}", summary="Add the decision's implementation effect later")
    async def rate_effect(self, expert_id: FromPath[int], rating_id: FromPath[int],
                          data: JSONBody[s.RatingEffectIn]) -> s.RatingOut:
        return office_views.rating_out(await reviews.rate_effect(expert_id, rating_id, data))

    @post("/{expert_id:int}/declines", summary="The office records a declined invitation by hand and judges "
                                               "its reason (R-POOL-5(3))")
    async def decline(self, request: Request, expert_id: FromPath[int], data: JSONBody[s.DeclineIn]) -> s.DeclineOut:
        return office_views.decline_out(await reviews.add_decline(expert_id, data, by=caller(request)[1]))

    @get("/{expert_id:int}/declines")
    async def declines(self, expert_id: FromPath[int], offset: Offset = 0, limit: Limit = 50) -> Page[s.DeclineOut]:
        return await office_views.declines_of(expert_id, offset, limit)

    @post("/{expert_id:int}/annual-reviews", summary="Open the annual review: figures and a proposal (R-POOL-6)")
    async def open_review(self, expert_id: FromPath[int], data: JSONBody[s.AnnualReviewIn],
                          annual_participation: NamedDependency[Participation]) -> s.AnnualReviewOut:
        return office_views.review_out(await reviews.open_annual_review(expert_id, data, annual_participation))

    @post("/{expert_id:int}/annual-reviews/{review_id:int}/decision", summary="The office decides on the proposal")
    async def decide_review(self, expert_id: FromPath[int], review_id: FromPath[int],
                            data: JSONBody[s.AnnualDecisionIn], now: NamedDependency[datetime]) -> s.AnnualReviewOut:
        return office_views.review_out(await reviews.decide_annual_review(expert_id, review_id, data, now))

    @post("/{expert_id:int}/dismissal", summary="Early dismissal (提前解聘) with a reason code 1-6 (R-POOL-5)")
    async def dismiss(self, expert_id: FromPath[int], data: JSONBody[s.DismissalIn],
                      now: NamedDependency[datetime]) -> s.DismissalOut:
        return office_views.dismissal_out(await dismissals.dismiss(expert_id, data, now))

    @post("/{expert_id:int}/discredit-records",
          summary="File a discredit record (失信记录): qualification cancelled, appointment ended (R-POOL-7)")
    async def discredit(self, expert_id: FromPath[int], data: JSONBody[s.DiscreditIn],
                        now: NamedDependency[datetime]) -> s.DiscreditOut:
        return office_views.discredit_out(await dismissals.record_expert_discredit(expert_id, data, now))


class ChangeRequestController(Controller):
    """Experts' requests to change their sub-pools (specialties, sector): the office's work list (issue 11)."""

    path = "/expert-change-requests"
    tags = ["experts"]
    dependencies = DEPS

    @get("/", summary="Experts' change requests (specialties, sector), oldest first; filter by status or expert")
    async def index(self, offset: Offset = 0, limit: Limit = 50,
                    status: FromQuery[Literal["pending", "approved", "refused"] | None] = None,
                    expert_id: FromQuery[int | None] = None) -> Page[s.ChangeRequestOut]:
        return await views.change_requests(status, expert_id, offset, limit)

    @get("/{change_request_id:int}")
    async def show(self, change_request_id: FromPath[int]) -> s.ChangeRequestOut:
        return views.change_request_out(await get_or_404(ExpertChangeRequest, change_request_id, "change request"))

    @post("/{change_request_id:int}/decision",
          summary="The office approves (applied as its own change) or refuses (with a reason) a pending request")
    async def decide(self, request: Request, change_request_id: FromPath[int], data: JSONBody[s.ChangeDecisionIn],
                     now: NamedDependency[datetime]) -> s.ChangeRequestOut:
        _, username = caller(request)
        return views.change_request_out(await experts.decide_change_request(change_request_id, data, username, now))


class RecruitmentController(Controller):
    path = "/recruitment-calls"
    tags = ["recruitment"]
    dependencies = DEPS

    @post("/", summary="Publish a call for applications to sub-pools (R-POOL-2)")
    async def create(self, data: JSONBody[s.CallCreate]) -> s.CallOut:
        return office_views.call_out(await recruitment.create_call(data))

    @get("/")
    async def index(self, offset: Offset = 0, limit: Limit = 50) -> Page[s.CallOut]:
        return await office_views.calls(offset, limit)

    @get("/{call_id:int}", summary="One call for applications")
    async def show(self, call_id: FromPath[int]) -> s.CallOut:
        return office_views.call_out(await get_or_404(RecruitmentCall, call_id, "recruitment call", "call_id"))

    @get("/{call_id:int}/applications", summary="A call's applications, oldest first; filter by state")
    async def applications(self, call_id: FromPath[int], offset: Offset = 0, limit: Limit = 50,
                           application_state: StateFilter = None) -> Page[s.ApplicationOut]:
        await get_or_404(RecruitmentCall, call_id, "recruitment call", "call_id")
        state = application_state.value if application_state else None
        return await office_views.applications(call_id, state, None, offset, limit)

    @post("/{call_id:int}/applications", summary="Apply, self-registered or recommended by a unit")
    async def apply(self, call_id: FromPath[int], data: JSONBody[s.ApplicationCreate],
                    today: NamedDependency[date]) -> s.ApplicationOut:
        return office_views.application_out(await recruitment.submit_application(call_id, data, today))


class ApplicationController(Controller):
    path = "/applications"
    tags = ["recruitment"]

    @get("/", summary="Applications of every call, oldest first; filter by call, state or expert")
    async def index(self, offset: Offset = 0, limit: Limit = 50, call_id: FromQuery[int | None] = None,
                    application_state: StateFilter = None,
                    expert_id: FromQuery[int | None] = None) -> Page[s.ApplicationOut]:
        state = application_state.value if application_state else None
        return await office_views.applications(call_id, state, expert_id, offset, limit)

    @get("/{application_id:int}")
    async def show(self, application_id: FromPath[int]) -> s.ApplicationOut:
        return office_views.application_out(await get_or_404(Application, application_id, "application"))

    @post("/{application_id:int}/qualification-review", summary="Review the five basic conditions (R-POOL-3)")
    async def review(self, application_id: FromPath[int], data: JSONBody[s.QualificationReviewIn]) -> s.ApplicationOut:
        return office_views.application_out(await recruitment.review_qualification(application_id, data))

    @post("/{application_id:int}/collective-decision", summary="Record the collective discussion (集体讨论)")
    async def decide(self, application_id: FromPath[int], data: JSONBody[s.CollectiveDecisionIn]) -> s.ApplicationOut:
        return office_views.application_out(await recruitment.decide_collectively(application_id, data))

    @post("/{application_id:int}/appointment", summary="Appoint with a certificate (聘书) and a term (R-POOL-4)")
    async def appoint(self, application_id: FromPath[int], data: JSONBody[s.AppointmentIn]) -> s.ApplicationOut:
        row, term = await recruitment.appoint(application_id, data)
        return office_views.application_out(row, term.id)

    @post("/{application_id:int}/withdrawal")
    async def withdraw(self, application_id: FromPath[int], data: JSONBody[s.WithdrawalIn]) -> s.ApplicationOut:
        return office_views.application_out(await recruitment.withdraw(application_id, data))


class RegistryRecordsController(Controller):
    """The office's lists of its own decisions (issue 13): annual reviews, dismissals, discredit records and
    commitment letters, each a Page with the filters an office works by."""

    path = "/"
    tags = ["registry records"]

    @get("/annual-reviews", summary="Annual reviews (R-POOL-6): filter by year, status (open|decided), proposal, "
                                    "expert")
    async def annual_reviews(self, offset: Offset = 0, limit: Limit = 50,
                             year: FromQuery[Annotated[int, QueryParameter(ge=2000, le=2100)] | None] = None,
                             status: FromQuery[Literal["open", "decided"] | None] = None,
                             proposal: FromQuery[ReviewProposal | None] = None,
                             expert_id: FromQuery[int | None] = None) -> Page[s.AnnualReviewOut]:
        return await office_views.annual_reviews(year, status, proposal.value if proposal else None, expert_id, offset,
                                          limit)

    @get("/dismissals", summary="Early dismissals (R-POOL-5): filter by expert, reason code, effective dates")
    async def dismissals(self, offset: Offset = 0, limit: Limit = 50, expert_id: FromQuery[int | None] = None,
                         reason_code: FromQuery[DismissalReason | None] = None,
                         effective_from: FromQuery[date | None] = None,
                         effective_to: FromQuery[date | None] = None) -> Page[s.DismissalOut]:
        return await office_views.dismissals(expert_id, reason_code.value if reason_code else None, effective_from,
                                      effective_to, offset, limit)

    @get("/discredit-records", summary="Discredit records of experts (R-POOL-7) and institutions (R-POOL-8)")
    async def discredit_records(self, offset: Offset = 0, limit: Limit = 50,
                                subject: FromQuery[Literal["expert", "institution"] | None] = None,
                                expert_id: FromQuery[int | None] = None, institution_id: FromQuery[int | None] = None,
                                kind: FromQuery[DiscreditKind | None] = None) -> Page[s.DiscreditOut]:
        return await office_views.discredit_records(subject, expert_id, institution_id, kind.value if kind else None,
                                             offset, limit)

    @get("/commitment-letters", summary="Signed commitment letters (R-DUTY-1) with their text")
    async def letters(self, offset: Offset = 0, limit: Limit = 50, expert_id: FromQuery[int | None] = None,
                      term_id: FromQuery[int | None] = None, signed_from: FromQuery[date | None] = None,
                      signed_to: FromQuery[date | None] = None) -> Page[s.LetterOut]:
        return await office_views.letters(expert_id, term_id, signed_from, signed_to, offset, limit)

    @get("/commitment-letters/{letter_id:int}", summary="One signed commitment letter and the text signed")
    async def letter(self, letter_id: FromPath[int]) -> s.LetterOut:
        return office_views.letter_out(await get_or_404(CommitmentLetter, letter_id, "commitment letter"))


CONTROLLERS = [SpecialtyController, InstitutionController, EvaluatorPoolController, ExpertController,
               ChangeRequestController, RecruitmentController, ApplicationController, RegistryRecordsController]
