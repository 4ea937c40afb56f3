"""Whole-pool jobs in bulk (issue 17): the annual review opened in batches and the term-expiry notices queued in
multi-row inserts give the same rows as the one-expert-at-a-time path they replace, over experts with different
figures: ratings (one corrected), declines judged and unjudged, dismissed, terms ended, ending soon, not begun
(R-POOL-4, R-POOL-5, R-POOL-6)."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import date, datetime, timedelta, timezone

import pytest

from assignment.services.participation import participation, participation_of
from assignment.tables import Invitation, Panel, PanelRequest
from core.settings import get_settings
from decisions.tables import DecisionItem
from notifications import jobs, outbox
from notifications.tables import JobRun, Outbox
from registry.schemas import AnnualReviewIn
from registry.services.reviews import open_annual_review, open_annual_reviews
from registry.tables import AnnualReview, Decline, Dismissal, Expert, Institution, PerformanceRating, Term

NOW = datetime(2026, 12, 1, 1, 0, tzinfo=timezone.utc)
TODAY = date(2026, 12, 1)


@pytest.fixture
def office_email(monkeypatch):
    settings = get_settings()
    patched = dataclasses.replace(settings, notifications=dataclasses.replace(
        settings.notifications, office_email="zcfgc@example.gov.cn"))
    monkeypatch.setattr(outbox, "get_settings", lambda: patched)


async def _expert(n: int, start: date, end: date, email: str = "", ended_early_on: date | None = None) -> int:
    expert = Expert(name=f"批量专家{n}", gender="女", id_number_encrypted="x", id_number_digest=f"bulk-jobs-{n}",
                    id_number_masked="x", phone_encrypted="x", phone_masked="x", email=email, sector="高校",
                    created_at=NOW)
    await expert.save()
    await Term(expert=expert.id, start=start, end=end, certificate_no=f"聘{n}", ended_early_on=ended_early_on,
               created_at=NOW).save()
    return expert.id


async def _rate(expert_id: int, unit_id: int, scores: tuple[int, int, int | None], on: date,
                corrections: list[dict] | None = None) -> None:
    await PerformanceRating(expert=expert_id, unit=unit_id, assignment_ref="论证", participation=scores[0],
                            reliability=scores[1], implementation_effect=scores[2], rated_on=on, created_at=NOW,
                            corrections=corrections or []).save()


async def _decline(expert_id: int, on: date, judged: bool | None) -> None:
    await Decline(expert=expert_id, assignment_ref="论证", declined_on=on, judged_good_reason=judged,
                  created_at=NOW).save()


async def _invite(expert_id: int, request_id: int, panel_id: int, status: str, opinion_on: date | None) -> None:
    await Invitation(request=request_id, panel=panel_id, subject_kind="expert", subject_id=expert_id, status=status,
                     answer_by=date(2026, 6, 5), opinion_submitted_on=opinion_on,
                     created_at=datetime(2026, 6, 1, tzinfo=timezone.utc)).save()


async def _world() -> list[int]:
    """Eight experts with different years; returns their ids."""
    unit = Institution(name="某市司法局", kind="government", created_at=NOW)
    await unit.save()
    item = DecisionItem(title="某市停车收费调整", drafting_unit=unit.id, opened_on=date(2026, 5, 1), created_at=NOW)
    await item.save()
    request = PanelRequest(item=item.id, subject_kind="expert", purpose="argument", mode="meeting", size=5,
                           handover_on=date(2026, 6, 1), deadline=date(2026, 6, 20), constraints={},
                           requested_by="test", created_at=NOW)
    await request.save()
    panel = Panel(panel_request=request.id, seed="1", candidates=[], candidates_hash="h", constraints={}, plan={},
                  probabilities={}, exclusions=[], members=[], policy_version=1, deadline=date(2026, 6, 20),
                  min_probability=0.0, upper_bound=1.0, created_at=NOW)
    await panel.save()
    good = await _expert(1, date(2025, 1, 1), date(2027, 12, 31), email="good@example.cn")
    for on in (date(2026, 3, 1), date(2026, 9, 1)):
        await _rate(good, unit.id, (5, 4, 5), on)
    await _invite(good, request.id, panel.id, "accepted", date(2026, 6, 10))
    poor = await _expert(2, date(2025, 1, 1), date(2028, 12, 31))  # incompetent, one rating corrected upwards
    await _rate(poor, unit.id, (1, 2, None), date(2026, 4, 1))
    await _rate(poor, unit.id, (2, 2, 1), date(2026, 5, 1), corrections=[{"participation": 3, "reason": "笔误"}])
    await _rate(poor, unit.id, (5, 5, 5), date(2025, 5, 1))  # last year: not counted
    decliner = await _expert(3, date(2024, 6, 1), date(2027, 2, 20), email="no@example.cn")  # ends in 81 days
    for month, judged in ((2, False), (3, False), (4, None), (5, False), (6, True)):
        await _decline(decliner, date(2026, month, 1), judged)
    await _invite(decliner, request.id, panel.id, "declined", None)
    await _invite(decliner, request.id, panel.id, "accepted", None)
    ending = await _expert(4, date(2024, 1, 1), date(2026, 12, 6))  # ends in 5 days: renewal proposed
    await _decline(ending, date(2026, 7, 1), None)
    dismissed = await _expert(5, date(2025, 1, 1), date(2027, 1, 20))
    await Dismissal(expert=dismissed, reason_code="3", explanation="多次拒绝", effective_on=date(2026, 10, 1),
                    created_at=NOW).save()
    ended = await _expert(6, date(2023, 1, 1), date(2027, 1, 10), ended_early_on=date(2026, 8, 1))
    expired = await _expert(7, date(2022, 1, 1), date(2025, 12, 31))  # no term in 2026
    not_begun = await _expert(8, date(2027, 1, 1), date(2027, 2, 1))  # appointed from next year
    return [good, poor, decliner, ending, dismissed, ended, expired, not_begun]


def _reviews() -> list[dict]:
    rows = asyncio.run(AnnualReview.select().order_by(AnnualReview.expert).output(load_json=True).run())
    return [{k: v for k, v in r.items() if k not in ("id", "created_at")} for r in rows]


def _notices() -> list[dict]:
    rows = asyncio.run(Outbox.select(Outbox.channel, Outbox.recipient, Outbox.template, Outbox.subject, Outbox.body,
                                     Outbox.payload, Outbox.dedupe_key, Outbox.state).order_by(Outbox.id).output(
        load_json=True).run())
    return sorted(rows, key=lambda r: r["dedupe_key"])


async def _one_by_one(expert_ids: list[int]) -> None:
    """The path the job took before issue 17: one review at a time, as the API still opens one."""
    reviewed = {r["expert"] for r in await AnnualReview.select(AnnualReview.expert).where(AnnualReview.year == 2026)}
    active = {r["expert"] for r in await Term.select(Term.expert).where(
        (Term.start <= TODAY) & (Term.end >= TODAY) & Term.ended_early_on.is_null())}
    for expert_id in sorted(active - reviewed):
        if expert_id in expert_ids:
            await open_annual_review(expert_id, AnnualReviewIn(year=2026, review_date=TODAY), participation)


async def _term_expiry_one_by_one() -> None:
    """The term-expiry job before issue 17: a query for each expert's name, the notices queued one by one."""
    dismissed = {r["expert"] for r in await Dismissal.select(Dismissal.expert)}
    for term in await Term.select().where((Term.end >= TODAY) & (Term.end <= TODAY + timedelta(days=90))
                                          & Term.ended_early_on.is_null()):
        if term["expert"] in dismissed or term["start"] > TODAY:
            continue
        days = (term["end"] - TODAY).days
        threshold = min(t for t in jobs.TERM_NOTICE_DAYS if t >= days)
        row = await Expert.select(Expert.name).where(Expert.id == term["expert"]).first()
        assert row is not None
        name = row["name"]
        context = {"name": name, "end": term["end"], "days": days}
        key = f"term-expiry:{term['id']}:{threshold}"
        await outbox.notify_office("term_expiry", context, key, NOW)
        await outbox.notify_expert(term["expert"], "term_expiry", context, key, NOW)


