"""Issue 11, R-PANEL-2: every panel record of a request (the draw and each replacement) re-runs from the
record alone, whatever order the constraint keys came in; the record carries the seed commitment."""

from __future__ import annotations

import asyncio
import hashlib

from assignment.tables import Panel
from tests.api.test_conflicts_api import make_item, ref, relate
from tests.support.panels import post_request

API = "/api/v1"


def _decline(client, invitation_id: int) -> dict:
    answer = client.post(f"{API}/invitations/{invitation_id}/answer", json={"accept": False, "reason": "出差在外"})
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_every_record_verifies_after_two_declines_with_unsorted_keys_R_PANEL_2(client, pool):
    """{"LAW":2,"ECON":2} once made verification answer same_members: false; replacement records could not
    be verified at all. Two declines (the second after conflicts appear, so the replacement skips the
    conflicted), then every record of the request: verified."""
    item = make_item(client)
    view = post_request(client, item, balance={"min_per_specialty": {"LAW": 2, "ECON": 2}}).json()
    assert "panel" in view, view
    request_id = view["id"]
    assert list(view["panel"]["constraints"]["min_per_specialty"]) == ["ECON", "LAW"]  # one canonical form
    _decline(client, view["invitations"][0]["id"])
    invited = {i["subject"]["id"] for i in client.get(f"{API}/panel-requests/{request_id}").json()["invitations"]}
    outside = [e["expert_id"] for e in pool["experts"] if e["expert_id"] not in invited]
    for expert_id in outside[:-1]:  # today's conflict check now refuses all but one of those not yet invited
        relate(client, "interest_in", ref("expert", {"id": expert_id}), ref("item", item))
    second = client.get(f"{API}/panel-requests/{request_id}").json()
    pending = [i for i in second["invitations"] if i["status"] == "pending"]
    result = _decline(client, pending[-1]["id"])
    panels = client.get(f"{API}/panel-requests/{request_id}/panels").json()
    assert len(panels) == (3 if result["replacement"] else 2)
    kinds = []
    for panel in panels:
        verified = client.get(f"{API}/panels/{panel['id']}/verification").json()
        assert verified["verified"] is True, verified
        assert verified["same_members"] and verified["candidates_hash_matches"] and verified["commitment_matches"]
        assert {c["name"] for c in verified["checks"]} >= {"candidates_hash", "commitment", "members"}
        kinds.append(verified["kind"])
    assert kinds[0] == "draw" and set(kinds[1:]) == {"replacement"}
    rows = asyncio.run(Panel.select().where(Panel.panel_request == request_id).order_by(Panel.id)
                       .output(load_json=True).run())
    for row in rows:  # the commitment binds the seed to the frozen candidate list
        assert row["seed_commitment"] == hashlib.sha256(f"{row['seed']}:{row['candidates_hash']}".encode()).hexdigest()
    assert rows[0]["replacement"] == {} and rows[1]["replacement"]["leaving"] == view["invitations"][0]["subject"]["id"]
    assert rows[1]["seed"] != rows[0]["seed"]  # the service's own seed, not derived from the first
    if len(rows) == 3:
        skipped = {s["id"] for s in rows[2]["replacement"]["skipped"]}
        assert skipped <= set(outside[:-1]) and all(s["rule_id"] for s in rows[2]["replacement"]["skipped"])


def test_a_record_changed_outside_the_service_fails_verification_R_PANEL_2(client, pool):
    item = make_item(client)
    view = post_request(client, item, balance={"min_per_specialty": {"LAW": 2, "ECON": 2}}).json()
    panel_id = view["panel"]["id"]
    row = asyncio.run(Panel.select(Panel.seed).where(Panel.id == panel_id).first().run())
    asyncio.run(Panel.update({Panel.seed: str(int(row["seed"]) + 1)}).where(Panel.id == panel_id).run())
    verified = client.get(f"{API}/panels/{panel_id}/verification").json()
    assert verified["verified"] is False and verified["commitment_matches"] is False


def test_an_old_replacement_record_answers_not_verified_with_a_note_R_PANEL_2(client, pool):
    """Rows stored before issue 11 (no commitment, no replacement inputs) do not crash verification."""
    item = make_item(client)
    view = post_request(client, item).json()
    answer = _decline(client, view["invitations"][0]["id"])
    new_id = answer["panel"]["id"]
    asyncio.run(Panel.update({Panel.seed_commitment: "", Panel.replacement: {}}).where(Panel.id == new_id).run())
    response = client.get(f"{API}/panels/{new_id}/verification")
    assert response.status_code == 200, response.text
    verified = response.json()
    assert verified["verified"] is False and verified["kind"] == "replacement" and verified["notes"]
    assert verified["commitment_matches"] is None
