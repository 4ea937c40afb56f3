"""The pool office's pages (政策法规处): home, experts, an expert, the pool's charts, annual reviews.

Thin layers over the services the API's controllers call (registry.services, conflicts.services,
assignment.services, accounts.audit); the recruitment pipeline is in ``web.office.recruitment``."""

from __future__ import annotations

from datetime import date, datetime

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from accounts import chain_state
from assignment.services.views import expert_invitations
from conflicts.deps import LIVE
from conflicts.live import LiveGraph
from conflicts.services.duplicate_flags import duplicates_page
from conflicts.services.matching import list_tasks
from conflicts.services.relations import list_relations
from core.errors import DomainError
from registry import schemas as s
from registry.domain.vocab import ReviewProposal, Sector
from registry.services import office_views, reviews, views
from registry.services.specialties import all_specialties
from registry.tables import Expert
from web.forms import FormError, FormErrors, PageLimit, PageOffset, Text, read_form, refusal, to_input
from web.office.views import pool_counts, terms_ending, undelivered
from web.render import chart_options, render, see_other
from web.session import PAGE_DEPENDENCIES, require

STATUSES = {"eligible": "可抽取（在聘且符合条件）", "ineligible": "暂不可抽取"}


class OfficePages(Controller):
    path = "/office"
    include_in_schema = False
    guards = [require("office")]
    dependencies = {**PAGE_DEPENDENCIES, **LIVE}

    @get("/")
    async def home(self, request: Request, today: NamedDependency[date]) -> Response:
        ending, ending_total = await terms_ending(today)
        open_reviews = await office_views.annual_reviews(None, "open", None, None, 0, 10)
        matches = await list_tasks("open", 0, 10)
        duplicates = await duplicates_page(None, "open", None, 0, 10)
        failed, failed_total = await undelivered()
        chain = await chain_state.state(chain_state.memory_of(request.app.state))
        return render(request, "office/home.html", title="工作台", today=today, ending=ending,
                      ending_total=ending_total, open_reviews=open_reviews, matches=matches, duplicates=duplicates,
                      failed=failed, failed_total=failed_total, chain=chain)

    @post("/chain/verification")
    async def verify_chain(self, request: Request, now: NamedDependency[datetime]) -> Response:
        """A full verification of the record (every event, every protected row, the anchor), remembered with the
        head it covered so the home page can answer from it."""
        verified = await chain_state.verify_and_remember(chain_state.memory_of(request.app.state), now)
        message = (f"全量校验通过：第 1–{verified.seq} 条记录完好" if verified.report.ok
                   else f"全量校验未通过：第 {verified.report.first_bad_seq} 条起 {verified.report.problem}")
        return see_other("/office", message)

    @get("/experts")
    async def experts(self, request: Request, today: NamedDependency[date], q: Text = None, employer: Text = None,
                      specialty: Text = None, status: Text = None, sector: Text = None, region: Text = None,
                      offset: PageOffset = 0, limit: PageLimit = 20) -> Response:
        eligible = {"eligible": True, "ineligible": False}.get(status or "")
        sector_value = sector if sector in {m.value for m in Sector} else None
        try:
            page = await views.list_experts(today, specialty or None, sector_value, region or None, q or None,
                                            eligible, offset, limit, employer or None)
            errors = FormErrors()
        except DomainError as exc:
            page, errors = s.ExpertPage([], 0, offset, limit), refusal(exc).errors
        filters = {"q": q or "", "employer": employer or "", "specialty": specialty or "", "status": status or "",
                   "sector": sector or "", "region": region or ""}
        query = "".join(f"{k}={v}&" for k, v in filters.items() if v)
        return render(request, "office/experts.html", title="专家", page=page, filters=filters, query=query,
                      specialties=await all_specialties(), sectors=list(Sector), statuses=STATUSES, errors=errors)

    @get("/experts/{expert_id:int}")
    async def expert(self, request: Request, expert_id: FromPath[int], today: NamedDependency[date],
                     live: NamedDependency[LiveGraph]) -> Response:
        expert = await views.expert_detail(expert_id, today)
        return render(
            request, "office/expert.html", title=expert.name, expert=expert, today=today,
            letters=(await office_views.letters(expert_id, None, None, None, 0, 50)).items,
            ratings=(await office_views.ratings_of(expert_id, 0, 50)).items,
            declines=(await office_views.declines_of(expert_id, 0, 50)).items,
            reviews=(await office_views.annual_reviews(None, None, None, expert_id, 0, 50)).items,
            dismissals=(await office_views.dismissals(expert_id, None, None, None, 0, 50)).items,
            relations=(await list_relations(live, None, "expert", expert_id, 0, 100)).items,
            invitations=(await expert_invitations(live, expert_id, None, 0, 50, today)).items)

    @get("/pool")
    async def pool(self, request: Request, today: NamedDependency[date]) -> Response:
        tree = await views.specialty_tree_with_counts(today)
        counts = await pool_counts()
        top = [t for t in tree if t.parent_code is None]
        charts = {
            "subpool": _bar("按专业子库（可抽取专家）", [t.name for t in top], [t.experts_in_pool for t in top]),
            "sector": _pie("按来源领域", counts["sector"]),
            "region": _bar("按地区", list(counts["region"]), list(counts["region"].values())),
        }
        return render(request, "office/pool.html", title="专家库统计", tree=tree, counts=counts,
                      charts={k: chart_options(v) for k, v in charts.items()})

    @get("/reviews")
    async def reviews(self, request: Request, status: Text = "open", offset: PageOffset = 0,
                      limit: PageLimit = 20) -> Response:
        status = status if status in ("open", "decided") else None
        page = await office_views.annual_reviews(None, status, None, None, offset, limit)
        names = await _names([r.expert_id for r in page.items])
        return render(request, "office/reviews.html", title="年度考核", page=page, status=status or "",
                      names=names, proposals=list(ReviewProposal), errors=FormErrors(), form={})

    @post("/reviews/{expert_id:int}/{review_id:int}/decision")
    async def decide(self, request: Request, expert_id: FromPath[int], review_id: FromPath[int],
                     now: NamedDependency[datetime], today: NamedDependency[date]) -> Response:
        form = await read_form(request)
        try:
            data = to_input(s.AnnualDecisionIn, form)
            await reviews.decide_annual_review(expert_id, review_id, data, now)
        except (FormError, DomainError) as exc:
            failure = exc if isinstance(exc, FormError) else refusal(exc)
            page = await office_views.annual_reviews(None, "open", None, None, 0, 20)
            return render(request, "office/reviews.html", failure.status, title="年度考核", page=page,
                          status="open", names=await _names([r.expert_id for r in page.items]),
                          proposals=list(ReviewProposal), errors=failure.errors, form=form, failed_review=review_id)
        return see_other("/office/reviews", "考核决定已记录")


async def _names(expert_ids: list[int]) -> dict[int, str]:
    if not expert_ids:
        return {}
    return {r["id"]: r["name"] for r in await Expert.select(Expert.id, Expert.name).where(Expert.id.is_in(expert_ids))}


def _bar(title: str, names: list[str], values: list[int]) -> dict:
    return {"title": {"text": title, "left": "center"}, "tooltip": {}, "grid": {"bottom": 80},
            "xAxis": {"type": "category", "data": names, "axisLabel": {"rotate": 30, "interval": 0}},
            "yAxis": {"type": "value", "minInterval": 1}, "series": [{"type": "bar", "data": values}]}


def _pie(title: str, counts: dict[str, int]) -> dict:
    return {"title": {"text": title, "left": "center"}, "tooltip": {"trigger": "item"},
            "series": [{"type": "pie", "radius": "60%", "data": [{"name": k, "value": v} for k, v in counts.items()]}]}
