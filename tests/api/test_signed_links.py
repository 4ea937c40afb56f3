"""Issue 11: a signed answer link reaches only the invitee, and every link answer is on the item's record
under the invitation (R-REC-1).

Hostile cases: the auditor (who may read everything) reads an expert's inbox to take the link and answer;
the office reads it from the outbox, a webhook or the record export. Each sees the link masked; the expert's
e-mail and the expert's own inbox carry the live link, and an answer through it names the expert."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re

import pytest

from accounts.tables import AuditEvent
from core.settings import get_settings
from notifications import outbox
from notifications.links import MASKED
from notifications.tables import InboxMessage, Outbox
from registry.tables import Expert
from tests.api.test_conflicts_api import make_item
from tests.builders import create_institution
from tests.support.app import add_account, login
from tests.support.links import expert_headers, expert_links, expert_token
from tests.support.mail import SmtpServer
from tests.support.panels import post_request
from tests.support.webhooks import WebhookReceiver

API = "/api/v1"
LIVE = re.compile(r"/respond/[A-Za-z0-9_\-.]{20,}")


@pytest.fixture
def smtp(monkeypatch):
    server = SmtpServer()
    settings = get_settings()
    patched = dataclasses.replace(settings, notifications=dataclasses.replace(settings.notifications,
                                                                              smtp_port=server.port))
    monkeypatch.setattr(outbox, "get_settings", lambda: patched)
    server.start()
    yield server
    server.stop()


def _rows(table) -> list[dict]:
    return asyncio.run(table.select().output(load_json=True).run())


def _invite(client, pool) -> tuple[dict, dict, dict]:
    item = make_item(client)
    view = post_request(client, item, balance={}).json()
    client.post(f"{API}/outbox/delivery")
    return item, view, view["invitations"][0]


def test_auditor_and_office_see_an_experts_link_masked_R_REC_1(client, pool, smtp):
    """Issue 11 hostile case: the auditor reads the expert's inbox to take the link. It sees the link masked
    (so does the office); no row the service stores holds a live link; the expert's e-mail and the expert's
    own inbox carry it, and it works."""
    item, view, first = _invite(client, pool)
    expert_id = first["subject"]["id"]
    add_account("auditor", "auditor")
    office_headers = dict(client.headers)
    login(client, "auditor")
    seen_by_auditor = client.get(f"{API}/inbox/expert:{expert_id}").json()["items"]
    invitation = next(m for m in seen_by_auditor if "论证邀请" in m["subject"])
    assert MASKED["accept"] in invitation["body"] and MASKED["decline"] in invitation["body"]
    assert "/respond/" not in json.dumps(seen_by_auditor, ensure_ascii=False)
    assert "/respond/" not in json.dumps(client.get(f"{API}/outbox", params={"limit": 500}).json()["items"])
    client.headers.update(office_headers)
    seen_by_office = client.get(f"{API}/inbox/expert:{expert_id}").json()["items"]
    assert "/respond/" not in json.dumps(seen_by_office, ensure_ascii=False)

    stored = json.dumps([*_rows(Outbox), *_rows(InboxMessage)], ensure_ascii=False, default=str)
    assert "/respond/" not in stored  # not in any body or payload: the live token is never stored

    own = client.get(f"{API}/inbox/expert:{expert_id}", headers=expert_headers(client, expert_id)).json()["items"]
    assert LIVE.search(next(m["body"] for m in own if "论证邀请" in m["subject"]))
    mails = [m for m in smtp.mailbox.messages if "论证邀请" in m["Subject"]]
    assert mails and all(LIVE.search(m.get_content()) for m in mails)
    # the e-mailed link is the one the expert's inbox shows, and it acts
    token = expert_token(client, expert_id)
    assert f"/respond/{token}" in {LIVE.search(m.get_content()).group(0) for m in mails}
    assert client.get(f"/respond/{token}").status_code == 200


def test_another_expert_cannot_read_the_link_R_REC_1(client, pool):
    """An expert reading another expert's inbox is refused; an expert's own inbox shows only its own links."""
    _, _, first = _invite(client, pool)
    other = next(e["expert_id"] for e in pool["experts"] if e["expert_id"] != first["subject"]["id"])
    headers = expert_headers(client, other)
    assert client.get(f"{API}/inbox/expert:{first['subject']['id']}", headers=headers).status_code == 403


def test_webhook_to_an_invited_institution_carries_the_link_masked_R_REC_1(client):
    """An institution invited as evaluator: its webhook (which the office may register too) gets the notice
    masked; the institution's own unit account sees the live link in its inbox, the auditor does not."""
    item = make_item(client)
    firm = create_institution(client, name="评估机构甲", kind="consultancy")
    admitted = client.post(f"{API}/institutions/{firm['id']}/evaluator-pool", json={
        "has_facilities": True, "staff_competences": ["law", "policy", "administration", "evaluation_methods"]})
    assert admitted.status_code == 201, admitted.text
    with WebhookReceiver() as receiver:
        hook = client.post(f"{API}/institutions/{firm['id']}/webhooks",
                           json={"url": f"http://127.0.0.1:{receiver.port}/hook"})
        assert hook.status_code == 201, hook.text
        view = post_request(client, item, subject_kind="institution", purpose="post_evaluation", size=1,
                            balance={})
        assert view.status_code == 201, view.text
        client.post(f"{API}/outbox/delivery")
        bodies = [json.loads(body) for _, body in receiver.received]
    invitation = next(b for b in bodies if b.get("template") == "invitation")
    assert "/respond/" not in json.dumps(invitation, ensure_ascii=False)
    assert MASKED["accept"] in invitation["body"] and "signed_link" not in invitation

    add_account("firm", "unit", unit_id=firm["id"])
    office_headers = dict(client.headers)
    assert "/respond/" not in client.get(f"{API}/inbox/unit:{firm['id']}").text  # the office: masked
    login(client, "firm")
    own = client.get(f"{API}/inbox/unit:{firm['id']}").json()["items"]
    assert LIVE.search(next(m["body"] for m in own if "论证邀请" in m["subject"]))
    client.headers.update(office_headers)


