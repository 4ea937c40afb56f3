"""Issue 13, one list shape: the notification and account lists (outbox, inbox, jobs, a unit's webhooks,
accounts, the event log) answer ``{items, total, offset, limit}``; ``total`` counts every matching row, not
the rows of the page."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

from notifications import jobs, outbox
from tests.builders import create_institution
from tests.support.app import add_account, login

API = "/api/v1"
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)


def page(response, total: int, offset: int, limit: int, size: int) -> list[dict]:
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"items", "total", "offset", "limit"}, body
    assert (body["total"], body["offset"], body["limit"], len(body["items"])) == (total, offset, limit, size), body
    return body["items"]


def notify_office(count: int) -> None:
    for n in range(count):
        asyncio.run(outbox.notify_office("annual_review_opened", {"year": 2026, "count": n}, f"lists:{n}", NOW))


def test_outbox_and_inbox_are_pages_with_totals(client):
    notify_office(7)
    first = page(client.get(f"{API}/outbox", params={"limit": 3}), 7, 0, 3, 3)
    last = page(client.get(f"{API}/outbox", params={"offset": 6, "limit": 3}), 7, 6, 3, 1)
    assert first[0]["id"] > first[-1]["id"] > last[0]["id"]  # newest first, windows that do not overlap
    page(client.get(f"{API}/outbox", params={"channel": "inbox", "limit": 2}), 7, 0, 2, 2)
    page(client.get(f"{API}/outbox", params={"channel": "email"}), 0, 0, 100, 0)
    page(client.get(f"{API}/outbox", params={"delivery_state": "sent"}), 0, 0, 100, 0)

    assert client.post(f"{API}/outbox/delivery").json()["sent"] == 7
    page(client.get(f"{API}/outbox", params={"delivery_state": "sent", "limit": 5}), 7, 0, 5, 5)
    inbox = page(client.get(f"{API}/inbox/office", params={"offset": 2, "limit": 2}), 7, 2, 2, 2)
    assert inbox[0]["id"] < inbox[1]["id"]  # oldest first
    message = inbox[0]["id"]
    assert client.post(f"{API}/inbox/messages/{message}/read").status_code == 200
    page(client.get(f"{API}/inbox/office", params={"unread": True, "limit": 1}), 6, 0, 1, 1)


def test_jobs_are_a_page(client):
    total = len(jobs.DAILY_JOBS)
    listed = page(client.get(f"{API}/jobs", params={"limit": 2}), total, 0, 2, 2)
    assert [j["name"] for j in listed] == [j.name for j in jobs.DAILY_JOBS[:2]]
    page(client.get(f"{API}/jobs", params={"offset": total - 1}), total, total - 1, 100, 1)


def test_a_units_webhooks_are_listed_without_their_secret(client):
    unit = create_institution(client, name="市交通运输局", kind="government_body")
    other = create_institution(client, name="市生态环境局", kind="government_body")
    for n in range(3):
        made = client.post(f"{API}/institutions/{unit['id']}/webhooks", json={"url": f"http://127.0.0.1:9/hook{n}"})
        assert made.status_code == 201, made.text
    hooks = page(client.get(f"{API}/institutions/{unit['id']}/webhooks", params={"limit": 2}), 3, 0, 2, 2)
    assert hooks[0]["url"].endswith("/hook0") and all("secret" not in h for h in hooks)
    page(client.get(f"{API}/institutions/{other['id']}/webhooks"), 0, 0, 100, 0)
    assert client.get(f"{API}/institutions/999999/webhooks").status_code == 404

    add_account("unit-a", "unit", unit_id=unit["id"])
    office = client.headers["Authorization"]
    login(client, "unit-a")
    page(client.get(f"{API}/institutions/{unit['id']}/webhooks"), 3, 0, 100, 3)
    assert client.get(f"{API}/institutions/{other['id']}/webhooks").status_code == 403
    client.headers["Authorization"] = office


def test_accounts_are_a_page_with_a_role_filter(client):
    for n in range(3):
        add_account(f"auditor{n}", "auditor")
    accounts = page(client.get(f"{API}/accounts", params={"limit": 2}), 4, 0, 2, 2)
    assert accounts[0]["username"] == "office"
    auditors = page(client.get(f"{API}/accounts", params={"role": "auditor", "offset": 1}), 3, 1, 100, 2)
    assert [a["username"] for a in auditors] == ["auditor1", "auditor2"]


def test_the_event_log_is_a_page_counting_every_matching_event(client):
    for n in range(3):
        assert client.post(f"{API}/institutions", json={"name": f"机构{n}", "kind": "university"}).status_code == 201
    everything = client.get(f"{API}/audit/events", params={"limit": 500}).json()
    total = everything["total"]
    assert total == len(everything["items"]) >= 3
    window = page(client.get(f"{API}/audit/events", params={"offset": 1, "limit": 2}), total, 1, 2, 2)
    assert [e["seq"] for e in window] == [e["seq"] for e in everything["items"][1:3]]
    after = everything["items"][0]["seq"]
    page(client.get(f"{API}/audit/events", params={"after": after, "limit": 1}), total - 1, 0, 1, 1)
    subject = everything["items"][-1]["subject"]
    same = [e for e in everything["items"] if e["subject"] == subject]
    page(client.get(f"{API}/audit/events", params={"subject": subject}), len(same), 0, 200, len(same))
