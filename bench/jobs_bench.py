"""Whole-pool daily jobs at scale (issue 17): term expiry, the annual review and the nightly conflict re-check,
before (one query or unit of work per expert, as the jobs were) and after (set-wise, in batches).

Run on a database loaded by ``python -m app.demo`` (for SQLite the file is copied first: the loaded world stays
as it was). The bench adds what the demo lacks: a year of ratings and declines, and a panel request of seven
at work for every decision item. Figures go to bench/results/jobs.{json,md}.

    DATABASE_URL=sqlite:////tmp/scale_jobs.sqlite DATA_DIR=/tmp/sj-data python -m bench.jobs_bench
    [--before-sample 1000]   # the one-by-one annual review is timed on this many experts (it takes minutes)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import random
import shutil
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
REVIEW_DAY = date(2026, 12, 1)  # the configured annual review day of the demo's year
SEVEN = 7


def _environment() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("sqlite:///"):  # work on a copy
        source = url.removeprefix("sqlite:///")
        copy = source.replace(".sqlite", "") + ".bench.sqlite"
        shutil.copyfile(source, copy)
        os.environ["DATABASE_URL"] = f"sqlite:///{copy}"
    os.environ["PICCOLO_CONF"] = "piccolo_conf"
    return "sqlite" if url.startswith("sqlite") else "postgresql"


async def _fill(seed: int = 17) -> dict:
    """Ratings and declines for the year, and a panel at work (7 invitations) on every item."""
    from assignment.tables import Invitation, Panel, PanelRequest
    from decisions.tables import DecisionItem
    from registry.tables import Decline, Institution, PerformanceRating, Term

    rng = random.Random(seed)
    now = datetime(2026, 11, 26, 9, 0, tzinfo=timezone.utc)
    experts = sorted({r["expert"] for r in await Term.select(Term.expert)})
    first_unit = await Institution.select(Institution.id).first()
    assert first_unit is not None, "load the demo world first"
    unit = first_unit["id"]
    ratings, declines = [], []
    for n, expert in enumerate(experts):
        if n % 3 == 0:
            for month in (3, 9):
                ratings.append(PerformanceRating(expert=expert, unit=unit, assignment_ref="bench", participation=
                                                 rng.randint(1, 5), reliability=rng.randint(1, 5),
                                                 implementation_effect=rng.choice([None, 2, 4, 5]),
                                                 rated_on=date(2026, month, 1), created_at=now))
        if n % 10 == 0:
            declines += [Decline(expert=expert, assignment_ref="bench", declined_on=date(2026, m, 1),
                                 judged_good_reason=rng.choice([True, False, None]), created_at=now)
                         for m in (2, 4, 6)]
    await _insert(PerformanceRating, ratings)
    await _insert(Decline, declines)
    items = [r["id"] for r in await DecisionItem.select(DecisionItem.id).order_by(DecisionItem.id)]
    requests = [PanelRequest(item=i, subject_kind="expert", purpose="argument", mode="meeting", size=SEVEN,
                             handover_on=date(2026, 11, 20), deadline=date(2026, 12, 20), constraints={},
                             requested_by="bench", created_at=now) for i in items]
    await _insert(PanelRequest, requests)
    panels = [Panel(panel_request=r.id, seed="1", candidates=[], candidates_hash="bench", constraints={}, plan={},
                    probabilities={}, exclusions=[], members=[], policy_version=1, deadline=date(2026, 12, 20),
                    min_probability=0.0, upper_bound=1.0, created_at=now) for r in requests]
    await _insert(Panel, panels)
    invitations = [Invitation(request=r.id, panel=p.id, subject_kind="expert", subject_id=e,
                              status=rng.choice(["pending", "accepted", "accepted"]), answer_by=date(2026, 11, 25),
                              created_at=now)
                   for r, p in zip(requests, panels, strict=True) for e in rng.sample(experts, SEVEN)]
    await _insert(Invitation, invitations)
    return {"experts_with_terms": len(experts), "ratings": len(ratings), "declines": len(declines),
            "panel_requests": len(requests), "invitations": len(invitations)}


async def _insert(table, rows: list) -> None:
    for start in range(0, len(rows), 1000):
        await table.insert(*rows[start:start + 1000])


# --- before: the jobs as they were (one query, notice or unit of work at a time) ---------------------------
async def _term_expiry_before(today: date, now: datetime) -> int:
    from notifications.jobs import TERM_NOTICE_DAYS
    from notifications.outbox import notify_expert, notify_office
    from registry.tables import Dismissal, Expert, Term

    dismissed = {r["expert"] for r in await Dismissal.select(Dismissal.expert)}
    sent = 0
    for term in await Term.select().where((Term.end >= today) & (Term.end <= today + timedelta(days=90))
                                          & Term.ended_early_on.is_null()):
        if term["expert"] in dismissed or term["start"] > today:
            continue
        days = (term["end"] - today).days
        threshold = min(t for t in TERM_NOTICE_DAYS if t >= days)
        expert = await Expert.select(Expert.name).where(Expert.id == term["expert"]).first()
        assert expert is not None
        name = expert["name"]
        context = {"name": name, "end": term["end"], "days": days}
        key = f"term-expiry:{term['id']}:{threshold}"
        await notify_office("term_expiry", context, key, now)
        await notify_expert(term["expert"], "term_expiry", context, key, now)
        sent += 1
    return sent


async def _due_for_review(today: date) -> list[int]:
    from registry.tables import AnnualReview, Term

    reviewed = {r["expert"] for r in await AnnualReview.select(AnnualReview.expert).where(
        AnnualReview.year == today.year)}
    active = {r["expert"] for r in await Term.select(Term.expert).where(
        (Term.start <= today) & (Term.end >= today) & Term.ended_early_on.is_null())}
    return sorted(active - reviewed)


async def _annual_before(expert_ids: list[int], today: date) -> int:
    from assignment.services.participation import participation
    from registry.schemas import AnnualReviewIn
    from registry.services.reviews import open_annual_review

    for expert_id in expert_ids:
        await open_annual_review(expert_id, AnnualReviewIn(year=today.year, review_date=today), participation)
    return len(expert_ids)


async def _recheck_before(live, today: date, sample: int) -> int:
    """The re-check one request at a time, as ``GET /panel-requests/{id}/conflict-recheck`` does it."""
    from assignment.domain.membership import ACTIVE
    from assignment.tables import Invitation, PanelRequest
    from conflicts.policy import Purpose
    from conflicts.services.checks import check

    requests = await PanelRequest.select(PanelRequest.id, PanelRequest.item, PanelRequest.purpose).order_by(
        PanelRequest.id).limit(sample)
    for r in requests:
        members = [(i["subject_kind"], i["subject_id"]) for i in await Invitation.select(
            Invitation.subject_kind, Invitation.subject_id).where(
            (Invitation.request == r["id"]) & Invitation.status.is_in(list(ACTIVE)))]
        await check(live, r["item"], Purpose(r["purpose"]), today, members)
    return len(requests)


async def _clear() -> None:
    from notifications.tables import Outbox
    from registry.tables import AnnualReview

    await Outbox.delete(force=True)
    await AnnualReview.delete(force=True)


def _timed(started: float) -> float:
    return round(time.perf_counter() - started, 2)


async def _run(engine: str, before_sample: int) -> dict:
    from conflicts.live import LiveGraph
    from core.db import start_pool
    from core.settings import get_settings
    from notifications import jobs
    from notifications.tables import Outbox
    from registry.tables import AnnualReview, Term

    database = get_settings().database
    if database.is_postgres and database.pool_size:  # as the service runs with DB_POOL_SIZE
        await start_pool(database.pool_size)
        engine += f" (pool {database.pool_size})"
    figures: dict = {"engine": engine, "load_average_at_start": [round(x, 2) for x in os.getloadavg()]}
    started = time.perf_counter()
    figures["filled"] = await _fill()
    figures["fill_s"] = _timed(started)
    # term expiry: the day on which the most terms end within 90 days
    ends = sorted(r["end"] for r in await Term.select(Term.end).where(Term.ended_early_on.is_null()))
    te_day = ends[-1] - timedelta(days=89)
    te_now = datetime.combine(te_day, datetime.min.time(), tzinfo=timezone.utc)
    await _clear()
    started = time.perf_counter()
    terms = await _term_expiry_before(te_day, te_now)
    before = _timed(started)
    rows_before = await Outbox.count()
    await _clear()
    started = time.perf_counter()
    te_result = await jobs.term_expiry(jobs.JobDay(te_day, te_now, None))  # type: ignore[arg-type]
    figures["term_expiry"] = {"day": str(te_day), "terms": terms, "before_s": before, "after_s": _timed(started),
                              "result": te_result, "outbox_rows_before": rows_before,
                              "outbox_rows_after": await Outbox.count()}

    await _clear()
    due = await _due_for_review(REVIEW_DAY)
    sample = due[:before_sample]
    started = time.perf_counter()
    await _annual_before(sample, REVIEW_DAY)
    before = _timed(started)
    await _clear()
    now = datetime(2026, 12, 1, 1, 0, tzinfo=timezone.utc)
    progress_lines: list[str] = []
    handler = _ListHandler(progress_lines)
    jobs.log.addHandler(handler)
    jobs.log.setLevel("INFO")
    started = time.perf_counter()
    result = await jobs.annual_review(jobs.JobDay(REVIEW_DAY, now, None))  # type: ignore[arg-type]
    after = _timed(started)
    jobs.log.removeHandler(handler)
    figures["annual_review"] = {
        "due": len(due), "before_sample": len(sample), "before_sample_s": before,
        "before_per_expert_ms": round(1000 * before / max(len(sample), 1), 1),
        "before_extrapolated_s": round(before / max(len(sample), 1) * len(due), 1),
        "after_s": after, "after_per_expert_ms": round(1000 * after / max(len(due), 1), 2),
        "result": result, "reviews": await AnnualReview.count(), "progress_lines": progress_lines[:2] + [
            "..."] + progress_lines[-1:]}

    live = LiveGraph()
    started = time.perf_counter()
    await live.load()
    figures["graph_load_s"] = _timed(started)
    started = time.perf_counter()
    recheck = await jobs.conflict_recheck(jobs.JobDay(date(2026, 11, 26), now, live))
    figures["conflict_recheck"] = {"after_s": _timed(started), "result": recheck}
    started = time.perf_counter()
    checked = await _recheck_before(live, date(2026, 11, 26), before_sample)
    before = _timed(started)
    figures["conflict_recheck"].update({
        "before_sample_requests": checked, "before_sample_s": before,
        "before_extrapolated_s": round(before / max(checked, 1) * recheck["requests"], 1)})
    figures["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    return figures


class _ListHandler(logging.Handler):
    """Collects the job's progress lines."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__()
        self.lines = lines

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def _markdown(f: dict) -> str:
    te, ar, rc = f["term_expiry"], f["annual_review"], f["conflict_recheck"]
    return f"""# Whole-pool daily jobs ({f['engine']}, issue 17)

`python -m bench.jobs_bench` over `python -m app.demo --experts 20000 --institutions 2000 --items 5000`
({f['filled']['experts_with_terms']} experts with terms; the bench adds {f['filled']['ratings']} ratings,
{f['filled']['declines']} declines, {f['filled']['panel_requests']} panel requests at work with
{f['filled']['invitations']} invitations). Load average {f['load_average_at_start']} at start,
{f['load_average_at_end']} at end (2 cores shared with other sessions: read the ratios).

| job | before (one at a time) | after (set-wise, batches) |
|---|---|---|
| term expiry, {te['terms']} terms ({te['day']}) | {te['before_s']} s | {te['after_s']} s |
| annual review, {ar['due']} experts | {ar['before_per_expert_ms']} ms/expert on {ar['before_sample']} \
→ ≈ {ar['before_extrapolated_s']} s | {ar['after_s']} s ({ar['after_per_expert_ms']} ms/expert) |
| conflict re-check, {rc['result']['requests']} requests, {rc['result']['members']} members, \
{rc['result']['items']} items | {rc['before_sample_s']} s for {rc['before_sample_requests']} requests one by one \
→ ≈ {rc['before_extrapolated_s']} s | {rc['after_s']} s |

The re-check's time excludes building the graph ({f['graph_load_s']} s here), which the service holds already.
Term expiry queued {te['outbox_rows_after']} outbox rows (one by one: {te['outbox_rows_before']}).
Annual review progress: {'; '.join(ar['progress_lines'])}.
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--before-sample", type=int, default=1000)
    args = parser.parse_args()
    engine = _environment()
    figures = asyncio.run(_run(engine, args.before_sample))
    RESULTS.mkdir(exist_ok=True)
    suffix = "" if engine == "sqlite" else "_postgresql"  # the figures name the pool size
    (RESULTS / f"jobs{suffix}.json").write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n")
    (RESULTS / f"jobs{suffix}.md").write_text(_markdown(figures))
    print(json.dumps(figures, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
