"""The full-process record (R-REC-1, R-REC-2, R-REC-3): decisions are hash-chained events; the chain
check finds a row edited directly in the database; an item's whole record exports for filing."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from accounts.tables import AuditEvent
from tests.api.test_conflicts_api import make_item, ref, relate
from tests.support.panels import post_request

API = "/api/v1"
ROOT = Path(__file__).resolve().parents[2]


def events(client, **params) -> list[dict]:
    return client.get(f"{API}/audit/events", params={"limit": 500, **params}).json()["items"]


def test_decisions_are_events_with_who_when_why_R_REC_1(client, pool):
    item = make_item(client)
    relate(client, "interest_in", ref("expert", {"id": pool["experts"][0]["expert_id"]}), ref("item", item))
    client.get(f"{API}/items/{item['id']}/conflicts", params={"purpose": "argument"})
    view = post_request(client, item).json()
    client.post(f"{API}/invitations/{view['invitations'][0]['id']}/answer",
                json={"accept": False, "reason": "出差"})
    log = events(client)
    actions = [e["action"] for e in log]
    assert "POST /api/v1/panel-requests" in actions and "GET /api/v1/items/{item_id}/conflicts" in actions
    draw = next(e for e in log if e["action"] == "POST /api/v1/panel-requests")
    drawn = next(e for e in draw["data"]["events"] if e["event"] == "PanelDrawn")  # recorded with the change
    assert draw["actor"] == "office:office" and drawn["seed"] and drawn["candidates_hash"]
    assert f"panel:{drawn['panel_id']}" in draw["data"]["rows"]  # the panel row's digest (R-REC-2)
    decline = next(e for e in log if e["action"].endswith("/answer"))
    assert decline["reason"] == "出差" and decline["subject"].startswith("invitation:")
    applied = [e for e in log if "/applications" in e["action"]]
    assert applied and "***" in str(applied[0]["data"]["request"]["expert"]["id_number"])  # no personal data
    assert client.get(f"{API}/audit/verification").json() == {"ok": True, "events": len(log), "first_bad_seq": None,
                                                             "problem": ""}


def test_chain_check_finds_a_row_edited_in_the_database_R_REC_2(client, pool):
    item = make_item(client)
    post_request(client, item)
    total = len(events(client))
    asyncio.run(AuditEvent.update({AuditEvent.reason: "改过的理由"}).where(AuditEvent.seq == 3).run())
    report = client.get(f"{API}/audit/verification").json()
    assert report["ok"] is False and report["first_bad_seq"] == 3 and "改动" in report["problem"]
    command = subprocess.run([sys.executable, "-m", "accounts.cli", "verify-chain"], cwd=ROOT, env=os.environ,
                             capture_output=True, text=True)
    assert command.returncode == 1 and "第 3 条处不完整" in command.stdout
    asyncio.run(AuditEvent.delete().where(AuditEvent.seq == 3).run())
    report = client.get(f"{API}/audit/verification").json()
    assert report["first_bad_seq"] == 3 and "缺失" in report["problem"] and report["events"] == total - 1


def test_item_record_exports_for_filing_R_REC_3(client, pool):
    item = make_item(client)
    view = post_request(client, item).json()
    record = client.get(f"{API}/items/{item['id']}/record").json()
    assert record["item"]["title"] == item["title"]
    assert [r["id"] for r in record["panel_requests"]] == [view["id"]]
    assert len(record["panels"]) == 1 and len(record["invitations"]) == 5
    assert any(e["action"] == "POST /api/v1/panel-requests" for e in record["events"])
    assert record["chain"]["ok"] is True, record["chain"]


def test_first_office_account_by_command_never_a_default(client):
    env = {**os.environ, "REGISTRY_PASSWORD": "short"}
    weak = subprocess.run([sys.executable, "-m", "accounts.cli", "create-office-user", "chief"], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    assert weak.returncode == 2 and "至少 12" in weak.stderr
    env["REGISTRY_PASSWORD"] = "a proper long passphrase"
    made = subprocess.run([sys.executable, "-m", "accounts.cli", "create-office-user", "chief"], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    login = client.post(f"{API}/auth/login", json={"username": "chief", "password": "a proper long passphrase"})
    assert login.status_code == 201 and login.json()["role"] == "office"
