"""Scheduled jobs: term expiry, annual review, invitation reminders and expiry, study deadlines,
record filing, the record's daily checkpoint; and the outbox worker.

Each daily job runs once per day: the first process to insert its ``JobRun`` row (unique run key)
runs it, any other process skips it. Every notice a job queues has a dedupe key, so a job that runs
late after a restart catches up without repeating itself. apscheduler only ticks; what is due is
decided from the injected clock, which is how the tests move time.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from assignment.services.invitations import expire_overdue
from assignment.services.participation import participation_of
from assignment.services.recheck import recheck_all
from assignment.tables import Invitation, PanelRequest
from conflicts.live import LiveGraph
from core.clock import Clock
from core.settings import get_settings
from core.uow import emit, unit_of_work
from decisions import filing as filings
from decisions.calendars import load_schedules
from decisions.domain.filing import reminder_today
from decisions.domain.workdays import working_days_between
from decisions.tables import DecisionItem
from notifications.events import JobRan
from notifications.outbox import (
    deliver_due,
    email_office,
    enqueue_rows,
    expert_rows,
    notify_expert,
    notify_office,
    notify_unit,
    office_rows,
    worker_id,
)
from notifications.tables import JobRun, Outbox
from registry import schemas as registry_schemas
from registry.services.eligibility_facts import eligibility_drift, refresh_due
from registry.services.reviews import open_annual_reviews
from registry.tables import AnnualReview, Dismissal, Institution, Term

log = logging.getLogger(__name__)
TERM_NOTICE_DAYS = (7, 30, 90)  # R-POOL-4: the office and the expert are told before a term ends


@dataclass(frozen=True)
class JobDay:
    """What a job runs with: the service's day and time, and the relationship graph (a replacement
    drawn for an expired invitation passes the conflict check)."""

    today: date
    now: datetime
    live: LiveGraph
    run_id: int | None = None  # the JobRun row, where a long job reports its progress

    async def progress(self, job: str, done: int, total: int) -> None:
        """A whole-pool job's progress (issue 17): logged, and shown on its JobRun row while it runs."""
        log.info("job %s: %d/%d", job, done, total)
        if self.run_id is not None:
            await JobRun.update({JobRun.result: {"done": done, "total": total}}).where(JobRun.id == self.run_id)


async def term_expiry(day: JobDay) -> dict:
    """R-POOL-4: the terms ending within 90 days, with their experts, read in one query; the notices queued in
    batches (each term's most urgent notice not yet due is stale; its dedupe key sends each one once)."""
    today, now = day.today, day.now
    dismissed = {r["expert"] for r in await Dismissal.select(Dismissal.expert)}
    terms = await Term.select(Term.id, Term.expert, Term.start, Term.end, Term.expert.name, Term.expert.email).where(
        (Term.end >= today) & (Term.end <= today + timedelta(days=max(TERM_NOTICE_DAYS)))
        & Term.ended_early_on.is_null() & (Term.start <= today)).order_by(Term.id)
    rows, sent = [], 0
    for term in terms:
        if term["expert"] in dismissed:
            continue
        days = (term["end"] - today).days
        threshold = min(t for t in TERM_NOTICE_DAYS if t >= days)
        context = {"name": term["expert.name"], "end": term["end"], "days": days}
        key = f"term-expiry:{term['id']}:{threshold}"
        expert = {"id": term["expert"], "name": term["expert.name"], "email": term["expert.email"]}
        rows += [*office_rows("term_expiry", context, key, now), *expert_rows(expert, "term_expiry", context, key, now)]
        sent += 1
    await enqueue_rows(rows)
    return {"terms": sent}


def annual_review_day(year: int) -> date:
    month, day = (int(x) for x in get_settings().notifications.annual_review_date.split("-"))
    return date(year, month, day)


