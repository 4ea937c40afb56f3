"""Notifications that are never lost nor sent twice: a real SMTP server (aiosmtpd on 127.0.0.1), a real
webhook receiver, a worker process killed mid-batch, signed links, and the scheduled jobs moved by an
injected clock (R-POOL-4, R-POOL-6, R-PANEL-4, R-REC-3)."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import hmac
import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from core.settings import get_settings
from notifications import jobs, outbox
from notifications.tables import JobRun, Outbox
from tests.api.test_conflicts_api import make_item
from tests.builders import appoint_expert, create_institution
from tests.support.links import expert_token
from tests.support.mail import SmtpServer
from tests.support.panels import post_request
from tests.support.webhooks import WebhookReceiver

API = "/api/v1"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def smtp(monkeypatch):
    server = SmtpServer()
    settings = get_settings()
    patched = dataclasses.replace(settings, notifications=dataclasses.replace(
        settings.notifications, smtp_port=server.port, office_email="zcfgc@example.gov.cn"))
    monkeypatch.setattr(outbox, "get_settings", lambda: patched)
    yield server
    server.stop()


def deliver(client) -> dict:
    response = client.post(f"{API}/outbox/delivery")
    assert response.status_code == 201, response.text
    return response.json()


def emails(client) -> list[dict]:
    return [r for r in client.get(f"{API}/outbox", params={"limit": 500}).json()["items"] if r["channel"] == "email"]


def test_smtp_down_then_up_ten_invitations_arrive_exactly_once(client, clock, pool, smtp):
    for _ in (1, 2):  # two panels of five (two items: one live draw per item and purpose): ten invitation e-mails
        assert post_request(client, make_item(client), balance={}).status_code == 201
    invitations = [r for r in emails(client) if r["template"] == "invitation"]
    assert len(invitations) == 10 and {r["state"] for r in invitations} == {"pending"}

    report = deliver(client)  # the SMTP server is down
    assert report["failed"] >= 10
    failed = [r for r in emails(client) if r["template"] == "invitation"]
    assert {r["state"] for r in failed} == {"failed"}
    assert all("邮件服务器 smtp 127.0.0.1" in r["last_error"] and r["attempts"] == 1 for r in failed)

    smtp.start()
    assert deliver(client)["sent"] == 0  # not before the back-off has passed
    clock.fixed += timedelta(minutes=1)
    deliver(client)
    clock.fixed += timedelta(minutes=5)
    deliver(client)
    received = [m for m in smtp.mailbox.messages if "论证邀请" in m["Subject"]]
    assert len(received) == 10 and len({m["Message-ID"] for m in received}) == 10
    assert all(r["state"] == "sent" for r in emails(client) if r["template"] == "invitation")
    body = received[0].get_content()
    assert "城市轨道交通票价调整方案" in body and "/respond/" in body and "书面意见提交截止日期" in body


@pytest.mark.slow
def test_worker_killed_mid_batch_loses_nothing_and_sends_nothing_twice(client, pool, smtp):
    smtp.mailbox.rcpt_delay = 0.3
    smtp.start()
    for _ in (1, 2):
        post_request(client, make_item(client), balance={})
    env = {**os.environ, "SMTP_PORT": str(smtp.port), "OUTBOX_LEASE_SECONDS": "2", "RUN_SCHEDULER": "0"}

    def sent(state: str = "sent") -> int:
        return len([r for r in emails(client) if r["state"] == state])

    worker = subprocess.Popen([sys.executable, "-m", "notifications.worker", "--interval", "0.2"], cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while not (sent() >= 4 and sent("sending")) and time.monotonic() < deadline:
        time.sleep(0.02)
    worker.send_signal(signal.SIGKILL)  # mid-batch: some sent, one in the middle of its SMTP exchange
    worker.wait()
    first = sent()
    assert 4 <= first < 10
    assert any(r["state"] == "sending" for r in emails(client))  # claimed by the dead worker

    time.sleep(2.5)  # its lease runs out
    restarted = subprocess.Popen([sys.executable, "-m", "notifications.worker", "--interval", "0.2"], cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 60
        while sent() < 10 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        restarted.send_signal(signal.SIGTERM)
        restarted.wait()
    assert sent() == 10
    ids = smtp.mailbox.ids()
    assert len(ids) == 10 and len(set(ids)) == 10  # every message once, none twice


def test_webhook_is_signed_and_retried_until_the_unit_answers(client, clock, pool, smtp):
    smtp.start()
    unit = create_institution(client, name="市交通运输局", kind="government_body")
    with WebhookReceiver(fail_first=1) as receiver:
        hook = client.post(f"{API}/institutions/{unit['id']}/webhooks",
                           json={"url": f"http://127.0.0.1:{receiver.port}/hook"})
        assert hook.status_code == 201
        secret = hook.json()["secret"]
        item = make_item(client, drafting_unit_id=unit["id"])
        post_request(client, item, balance={})
        deliver(client)
        [row] = [r for r in client.get(f"{API}/outbox").json()["items"] if r["channel"] == "webhook"]
        assert row["state"] == "failed" and "HTTP 503" in row["last_error"]
        clock.fixed += timedelta(minutes=1)
        deliver(client)
        [(headers, body)] = receiver.received
        expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        assert headers["x-signature"] == expected and headers["idempotency-key"] == f"outbox-{row['id']}"
        payload = json.loads(body)
        assert payload["template"] == "panel_drawn" and payload["item"] == "城市轨道交通票价调整方案"
        inbox = client.get(f"{API}/inbox/unit:{unit['id']}").json()["items"]
        assert inbox and "专家抽取结果" in inbox[0]["subject"]


def _link(client, expert_id: int) -> str:
    return expert_token(client, expert_id)  # only the expert sees the live link (issue 11)


def test_signed_links_act_once_and_refuse_altered_or_expired_ones(client, clock, pool, smtp):
    smtp.start()
    item = make_item(client)
    view = post_request(client, item, balance={}).json()
    first, second, third = view["invitations"][:3]
    token = _link(client, first["subject"]["id"])

    page = client.get(f"/respond/{token}", params={"action": "accept"})
    assert page.status_code == 200 and "确认参加" in page.text and item["title"] in page.text
    done = client.post(f"/respond/{token}", data={"action": "accept"})
    assert done.status_code == 200 and "已确认参加" in done.text
    statuses = {i["id"]: i["status"] for i in client.get(f"{API}/panel-requests/{view['id']}").json()["invitations"]}
    assert statuses[first["id"]] == "accepted"
    used = client.post(f"/respond/{token}", data={"action": "decline", "reason": "改主意了"})
    assert used.status_code == 409 and "邀请已答复" in used.text  # a used link never acts again

    altered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    assert client.get(f"/respond/{altered}").status_code == 400
    assert client.post(f"/respond/{altered}", data={"action": "accept"}).status_code == 400

    decline_token = _link(client, second["subject"]["id"])
    no_reason = client.post(f"/respond/{decline_token}", data={"action": "decline", "reason": ""})
    assert no_reason.status_code == 422
    declined = client.post(f"/respond/{decline_token}", data={"action": "decline", "reason": "同期在外地出差"})
    assert declined.status_code == 200 and "已谢绝" in declined.text
    after = client.get(f"{API}/panel-requests/{view['id']}").json()
    assert {i["id"]: i["status"] for i in after["invitations"]}[second["id"]] == "declined"
    assert len(after["invitations"]) == 6  # a replacement was invited

    late_token = _link(client, third["subject"]["id"])
    clock.fixed += timedelta(days=8)
    expired = client.post(f"/respond/{late_token}", data={"action": "accept"})
    assert expired.status_code == 410 and "链接已过期" in expired.text
    statuses = {i["id"]: i["status"] for i in client.get(f"{API}/panel-requests/{view['id']}").json()["invitations"]}
    assert statuses[third["id"]] == "pending"  # an expired link changed nothing


def run_jobs(clock, me="process-a"):
    return asyncio.run(jobs.run_due_jobs(clock, me))


def test_term_expiry_notices_at_90_30_7_days_once_each_R_POOL_4(client, clock, smtp):
    expert = appoint_expert(client, start="2024-02-21", end="2027-02-20")
    clock.fixed = datetime(2026, 11, 24, 1, 0, tzinfo=timezone.utc)  # 88 days before the end
    assert run_jobs(clock)["term_expiry"] == {"terms": 1}
    assert run_jobs(clock)["term_expiry"] is None  # the same day again: already run
    notices = [r for r in client.get(f"{API}/outbox").json()["items"] if r["template"] == "term_expiry"]
    assert {r["recipient"] for r in notices} >= {"office", f"expert:{expert['expert_id']}", "zcfgc@example.gov.cn"}
    clock.fixed += timedelta(days=1)
    run_jobs(clock)  # the next day: the 90-day notice is not repeated
    again = [r for r in client.get(f"{API}/outbox").json()["items"] if r["template"] == "term_expiry"]
    assert len(again) == len(notices)
    clock.fixed = datetime(2027, 1, 22, 1, 0, tzinfo=timezone.utc)  # 29 days before
    run_jobs(clock)
    office = [m["subject"] for m in client.get(f"{API}/inbox/office").json()["items"]] if deliver(client) else []
    assert len([s for s in office if "聘期届满" in s]) == 2


def test_daily_job_runs_once_with_two_processes(client, clock):
    appoint_expert(client, start="2024-02-21", end="2027-02-20")

    async def both():
        return await asyncio.gather(jobs.run_job(jobs.JOBS["term_expiry"], clock, "process-a"),
                                    jobs.run_job(jobs.JOBS["term_expiry"], clock, "process-b"))

    results = asyncio.run(both())
    assert sorted(r is None for r in results) == [False, True]  # one ran, the other found it taken
    recorded = [e for e in client.get(f"{API}/audit/events").json()["items"] if e["action"] == "job term_expiry"]
    assert len(recorded) == 1 and recorded[0]["actor"].startswith("scheduler:")
    runs = asyncio.run(JobRun.select().where(JobRun.job == "term_expiry").run())
    assert len(runs) == 1 and runs[0]["state"] == "done"


def test_annual_review_tasks_open_on_the_configured_day_R_POOL_6(client, clock):
    experts = [appoint_expert(client) for _ in range(3)]
    assert run_jobs(clock)["annual_review"]["opened"] == 0  # 2026-11-24: before 12-01
    clock.fixed = datetime(2026, 12, 1, 1, 0, tzinfo=timezone.utc)
    assert run_jobs(clock)["annual_review"] == {"opened": 3}
    for e in experts:
        assert client.post(f"{API}/experts/{e['expert_id']}/annual-reviews",
                           json={"year": 2026, "review_date": "2026-12-01"}).status_code == 409  # already open
    clock.fixed += timedelta(days=1)
    assert run_jobs(clock)["annual_review"] == {"opened": 0}


def test_invitation_reminder_then_expiry_with_replacement(client, clock, pool):
    item = make_item(client)
    view = post_request(client, item, balance={}, answer_working_days=2).json()  # answer by 2026-11-26
    clock.fixed = datetime(2026, 11, 25, 1, 0, tzinfo=timezone.utc)
    assert run_jobs(clock)["invitation_reminders"] == {"reminded": 5}
    clock.fixed = datetime(2026, 11, 27, 1, 0, tzinfo=timezone.utc)
    result = run_jobs(clock)["expire_invitations"]
    assert result["expired"] == 5 and result["replaced"] == 5
    statuses = [i["status"] for i in client.get(f"{API}/panel-requests/{view['id']}").json()["invitations"]]
    assert statuses.count("expired") == 5 and statuses.count("pending") == 5


def test_study_deadline_reminder_two_working_days_before_R_PANEL_4(client, clock, pool):
    item = make_item(client)
    view = post_request(client, item, balance={}).json()  # deadline 2026-12-03
    accepted = view["invitations"][0]
    client.post(f"{API}/invitations/{accepted['id']}/answer", json={"accept": True})
    clock.fixed = datetime(2026, 11, 30, 1, 0, tzinfo=timezone.utc)  # Monday: 3 working days before
    assert run_jobs(clock)["study_deadline_reminders"] == {"reminded": 0}
    clock.fixed = datetime(2026, 12, 1, 1, 0, tzinfo=timezone.utc)  # Tuesday: 2 working days before
    assert run_jobs(clock)["study_deadline_reminders"] == {"reminded": 1}
    rows = [r for r in client.get(f"{API}/outbox").json()["items"] if r["template"] == "study_deadline_reminder"]
    assert rows and all(str(accepted["subject"]["id"]) in r["recipient"] or "@" in r["recipient"] for r in rows)


def test_record_filing_reminder_ten_working_days_after_the_decision_R_REC_3(client, clock):
    unit = create_institution(client, name="市发展和改革委员会", kind="government_body")
    item = make_item(client, drafting_unit_id=unit["id"])
    client.patch(f"{API}/items/{item['id']}", json={"decided_on": "2026-11-16"})
    assert run_jobs(clock)["record_filing"] == {"reminded": 0}  # due 2026-11-30
    clock.fixed = datetime(2026, 11, 30, 1, 0, tzinfo=timezone.utc)
    assert run_jobs(clock)["record_filing"] == {"reminded": 1}
    deliver(client)
    [message] = client.get(f"{API}/inbox/unit:{unit['id']}").json()["items"]
    assert "归档" in message["subject"] and "2026-11-16" in message["body"]


def test_jobs_are_listed_with_their_last_run(client, clock):
    run_jobs(clock)
    listed = client.get(f"{API}/jobs").json()["items"]
    assert [j["name"] for j in listed] == [j.name for j in jobs.DAILY_JOBS]
    assert all(j["last_run"]["state"] == "done" and j["last_run"]["run_key"].endswith("2026-11-24") for j in listed)
    again = client.post(f"{API}/jobs/term_expiry/run").json()
    assert again == {"job": "term_expiry", "ran": False, "result": {}}
    assert client.post(f"{API}/jobs/nope/run").status_code == 404


def test_dismissal_is_notified_in_the_same_transaction(client, smtp):
    smtp.start()
    expert = appoint_expert(client)
    client.post(f"{API}/experts/{expert['expert_id']}/dismissal",
                json={"reason_code": "6", "explanation": "本人申请", "effective_on": "2026-12-01"})
    rows = [r for r in client.get(f"{API}/outbox").json()["items"] if r["template"] == "dismissal"]
    assert {r["channel"] for r in rows} == {"email", "inbox"}
    deliver(client)
    assert any("解聘通知" in m["Subject"] for m in smtp.mailbox.messages)
    assert asyncio.run(Outbox.count().where(Outbox.state == "sent").run()) >= 2


def test_a_replacements_reminder_and_invitation_name_their_own_later_deadline_R_PANEL_4(client, clock, pool):
    item = make_item(client)
    view = post_request(client, item, balance={}).json()  # deadline 2026-12-03
    leaving = view["invitations"][1]
    clock.fixed = datetime(2026, 11, 30, 1, 0, tzinfo=timezone.utc)  # Monday: too late for 7 days by 12-03
    answer = client.post(f"{API}/invitations/{leaving['id']}/answer", json={"accept": False, "reason": "出差在外"})
    assert answer.status_code == 201, answer.text
    joining = answer.json()["replacement"]
    assert joining["deadline"] == "2026-12-09"  # 7 working days after 11-30
    invited = _bodies("invitation", f"invitation:{joining['id']}")
    assert invited and all("2026-12-09" in body for body in invited)
    assert client.post(f"{API}/invitations/{joining['id']}/answer", json={"accept": True}).status_code == 201
    clock.fixed = datetime(2026, 12, 1, 1, 0, tzinfo=timezone.utc)  # 2 working days before 12-03, not 12-09
    assert run_jobs(clock)["study_deadline_reminders"] == {"reminded": 0}
    clock.fixed = datetime(2026, 12, 7, 1, 0, tzinfo=timezone.utc)  # 2 working days before 12-09
    assert run_jobs(clock)["study_deadline_reminders"] == {"reminded": 1}
    reminders = _bodies("study_deadline_reminder", f"study-deadline:{joining['id']}")
    assert reminders and all("2026-12-09" in body for body in reminders)


def _bodies(template: str, key: str) -> list[str]:
    """The texts stored for one notice (every channel), read from the outbox table itself."""
    from notifications.tables import Outbox

    rows = Outbox.select(Outbox.body).where(
        (Outbox.template == template) & Outbox.dedupe_key.like(f"%{key}%")).run_sync()
    return [r["body"] for r in rows]
