"""Issue 11: an item's gravity flags (R-PANEL-1: an item wide in scope, controversial, complex or sensitive
needs at least 7 experts) change only with a reason, on the item's record, and are never cleared once a panel
of experts has been drawn for the item.

Hostile case: a drafting unit clears its own item's "controversial" flag and then requests 5 instead of 7."""

from __future__ import annotations

import asyncio

from decisions.tables import DecisionItem
from tests.api.test_conflicts_api import make_item
from tests.builders import create_institution
from tests.support.app import add_account, login
from tests.support.panels import post_request

API = "/api/v1"


def _flags(item_id: int) -> dict:
    row = asyncio.run(DecisionItem.select(DecisionItem.controversial, DecisionItem.complex).where(
        DecisionItem.id == item_id).first().run())
    assert row is not None
    return row


def _gravity_events(client, item_id: int) -> list[tuple[dict, dict]]:
    record = client.get(f"{API}/items/{item_id}/record").json()
    return [(e, ev) for e in record["events"] for ev in (e["data"] or {}).get("events") or []
            if ev.get("event") == "GravityChanged"]


def test_changing_a_gravity_flag_needs_a_reason_R_PANEL_1(client):
    item = make_item(client)
    refused = client.patch(f"{API}/items/{item['id']}", json={"controversial": True})
    assert refused.status_code == 422, refused.text
    [error] = refused.json()["errors"]
    assert error["field"] == "reason" and error["rule_id"] == "R-PANEL-1" and "理由" in error["reason"]
    blank = client.patch(f"{API}/items/{item['id']}", json={"controversial": True, "reason": "   "})
    assert blank.status_code == 422
    assert _flags(item["id"])["controversial"] is False and not _gravity_events(client, item["id"])

    # no change of a flag (the same value, or only the decision date): no reason needed
    same = client.patch(f"{API}/items/{item['id']}", json={"controversial": False, "decided_on": "2026-11-01"})
    assert same.status_code == 200, same.text
    assert not _gravity_events(client, item["id"])


def test_a_gravity_change_is_recorded_old_to_new_with_its_reason_R_PANEL_1(client):
    item = make_item(client)
    changed = client.patch(f"{API}/items/{item['id']}", json={"controversial": True, "complex": False,
                                                               "reason": "听证会上群众意见分歧较大"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["controversial"] is True and changed.json()["minimum_panel_size"] == 7
    [(event, gravity)] = _gravity_events(client, item["id"])
    assert event["subject"] == f"item:{item['id']}" and event["reason"] == "听证会上群众意见分歧较大"
    assert gravity["changes"] == {"controversial": {"old": False, "new": True}}  # complex did not change
    assert gravity["reason"] == "听证会上群众意见分歧较大" and gravity["rule_id"] == "R-PANEL-1"
    assert (gravity["minimum_before"], gravity["minimum_after"]) == (5, 7)

    # before any draw a flag may be cleared, with a reason, and that too is recorded
    cleared = client.patch(f"{API}/items/{item['id']}", json={"controversial": False, "reason": "登记错误"})
    assert cleared.status_code == 200, cleared.text
    assert [g["changes"] for _, g in _gravity_events(client, item["id"])][-1] == {
        "controversial": {"old": True, "new": False}}


def test_unit_cannot_clear_controversial_after_a_draw_and_ask_for_five_R_PANEL_1(client, pool):
    """The hostile case of issue 11: a panel of 7 was drawn for a controversial item; its drafting unit
    clears the flag (with a reason) to request 5. Refused with 409, the flag stays, and 5 stays refused."""
    unit = create_institution(client, name="市交通运输局", kind="government_body")
    item = make_item(client, drafting_unit_id=unit["id"], controversial=True)
    drawn = post_request(client, item, size=7, balance={})
    assert drawn.status_code == 201, drawn.text
    add_account("unit", "unit", unit_id=unit["id"])
    login(client, "unit")

    refused = client.patch(f"{API}/items/{item['id']}", json={"controversial": False, "reason": "争议已经化解"})
    assert refused.status_code == 409, refused.text
    [error] = refused.json()["errors"]
    assert error["field"] == "controversial" and error["rule_id"] == "R-PANEL-1"
    assert f"#{drawn.json()['id']}" in error["reason"]
    assert _flags(item["id"])["controversial"] is True
    five = post_request(client, item, size=5, balance={}, purpose="risk_assessment")
    assert five.status_code == 422 and any(e["rule_id"] == "R-PANEL-1" for e in five.json()["errors"])


def test_office_cannot_clear_a_flag_after_a_draw_either_R_PANEL_1(client, pool):
    item = make_item(client, complex=True)
    assert post_request(client, item, size=7, balance={}).status_code == 201
    refused = client.patch(f"{API}/items/{item['id']}", json={"complex": False, "reason": "复核后认为不复杂"})
    assert refused.status_code == 409 and refused.json()["errors"][0]["rule_id"] == "R-PANEL-1"
    assert _flags(item["id"])["complex"] is True and not _gravity_events(client, item["id"])


def test_raising_a_flag_after_a_panel_of_five_notes_the_shortfall_R_PANEL_1(client, pool):
    """Raising is allowed after a draw; the answer says the panel drawn is below the new minimum, and the
    panel is not changed silently."""
    item = make_item(client)
    view = post_request(client, item, size=5, balance={}).json()
    raised = client.patch(f"{API}/items/{item['id']}", json={"controversial": True, "reason": "舆情反映争议较大"})
    assert raised.status_code == 200, raised.text
    body = raised.json()
    assert body["minimum_panel_size"] == 7
    [note] = body["notes"]
    assert f"#{view['id']}" in note and "5" in note and "7" in note and "R-PANEL-1" in note
    [(_, gravity)] = _gravity_events(client, item["id"])
    assert gravity["notes"] == [note]
    after = client.get(f"{API}/panel-requests/{view['id']}").json()
    assert len(after["panel"]["members"]) == 5  # nothing drawn or removed behind the office's back
    assert client.get(f"{API}/items/{item['id']}").json()["notes"] == []  # notes belong to the change