async def annual_review(day: JobDay) -> dict:
    """R-POOL-6: from the configured day on, every expert on an active term gets the year's review."""
    today, now = day.today, day.now
    if today < annual_review_day(today.year):
        return {"opened": 0, "reason": f"{annual_review_day(today.year)} 起生成本年度考核任务"}
    reviewed = {r["expert"] for r in await AnnualReview.select(AnnualReview.expert).where(
        AnnualReview.year == today.year)}
    active = {r["expert"] for r in await Term.select(Term.expert).where(
        (Term.start <= today) & (Term.end >= today) & Term.ended_early_on.is_null())}
    due = sorted(active - reviewed)

    async def progress(done: int, total: int) -> None:
        await day.progress("annual_review", done, total)

    opened = await open_annual_reviews(due, registry_schemas.AnnualReviewIn(year=today.year, review_date=today),
                                       participation_of, progress=progress)  # in batches, set-wise (issue 17)
    if opened:
        await notify_office("annual_review_opened", {"year": today.year, "count": opened},
                            f"annual-review:{today.year}:{today}", now)
    return {"opened": opened}


async def _invitation_context(inv: dict, request: dict | None = None) -> dict:
    """What a reminder names: the item, the answer date and the study deadline."""
    request = request or await PanelRequest.select().where(PanelRequest.id == inv["request"]).first()
    item = await DecisionItem.select(DecisionItem.title).where(DecisionItem.id == request["item"]).first()
    deadline = inv.get("deadline") or request["deadline"]  # a replacement's own may be later (R-PANEL-4)
    return {"item": item["title"], "answer_by": inv["answer_by"], "deadline": deadline}


async def invitation_reminders(day: JobDay) -> dict:
    """The working day before the answer date, an unanswered invitation is reminded."""
    today, now = day.today, day.now
    sent, schedules = 0, await load_schedules()  # the years' schedules the office entered (issue 13)
    for inv in await Invitation.select().where((Invitation.status == "pending") & (Invitation.answer_by >= today)):
        if working_days_between(today, inv["answer_by"], schedules) > 1:
            continue
        context = await _invitation_context(inv)
        if inv["subject_kind"] == "expert":
            await notify_expert(inv["subject_id"], "invitation_reminder", context,
                                f"invitation-reminder:{inv['id']}", now)
        else:
            await notify_unit(inv["subject_id"], "invitation_reminder", {"name": "", **context},
                              f"invitation-reminder:{inv['id']}", now)
        sent += 1
    return {"reminded": sent}


async def expire_invitations(day: JobDay) -> dict:
    """After the answer date an unanswered invitation counts as declined and a replacement is drawn."""
    answers = await expire_overdue(day.live, day.today, day.now)
    return {"expired": len(answers), "replaced": sum(a.replacement is not None for a in answers)}


async def study_deadline_reminders(day: JobDay) -> dict:
    """R-PANEL-4: two working days before a member's study deadline (their own: a replacement's may be later
    than the request's), accepted members without an opinion are reminded."""
    today, now = day.today, day.now
    sent, schedules = 0, await load_schedules()
    requests = {r["id"]: r for r in await PanelRequest.select()}
    for inv in await Invitation.select().where((Invitation.status == "accepted")
                                               & Invitation.opinion_submitted_on.is_null()
                                               & (Invitation.subject_kind == "expert")):
        request = requests[inv["request"]]
        deadline = inv["deadline"] or request["deadline"]
        if deadline < today or working_days_between(today, deadline, schedules) > 2:
            continue
        context = await _invitation_context(inv, request)
        await notify_expert(inv["subject_id"], "study_deadline_reminder", context, f"study-deadline:{inv['id']}", now)
        sent += 1
    return {"reminded": sent}


async def conflict_recheck(day: JobDay) -> dict:
    """Issue 17, R-COI-1..5: every panel at work re-checked against today's relations and policy in one pass;
    the office is told of each member that now conflicts (once per request, member, rule and path)."""
    found = await recheck_all(day.live, day.today)
    rows = []
    for c in found.conflicts:
        status = "可能存在回避情形（关系待确认）" if c.possible else "存在回避情形"
        context = {"item": day.live.graph.name(("item", c.item_id)), "member": day.live.graph.name(c.subject),
                   "request": c.request_id, "status": status,
                   "sentence": c.sentence, "rule_id": c.rule_id, "explanation": c.explanation}
        key = f"conflict-recheck:{c.request_id}:{c.subject[0]}:{c.subject[1]}:{c.rule_name}:{','.join(c.path)}"
        rows += office_rows("conflict_recheck", context, key, day.now)
    await enqueue_rows(rows)
    return {"requests": found.requests, "members": found.members, "items": found.items,
            "conflicts": len(found.conflicts)}