def test_link_answer_is_on_the_items_record_under_the_invitation_R_REC_1(client, pool):
    """Issue 11: the record named the actor "signed-link". An accept and a decline through the link are
    events of the item's record, subject the invitation, the actor the expert, carrying the invitation,
    request and item ids; no event holds the token."""
    item, view, first = _invite(client, pool)
    second = view["invitations"][1]
    accept, _ = expert_links(client, first["subject"]["id"])
    _, decline = expert_links(client, second["subject"]["id"])
    assert client.post(accept.split("?")[0], data={"action": "accept"}).status_code == 200
    declined = client.post(decline.split("?")[0], data={"action": "decline", "reason": "同期在外地出差"})
    assert declined.status_code == 200, declined.text

    record = client.get(f"{API}/items/{item['id']}/record").json()
    names = {e["id"]: e["name"] for e in _rows(Expert)}
    for invitation, answer in ((first, "accept"), (second, "decline")):
        expert_id = invitation["subject"]["id"]
        [event] = [e for e in record["events"] if e["subject"] == f"invitation:{invitation['id']}"
                   and e["action"].startswith("POST /respond/")]
        assert event["actor"] == f"专家 {names[expert_id]} (expert:{expert_id}) 通过签名链接"
        assert event["data"]["request"]["signed_link"] == {"invitation": invitation["id"], "request": view["id"],
                                                         "item": item["id"]}
        assert event["data"]["request"]["answer"] == answer
    [decline_event] = [e for e in record["events"] if e["subject"] == f"invitation:{second['id']}"
                       and e["action"].startswith("POST /respond/")]
    assert decline_event["reason"] == "同期在外地出差"
    events = json.dumps(asyncio.run(AuditEvent.select().output(load_json=True).run()), ensure_ascii=False,
                        default=str)
    assert "signed-link" not in events and not LIVE.search(events)


def test_old_rows_with_live_links_are_masked_for_other_roles_R_REC_1(client, pool):
    """Rows stored before this rule held live links: the office and auditor read them masked."""
    _, _, first = _invite(client, pool)
    expert_id = first["subject"]["id"]
    live = "http://127.0.0.1:8000/respond/eyJpbnZpdGF0aW9uIjoxfQ.aBcDeFgHiJkLmNoP?action=accept"

    async def plant() -> None:
        await InboxMessage.update({InboxMessage.body: f"接受：{live}"}).where(
            InboxMessage.recipient == f"expert:{expert_id}")
    asyncio.run(plant())
    seen = client.get(f"{API}/inbox/expert:{expert_id}").text
    assert "/respond/" not in seen and MASKED["accept"] in seen