async def _clear() -> None:
    await AnnualReview.delete(force=True)
    await Outbox.delete(force=True)
    await JobRun.delete(force=True)


def test_annual_reviews_in_batches_equal_the_reviews_opened_one_by_one_R_POOL_6(office_email):
    ids = asyncio.run(_world())
    asyncio.run(_one_by_one(ids))
    one_by_one = _reviews()
    assert {r["proposal"] for r in one_by_one} == {"keep", "dismiss", "renew"}  # the world has each kind
    assert len(one_by_one) == 5  # the dismissed expert keeps an active term; the ended, expired, not begun do not
    asyncio.run(_clear())

    progress: list[tuple[int, int]] = []

    async def report(done: int, total: int) -> None:
        progress.append((done, total))

    opened = asyncio.run(open_annual_reviews(ids, AnnualReviewIn(year=2026, review_date=TODAY), participation_of,
                                             progress=report, batch=3))
    assert progress == [(3, 8), (6, 8), (8, 8)]
    in_batches = _reviews()
    # Not reviewable (no term in 2026, or appointed from next year) are passed over; the ended-early term of
    # expert 6 lay in 2026, so the API would open one for it, and so does the batch.
    assert opened == len(in_batches) == 6
    by_expert = {r["expert"]: r for r in in_batches}
    assert [by_expert[r["expert"]] for r in one_by_one] == one_by_one
    assert again_opens_nothing(ids) == 0