FILING_KEY = "record-filing"


async def _last_filing_reminders() -> dict[int, date]:
    """The day each item's drafting unit was last reminded to file (from the queued notices' keys)."""
    last: dict[int, date] = {}
    for row in await Outbox.select(Outbox.dedupe_key).where(
            Outbox.template.is_in(["record_filing", "record_filing_overdue"])
            & Outbox.dedupe_key.like(f"{FILING_KEY}:%")):
        parts = row["dedupe_key"].split("|")[0].split(":")
        if len(parts) == 3 and parts[1].isdigit():
            try:
                day = date.fromisoformat(parts[2])
            except ValueError:
                continue
            item = int(parts[1])
            last[item] = max(last.get(item, day), day)
    return last


async def record_filing(day: JobDay) -> dict:
    """R-REC-3: from the 7th working day after a decision until the record is filed, the drafting unit is
    reminded once a day; once the 10 working days are past, the office is told too (``reminder_today``)."""
    sent = office = 0
    pending, schedules = await filings.unfiled(day.today)
    last = await _last_filing_reminders()
    units = {r["id"]: r["name"] for r in await Institution.select(Institution.id, Institution.name).where(
        Institution.id.is_in(sorted({f.drafting_unit_id for f in pending if f.drafting_unit_id}) or [-1]))}
    for f in pending:
        reminder = reminder_today(f.decided_on, day.today, None, last.get(f.item_id), schedules)
        if not reminder.unit:
            continue
        context = {"item": f.title, "decided_on": f.decided_on, "due": f.due_on, "days": f.working_days_overdue,
                   "unit": units.get(f.drafting_unit_id or -1, "")}
        key = f"{FILING_KEY}:{f.item_id}:{day.today}"
        template = "record_filing_overdue" if reminder.office else "record_filing"
        await notify_unit(f.drafting_unit_id, template, context, key, day.now)
        sent += 1
        if reminder.office:
            await notify_office("record_filing_overdue", context, key, day.now)
            office += 1
    return {"reminded": sent, "office_told": office} if office else {"reminded": sent}


# The record lives in a capability above this one: the application hands its checkpoint writer in
# (``app.wiring``), as ``accounts.audit.write_checkpoint(now) -> {"seq", "hash", "at", "mac"}``.
CheckpointWriter = Callable[[datetime], Awaitable[dict]]
_CHECKPOINT: list[CheckpointWriter] = []


def anchor_record_with(writer: CheckpointWriter) -> None:
    _CHECKPOINT[:] = [writer]


async def record_checkpoint(day: JobDay) -> dict:
    """R-REC-2, issue 12: once a day the record's head is anchored outside the database (the checkpoint
    file) and, when ``OFFICE_EMAIL`` is set, e-mailed to the office, so a chain cut short or rewritten
    behind it is named by the verification."""
    if not _CHECKPOINT:
        return {"written": False, "reason": "本进程没有可锚定的全过程记录"}
    entry = await _CHECKPOINT[0](day.now)
    mailed = await email_office("record_checkpoint", {"day": day.today, **entry},
                                f"record-checkpoint:{day.today}", day.now)
    return {"written": True, "seq": entry["seq"], "hash": entry["hash"], "emailed": mailed}


async def eligibility_facts(day: JobDay) -> dict:
    """Issue 17: the stored eligibility follows the calendar (terms starting or ending, dated dismissals and
    discredits taking effect): only the experts whose stored fact no longer covers the day are computed again;
    then everyone is checked live against the facts, and what drifted is repaired and logged."""
    refreshed = await refresh_due(day.today)
    check = await eligibility_drift(day.today, repair=True)
    return {"refreshed": refreshed, "checked": check["checked"], "drift": len(check["drift"]),
            "drifted": check["drift"][:20], "repaired": check["repaired"]}


