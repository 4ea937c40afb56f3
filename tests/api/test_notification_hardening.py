"""Issue 12, notifications: webhooks never point into the service's own network and are at most five per
unit; an e-mail to an unusable address is dead at once instead of "sending" forever, while a server that
is down is retried; the record's head is anchored once a day by a scheduled job (R-REC-2)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import threading
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from core.settings import get_settings
from notifications import jobs, outbox
from notifications.tables import Outbox
from tests.builders import create_institution
from tests.support.mail import SmtpServer, free_port

API = "/api/v1"


def hook(client, unit_id: int, url: str):
    return client.post(f"{API}/institutions/{unit_id}/webhooks", json={"url": url})


def rows(channel: str) -> list[dict]:
    return asyncio.run(Outbox.select().where(Outbox.channel == channel).order_by(Outbox.id).run())


def notify(unit_id: int, now: datetime, key: str = "x") -> None:
    context = {"item": "城市轨道交通票价调整方案", "decided_on": "2026-11-16", "due": "2026-11-30"}
    asyncio.run(outbox.notify_unit(unit_id, "record_filing", context, f"record-filing:{key}", now))


# --- webhooks ------------------------------------------------------------------------------------------
def test_link_local_metadata_address_is_refused_with_the_field_named_issue_12(client):
    unit = create_institution(client, kind="government_body")
    refused = hook(client, unit["id"], "http://169.254.169.254/latest/meta-data/")
    assert refused.status_code == 422, refused.text
    [error] = refused.json()["errors"]
    assert error["field"] == "url" and "链路本地" in error["reason"] and "169.254.169.254" in error["reason"]
    assert client.get(f"{API}/outbox").status_code == 200


@pytest.mark.parametrize("url, why", [
    ("http://127.0.0.1:9/hook", "回环"), ("http://[::1]/hook", "回环"), ("http://[::ffff:127.0.0.1]/hook", "回环"),
    ("http://10.1.2.3/hook", "内网"), ("https://192.168.0.10/hook", "内网"), ("http://0.0.0.0/hook", "地址"),
    ("http://100.64.0.1/hook", "非公网"), ("http://239.1.1.1/hook", "组播"),
])
def test_own_network_addresses_are_refused_without_the_allow_list_issue_12(client, monkeypatch, url, why):
    monkeypatch.setenv("WEBHOOK_ALLOW_HOSTS", "")
    unit = create_institution(client, kind="government_body")
    refused = hook(client, unit["id"], url)
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "url" and why in refused.json()["errors"][0]["reason"]


def test_the_allow_list_names_hosts_and_networks_issue_12(client, monkeypatch):
    unit = create_institution(client, kind="government_body")
    monkeypatch.setenv("WEBHOOK_ALLOW_HOSTS", "10.8.0.0/16, intranet-host")
    assert hook(client, unit["id"], "http://10.8.3.4/hook").status_code == 201
    assert hook(client, unit["id"], "http://10.9.3.4/hook").status_code == 422


@pytest.mark.parametrize("url", ["ftp://example.com/hook", "file:///etc/passwd", "gopher://127.0.0.1/"])
def test_only_http_and_https_are_accepted_issue_12(client, url):
    unit = create_institution(client, kind="government_body")
    refused = hook(client, unit["id"], url)
    assert refused.status_code == 400, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["url"]


def test_a_sixth_endpoint_is_refused_issue_12(client):
    unit = create_institution(client, kind="government_body")
    other = create_institution(client, kind="government_body")
    for n in range(5):
        assert hook(client, unit["id"], f"http://127.0.0.1:9/hook{n}").status_code == 201
    sixth = hook(client, unit["id"], "http://127.0.0.1:9/hook5")
    assert sixth.status_code == 422, sixth.text
    [error] = sixth.json()["errors"]
    assert error["field"] == "url" and "最多登记 5 个" in error["reason"]
    assert hook(client, other["id"], "http://127.0.0.1:9/hook").status_code == 201  # counted per unit


class Receiver(BaseHTTPRequestHandler):
    received: list[str] = []  # the Host header of each request

    def do_POST(self):  # the name http.server calls
        self.rfile.read(int(self.headers["content-length"]))
        Receiver.received.append(self.headers.get("host"))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_the_address_is_checked_again_at_delivery_issue_12(client, clock, monkeypatch):
    """Registered while the host was allowed; by delivery it no longer is: dead at once, nothing posted."""
    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Receiver.received = []
    try:
        unit = create_institution(client, kind="government_body")
        assert hook(client, unit["id"], f"http://localhost:{port}/hook").status_code == 201
        notify(unit["id"], clock.now(), "first")
        client.post(f"{API}/outbox/delivery")
        [sent] = rows("webhook")
        assert sent["state"] == "sent"
        assert Receiver.received == [f"localhost:{port}"]  # the URL's own name, at the checked address

        monkeypatch.setenv("WEBHOOK_ALLOW_HOSTS", "")
        notify(unit["id"], clock.now(), "second")
        client.post(f"{API}/outbox/delivery")
        refused = rows("webhook")[1]
        assert refused["state"] == "dead" and refused["attempts"] == 1 and "回环" in refused["last_error"]
        assert len(Receiver.received) == 1
    finally:
        server.shutdown()


# --- e-mail --------------------------------------------------------------------------------------------
class PickyMailbox:
    """Refuses ``nobody@`` for good (550) and ``busy@`` for now (450)."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("nobody@"):
            return "550 5.1.1 no such mailbox"
        if address.startswith("busy@"):
            return "450 4.2.1 mailbox busy, try later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.content)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp(monkeypatch):
    server = SmtpServer()
    server.mailbox = PickyMailbox()
    settings = get_settings()
    patched = dataclasses.replace(settings, notifications=dataclasses.replace(
        settings.notifications, smtp_port=server.port, office_email="zcfgc@example.gov.cn"))
    monkeypatch.setattr(outbox, "get_settings", lambda: patched)
    server.start()
    yield server
    server.stop()