def again_opens_nothing(ids: list[int]) -> int:
    return asyncio.run(open_annual_reviews(ids, AnnualReviewIn(year=2026, review_date=TODAY), participation_of))


def test_the_annual_job_opens_what_the_one_by_one_job_opened_and_tells_the_office_once_R_POOL_6(office_email):
    asyncio.run(_clear())
    ids = asyncio.run(Expert.select(Expert.id).order_by(Expert.id).run())
    assert ids, "the module's world is there"
    expert_ids = [r["id"] for r in ids]
    asyncio.run(_one_by_one(expert_ids))
    one_by_one = _reviews()
    asyncio.run(_clear())
    result = asyncio.run(jobs.annual_review(jobs.JobDay(TODAY, NOW, None)))
    assert result == {"opened": len(one_by_one)}
    assert _reviews() == one_by_one
    told = [r for r in _notices() if r["template"] == "annual_review_opened"]
    assert {r["recipient"] for r in told} == {"office", "zcfgc@example.gov.cn"}


def test_term_expiry_queues_the_same_notices_as_one_by_one_R_POOL_4(office_email):
    asyncio.run(_clear())
    asyncio.run(_term_expiry_one_by_one())
    one_by_one = _notices()
    # Experts 3 (81 days) and 4 (5 days); 5 is dismissed, 6 ended early, 8 not begun.
    assert {r["recipient"] for r in one_by_one} >= {"office", "zcfgc@example.gov.cn", "no@example.cn"}
    assert len({r["dedupe_key"].split("|")[0] for r in one_by_one}) == 2
    asyncio.run(_clear())
    assert asyncio.run(jobs.term_expiry(jobs.JobDay(TODAY, NOW, None))) == {"terms": 2}
    assert _notices() == one_by_one
    asyncio.run(jobs.term_expiry(jobs.JobDay(TODAY, NOW, None)))
    assert _notices() == one_by_one  # a second run queues nothing twice


def test_many_notices_in_one_insert_keep_the_first_of_a_repeated_key_and_skip_queued_ones():
    asyncio.run(_clear())
    context = {"name": "某", "end": TODAY, "days": 5}
    queued = outbox.outbox_row("inbox", "office", "term_expiry", context, "k0", NOW)
    asyncio.run(Outbox.insert(queued).run())
    rows = [outbox.outbox_row("inbox", "office", "term_expiry", context, f"k{i % 700}", NOW) for i in range(1400)]
    assert asyncio.run(outbox.enqueue_rows(rows)) == 700
    keys = [r["dedupe_key"] for r in _notices()]
    assert len(keys) == len(set(keys)) == 700


def test_a_long_job_shows_its_progress_on_its_run_row():
    async def run() -> dict | None:
        claimed = await JobRun.insert(JobRun(job="annual_review", run_key="annual_review:progress", state="running",
                                             claimed_by="test", started_at=NOW)).returning(JobRun.id)
        await jobs.JobDay(TODAY, NOW, None, claimed[0]["id"]).progress(  # type: ignore[arg-type]
            "annual_review", 500, 17248)
        return await JobRun.select(JobRun.result).where(JobRun.id == claimed[0]["id"]).output(load_json=True).first()

    asyncio.run(_clear())
    assert asyncio.run(run()) == {"result": {"done": 500, "total": 17248}}