@dataclass(frozen=True)
class Job:
    name: str
    description: str
    run: Callable[[JobDay], Awaitable[dict]]


DAILY_JOBS = (
    Job("term_expiry", "聘期届满前90、30、7天提醒政策法规处和专家本人 (R-POOL-4)", term_expiry),
    Job("annual_review", "每年在设定日期为在聘专家生成年度考核任务及汇总数据 (R-POOL-6)", annual_review),
    Job("invitation_reminders", "答复期限前一个工作日提醒未答复的受邀专家", invitation_reminders),
    Job("expire_invitations", "答复期限已过仍未答复的邀请视为谢绝并抽取替补", expire_invitations),
    Job("study_deadline_reminders", "书面意见截止前2个工作日提醒 (R-PANEL-4)", study_deadline_reminders),
    Job("conflict_recheck", "每日对论证中的抽取结果按当日关系和回避规则复核，发现回避情形告知政策法规处 (R-COI-1..5)",
        conflict_recheck),
    Job("record_filing", "决策作出后第7个工作日起每日提醒承办单位归档全过程记录，逾期同时告知政策法规处 (R-REC-3)",
        record_filing),
    Job("eligibility_facts", "每日零时更新因聘期起止等日期变化而改变的专家入选资格，并核对、修复存储的资格 (R-POOL-4)",
        eligibility_facts),
    # last: the checkpoint anchors what the day's other jobs recorded
    Job("record_checkpoint", "每日将全过程记录链头写入数据库以外的锚点文件，并可发送至政策法规处邮箱 (R-REC-2)",
        record_checkpoint),
)
JOBS = {job.name: job for job in DAILY_JOBS}


async def run_job(job: Job, clock: Clock, me: str | None = None, live: LiveGraph | None = None) -> dict | None:
    """Run the job for the clock's day unless some process already has; None when it was not ours.
    ``live`` is the application's graph; a process without one (a script, a test) loads its own."""
    me, live = me or worker_id(), live or LiveGraph()
    today, now = clock.today(), clock.now()
    claimed = await JobRun.insert(JobRun(job=job.name, run_key=f"{job.name}:{today}", state="running",
                                         claimed_by=me, started_at=now)).on_conflict(
        target=JobRun.run_key, action="DO NOTHING").returning(JobRun.id)
    if not claimed:
        return None
    try:
        result = await job.run(JobDay(today, now, live, claimed[0]["id"]))
    except Exception as exc:  # recorded, and retried on the next day's run
        log.exception("job %s failed", job.name)
        await JobRun.update({JobRun.state: "failed", JobRun.result: {"error": repr(exc)[:500]},
                             JobRun.finished_at: clock.now()}).where(JobRun.id == claimed[0]["id"])
        return {"error": repr(exc)}
    async with unit_of_work():  # what a job decided (expiries, replacements, reviews) is in the record too
        await JobRun.update({JobRun.state: "done", JobRun.result: result, JobRun.finished_at: clock.now()}).where(
            JobRun.id == claimed[0]["id"])
        emit(JobRan(job.name, job.description, me, today, result, clock.now()))
    return result


async def run_due_jobs(clock: Clock, me: str | None = None, live: LiveGraph | None = None) -> dict[str, dict | None]:
    live = live or LiveGraph()
    return {job.name: await run_job(job, clock, me, live) for job in DAILY_JOBS}


def start_scheduler(clock: Clock, live: LiveGraph) -> AsyncIOScheduler:
    """Ticks only: daily jobs every five minutes (each runs once a day), the outbox every ten seconds."""
    scheduler = AsyncIOScheduler(timezone="Asia/Shanghai")

    async def daily() -> None:
        await run_due_jobs(clock, live=live)

    async def outbox() -> None:
        await deliver_due(clock.now())

    scheduler.add_job(daily, "interval", minutes=5, id="daily_jobs", next_run_time=datetime.now().astimezone(),
                      max_instances=1, coalesce=True)
    scheduler.add_job(outbox, "interval", seconds=10, id="outbox", max_instances=1, coalesce=True)
    scheduler.start()
    return scheduler