def enqueue_email(address: str, now: datetime, key: str) -> None:
    context = {"name": "张三", "effective_on": "2026-12-01", "reason": "本人申请"}
    asyncio.run(outbox.enqueue("email", address, "dismissal", context, f"dismissal:{key}", now))


def test_an_address_with_a_line_break_is_dead_when_queued_issue_12(client, clock, smtp):
    enqueue_email("zhang@example.cn\r\nBcc: everyone@example.cn", clock.now(), "crlf")
    [row] = rows("email")
    assert row["state"] == "dead" and "收件地址无效" in row["last_error"] and row["attempts"] == 0
    assert client.post(f"{API}/outbox/delivery").json()["claimed"] == 0
    assert smtp.mailbox.messages == []


def test_a_row_queued_before_the_check_is_dead_at_delivery_and_the_rest_still_go_issue_12(client, clock, smtp):
    now = clock.now()
    asyncio.run(Outbox.insert(Outbox(
        channel="email", recipient="zhang@example.cn\r\nBcc: everyone@example.cn", template="dismissal",
        subject="【解聘通知】张三", body="...", dedupe_key="old-row", next_attempt_at=now, created_at=now)).run())
    enqueue_email("li@example.cn", now, "good")
    report = client.post(f"{API}/outbox/delivery").json()
    assert report == {"claimed": 2, "sent": 1, "failed": 1}
    bad, good = rows("email")
    assert bad["state"] == "dead" and bad["attempts"] == 1 and "收件地址无效" in bad["last_error"]
    assert bad["claimed_until"] is None
    assert good["state"] == "sent" and len(smtp.mailbox.messages) == 1


def test_smtp_5xx_is_dead_at_once_and_4xx_keeps_the_back_off_issue_12(client, clock, smtp):
    enqueue_email("nobody@example.cn", clock.now(), "550")
    enqueue_email("busy@example.cn", clock.now(), "450")
    client.post(f"{API}/outbox/delivery")
    refused, busy = rows("email")
    assert refused["state"] == "dead" and refused["attempts"] == 1 and "550" in refused["last_error"]
    assert busy["state"] == "failed" and "450" in busy["last_error"]
    assert busy["next_attempt_at"] > clock.now()
    clock.fixed += timedelta(minutes=1)
    client.post(f"{API}/outbox/delivery")
    refused, busy = rows("email")
    assert refused["attempts"] == 1 and busy["attempts"] == 2 and busy["state"] == "failed"


def test_a_row_whose_last_attempt_never_finished_is_dead_not_sending_forever_issue_12(client, clock, smtp):
    enqueue_email("li@example.cn", clock.now(), "lease")
    max_attempts = get_settings().notifications.max_attempts
    asyncio.run(Outbox.update({Outbox.state: "sending", Outbox.attempts: max_attempts,
                               Outbox.claimed_until: clock.now() - timedelta(seconds=1)}).where(
        Outbox.channel == "email").run())
    assert client.post(f"{API}/outbox/delivery").json()["claimed"] == 0
    [row] = rows("email")
    assert row["state"] == "dead" and "最大尝试次数" in row["last_error"]


# --- the record's daily checkpoint ---------------------------------------------------------------------
def test_the_record_checkpoint_job_writes_one_line_a_day_and_emails_the_office_R_REC_2(client, clock, smtp):
    path = get_settings().record.checkpoint_file
    path.unlink(missing_ok=True)
    job = jobs.JOBS["record_checkpoint"]
    assert jobs.DAILY_JOBS[-1] is job  # after the day's other jobs
    first = asyncio.run(jobs.run_job(job, clock, "process-a"))
    assert first["written"] and first["emailed"]
    [line] = [json.loads(x) for x in path.read_text().splitlines()]
    assert (line["seq"], line["hash"]) == (first["seq"], first["hash"]) and line["at"].startswith("2026-11-24")
    assert asyncio.run(jobs.run_job(job, clock, "process-b")) is None  # the same day: once
    assert len(path.read_text().splitlines()) == 1

    clock.fixed += timedelta(days=1)
    second = asyncio.run(jobs.run_job(job, clock, "process-a"))
    assert second["seq"] > first["seq"]  # the first run's own record came after its checkpoint
    assert len(path.read_text().splitlines()) == 2
    mails = [r for r in rows("email") if r["template"] == "record_checkpoint"]
    assert [r["recipient"] for r in mails] == ["zcfgc@example.gov.cn"] * 2
    assert first["hash"] in mails[0]["body"] and "2026-11-25" in mails[1]["subject"]
    assert client.get(f"{API}/audit/verification").json()["ok"] is True


def test_the_checkpoint_job_runs_with_the_others_on_the_injected_clock_R_REC_2(client, clock):
    clock.fixed = datetime(2026, 12, 3, 1, 0, tzinfo=timezone.utc)
    results = asyncio.run(jobs.run_due_jobs(clock, "process-a"))
    assert results["record_checkpoint"]["written"] is True and results["record_checkpoint"]["emailed"] is False
    assert asyncio.run(jobs.run_due_jobs(clock, "process-b"))["record_checkpoint"] is None
    line = json.loads(get_settings().record.checkpoint_file.read_text().splitlines()[-1])
    assert line["at"].startswith("2026-12-03")
