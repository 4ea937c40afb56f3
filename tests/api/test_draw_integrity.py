"""Issue 11, hostile drafting unit: nobody steers a draw. The seed is the service's (R-PANEL-2); every draw
of an item is numbered on its record and a second live draw for the same item and purpose is refused until
the first is cancelled with a reason the office accepts (R-PANEL-2); out-of-pool experts are only people who
are not eligible pool members, pass the registry and the workload caps, and are invited only once the office
approves them (R-PANEL-3)."""

from __future__ import annotations

import dataclasses
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from assignment.services import candidates as assignment_candidates
from assignment.services import requests as panel_requests
from core.settings import get_settings
from tests.api.test_conflicts_api import make_item
from tests.builders import appoint_expert, create_institution
from tests.support.app import TODAY, add_account, login
from tests.support.live import live_service
from tests.support.panels import post_request, request_body

API = "/api/v1"
REASON = "轨道交通票价专门问题，库内无此领域专家"


def _as(client, token: str) -> None:
    client.headers["Authorization"] = token


@pytest.fixture
def unit(client):
    """A drafting unit's login, owning one decision item; the office's token to switch back."""
    body = create_institution(client, name="市交通运输局", kind="government_body")
    add_account("unit1", "unit", unit_id=body["id"])
    office = client.headers["Authorization"]
    token = f"Bearer {login(client, 'unit1')['token']}"
    item = make_item(client)  # created by the unit, for itself
    _as(client, office)
    return {"token": token, "office": office, "item": item, "id": body["id"]}


def _record_events(client, item) -> list[dict]:
    """The events of the item's record (GET /items/{id}/record), flattened."""
    record = client.get(f"{API}/items/{item['id']}/record").json()
    return [e for entry in record["events"] for e in (entry["data"] or {}).get("events") or []]


# --- the seed --------------------------------------------------------------------------------------------
def test_a_seed_sent_by_the_caller_is_refused_R_PANEL_2(client, pool):
    """Searching seeds offline chose a 3.2% candidate: the caller can no longer send one (400, nothing drawn)."""
    item = make_item(client)
    refused = post_request(client, item, seed=20261124)
    assert refused.status_code == 400, refused.text
    assert refused.json()["errors"][0]["field"] == "seed"
    assert client.get(f"{API}/panel-requests").json()["items"] == []
    first = post_request(client, item).json()
    again = post_request(client, make_item(client)).json()
    assert first["panel"]["id"] != again["panel"]["id"]
    verified = client.get(f"{API}/panels/{first['panel']['id']}/verification").json()
    assert verified["same_members"] is True  # the service's seed is recorded: the draw re-runs from the record


# --- one live draw per item and purpose, numbered -------------------------------------------------------
def test_unlimited_requests_for_one_item_and_purpose_are_refused_R_PANEL_2(client, pool):
    item = make_item(client)
    first = post_request(client, item)
    assert first.status_code == 201, first.text
    view = first.json()
    assert (view["draw_number"], view["draws_for_purpose"], view["status"]) == (1, 1, "active")
    for _ in range(3):
        refused = post_request(client, item)
        assert refused.status_code == 409, refused.text
        body = refused.json()
        [error] = body["errors"]
        assert error["rule_id"] == "R-PANEL-2" and error["field"] == "item_id"
        assert f"抽取请求 {view['id']}" in error["reason"] and "撤销" in error["reason"]
        assert body["live_request_id"] == view["id"]
    assert client.get(f"{API}/panel-requests").json()["total"] == 1  # nothing stored by the refusals
    other_purpose = post_request(client, item, purpose="risk_assessment")
    assert other_purpose.status_code == 201, other_purpose.text  # another purpose is another draw
    assert other_purpose.json()["draw_number"] == 1


def test_cancellation_asked_by_the_unit_decided_by_the_office_then_draw_2_of_2_R_PANEL_2(client, pool, unit):
    item = unit["item"]
    _as(client, unit["token"])
    first = post_request(client, item)
    assert first.status_code == 201, first.text
    view = first.json()
    answered = view["invitations"][0]
    _as(client, unit["office"])
    assert client.post(f"{API}/invitations/{answered['id']}/answer", json={"accept": True}).status_code == 201

    _as(client, unit["token"])
    path = f"{API}/panel-requests/{view['id']}/cancellation"
    empty = client.post(path, json={"reason": "？？"})
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "reason"
    asked = client.post(path, json={"reason": "论证材料需要补充，拟重新组织论证"})
    assert asked.status_code == 201, asked.text
    assert asked.json()["status"] == "cancellation_requested"
    assert asked.json()["cancellation"]["reason"] == "论证材料需要补充，拟重新组织论证"
    assert client.post(path, json={"reason": "再次申请撤销本次抽取"}).status_code == 409  # asked once
    still = post_request(client, item)  # only requested: a new draw is still refused
    assert still.status_code == 409 and "尚待政策法规处决定" in still.json()["errors"][0]["reason"]
    decision = f"{path}/decision"
    assert client.post(decision, json={"approve": True, "reason": "同意撤销本次抽取"}).status_code == 403

    _as(client, unit["office"])
    refused = client.post(decision, json={"approve": False, "reason": "理由不充分，维持原抽取结果"})
    assert refused.status_code == 201, refused.text
    assert refused.json()["status"] == "active" and refused.json()["cancellation"]["approved"] is False
    assert client.post(decision, json={"approve": True, "reason": "同意撤销本次抽取"}).status_code == 409

    _as(client, unit["token"])
    assert client.post(path, json={"reason": "补充材料后需重新抽取专家"}).status_code == 201
    _as(client, unit["office"])
    approved = client.post(decision, json={"approve": True, "reason": "同意撤销，准予重新抽取"})
    assert approved.status_code == 201, approved.text
    cancelled = approved.json()
    assert cancelled["status"] == "cancelled" and cancelled["cancellation"]["approved"] is True
    statuses = {i["id"]: i["status"] for i in cancelled["invitations"]}
    assert statuses.pop(answered["id"]) == "accepted" and set(statuses.values()) == {"withdrawn"}
    withdrawn = next(iter(statuses))
    late = client.post(f"{API}/invitations/{withdrawn}/answer", json={"accept": True})
    assert late.status_code == 409  # a withdrawn invitation cannot be accepted

    _as(client, unit["token"])
    second = post_request(client, item)
    assert second.status_code == 201, second.text
    assert (second.json()["draw_number"], second.json()["draws_for_purpose"]) == (2, 2)  # draw 2 of 2
    assert client.get(f"{API}/panel-requests/{view['id']}").json()["draws_for_purpose"] == 2  # draw 1 of 2
    record = client.get(f"{API}/items/{item['id']}/record")
    assert record.status_code == 200, record.text
    assert [(r["id"], r["draw_number"], r["status"]) for r in record.json()["panel_requests"]] == [
        (view["id"], 1, "cancelled"), (second.json()["id"], 2, "active")]
    events = _record_events(client, item)
    assert [e["draw_number"] for e in events if e["event"] == "PanelDrawn"] == [1, 2]
    asked_events = [e for e in events if e["event"] == "CancellationRequested"]
    assert [e["reason"] for e in asked_events] == ["论证材料需要补充，拟重新组织论证", "补充材料后需重新抽取专家"]
    decided = [(e["approved"], e["reason"]) for e in events if e["event"] == "CancellationDecided"]
    assert decided == [(False, "理由不充分，维持原抽取结果"), (True, "同意撤销，准予重新抽取")]


@pytest.mark.slow
def test_two_concurrent_requests_for_one_item_and_purpose_draw_once_R_PANEL_2(client, clock, pool):
    """Two service processes, four identical requests at the same moment: the check runs under the
    selection lock, so exactly one draw is stored and the others get 409 naming it."""
    item = make_item(client)
    token = client.headers["Authorization"]
    env = {"FIXED_CLOCK": clock.now().isoformat()}
    with live_service(**env) as first, live_service(**env) as second:
        def send(n: int) -> httpx.Response:
            return httpx.post(f"{(first, second)[n % 2]}/api/v1/panel-requests", json=request_body(item, balance={}),
                              headers={"Authorization": token}, timeout=60)

        with ThreadPoolExecutor(max_workers=4) as threads:
            responses = list(threads.map(send, range(4)))
    codes = Counter(r.status_code for r in responses)
    assert codes == {201: 1, 409: 3}, [r.text for r in responses]
    [drawn] = [r.json() for r in responses if r.status_code == 201]
    assert all(r.json()["live_request_id"] == drawn["id"] and r.json()["errors"][0]["rule_id"] == "R-PANEL-2"
               for r in responses if r.status_code == 409)
    assert [r["id"] for r in client.get(f"{API}/panel-requests").json()["items"]] == [drawn["id"]]


def test_the_live_draw_is_checked_again_under_the_lock_R_PANEL_2(client, pool, monkeypatch):
    """A rival request is stored after this one's first check (while it plans): under the lock it is refused."""
    real_prepare, real_create = panel_requests._prepare, panel_requests.create_request
    rivals: list = []

    async def prepare_then_lose_the_race(live, data, today):
        draft = await real_prepare(live, data, today)
        if not rivals:
            rivals.append(None)  # the rival's own planning passes straight through
            rivals[0] = await real_create(live, data, today, TODAY)
        return draft

    monkeypatch.setattr(panel_requests, "_prepare", prepare_then_lose_the_race)
    response = post_request(client, make_item(client))
    assert response.status_code == 409, response.text
    assert response.json()["live_request_id"] == rivals[0].id
    assert client.get(f"{API}/panel-requests").json()["total"] == 1


# --- out-of-pool experts (R-PANEL-3) --------------------------------------------------------------------
def _dismissed_and_discredited(client) -> int:
    expert = appoint_expert(client, specialties=["LAW.ADMIN"])["expert_id"]
    dismissed = client.post(f"{API}/experts/{expert}/dismissal",
                            json={"reason_code": "2", "explanation": "不能客观公正履行职责",
                                  "effective_on": "2026-11-01"})
    assert dismissed.status_code == 201, dismissed.text
    discredit = client.post(f"{API}/experts/{expert}/discredit-records",
                            json={"kind": "fraud", "facts": "论证意见抄袭他人", "recorded_on": "2026-10-01"})
    assert discredit.status_code == 201, discredit.text
    return expert


def test_a_dismissed_and_discredited_expert_is_refused_out_of_pool_R_PANEL_3(client, pool):
    banned = _dismissed_and_discredited(client)
    refused = post_request(client, make_item(client), out_of_pool=[{"expert_id": banned, "reason": REASON}])
    assert refused.status_code == 422, refused.text
    errors = refused.json()["errors"]
    assert {e["field"] for e in errors} == {"out_of_pool[0].expert_id"}
    assert {e["rule_id"] for e in errors} == {"R-POOL-5", "R-POOL-7"}
    assert client.get(f"{API}/panel-requests").json()["items"] == []


def test_an_eligible_pool_member_cannot_be_hand_picked_R_PANEL_3(client, pool):
    chosen = pool["experts"][3]["expert_id"]
    refused = post_request(client, make_item(client), out_of_pool=[{"expert_id": chosen, "reason": "指定这位专家"}])
    assert refused.status_code == 422, refused.text
    [error] = refused.json()["errors"]
    assert error == {"field": "out_of_pool[0].expert_id", "rule_id": "R-PANEL-3",
                     "reason": "在库且符合条件的专家应通过随机抽取产生，不能作为库外专家指定"}


def test_an_out_of_pool_reason_must_say_something_R_PANEL_3(client, pool):
    outsider = pool["outsider"]["id"]
    refused = post_request(client, make_item(client), out_of_pool=[{"expert_id": outsider, "reason": "1."}])
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "out_of_pool[0].reason"
    too_long = post_request(client, make_item(client), out_of_pool=[{"expert_id": outsider, "reason": "因" * 5000}])
    assert too_long.status_code == 400  # bounded at validation


def test_out_of_pool_invitation_waits_for_the_office_R_PANEL_3(client, pool, unit):
    """No approval, no invitation: the addition waits (no notice, cannot be answered) until the office
    approves it; the unit cannot approve it itself."""
    outsider = pool["outsider"]["id"]
    _as(client, unit["token"])
    view = post_request(client, unit["item"], out_of_pool=[{"expert_id": outsider, "reason": REASON}]).json()
    [waiting] = [i for i in view["invitations"] if i["subject"]["id"] == outsider]
    assert waiting["status"] == "awaiting_approval"
    assert {i["status"] for i in view["invitations"] if i["id"] != waiting["id"]} == {"pending"}
    decision = f"{API}/panel-requests/{view['id']}/out-of-pool/{outsider}/decision"
    assert client.post(decision, json={"approve": True, "reason": "本单位同意邀请"}).status_code == 403

    _as(client, unit["office"])
    answer = client.post(f"{API}/invitations/{waiting['id']}/answer", json={"accept": True})
    assert answer.status_code == 409 and answer.json()["errors"][0]["rule_id"] == "R-PANEL-3"
    invited = [e for e in _record_events(client, unit["item"]) if e["event"] == "MembersInvited"]
    assert waiting["id"] not in invited[0]["invitation_ids"] and len(invited[0]["invitation_ids"]) == 5
    mails = [r for r in client.get(f"{API}/outbox", params={"limit": 500}).json()["items"]
             if r["channel"] == "email" and r["template"] == "invitation"]
    assert len(mails) == 5  # no notice to the out-of-pool expert yet
    wrong = client.post(f"{API}/panel-requests/{view['id']}/out-of-pool/{pool['experts'][0]['expert_id']}/decision",
                        json={"approve": True, "reason": "同意邀请该专家"})
    assert wrong.status_code == 409  # not an out-of-pool expert of this request

    approved = client.post(decision, json={"approve": True, "reason": "确属专门问题，同意邀请库外专家"})
    assert approved.status_code == 201, approved.text
    assert {i["id"]: i["status"] for i in approved.json()["invitations"]}[waiting["id"]] == "pending"
    assert client.post(decision, json={"approve": False, "reason": "再次决定不应被接受"}).status_code == 409
    invited = [e for e in _record_events(client, unit["item"]) if e["event"] == "MembersInvited"]
    assert invited[-1]["invitation_ids"] == [waiting["id"]]  # the notice goes out now
    decided = [e for e in _record_events(client, unit["item"]) if e["event"] == "OutOfPoolDecided"]
    assert decided[0]["approved"] is True and decided[0]["reason"] == "确属专门问题，同意邀请库外专家"
    assert client.post(f"{API}/invitations/{waiting['id']}/answer", json={"accept": True}).status_code == 201


def test_the_workload_cap_binds_out_of_pool_experts_R_PANEL_3(client, pool, monkeypatch):
    """A fourth (here: third, cap 2) active panel is refused, at the request and at the office's approval."""
    capped = dataclasses.replace(get_settings(), max_active_panels=2)
    monkeypatch.setattr(assignment_candidates, "get_settings", lambda: capped)
    outsider = pool["outsider"]["id"]
    named = [{"expert_id": outsider, "reason": REASON}]
    balance = {"max_per_sector": 5}
    views = [post_request(client, make_item(client), out_of_pool=named, balance=balance).json() for _ in range(3)]
    assert all(v["status"] == "active" for v in views)  # awaiting approval: no seat held yet
    decide = [f"{API}/panel-requests/{v['id']}/out-of-pool/{outsider}/decision" for v in views]
    for path in decide[:2]:
        assert client.post(path, json={"approve": True, "reason": "确属专门问题，同意邀请"}).status_code == 201
    third = client.post(decide[2], json={"approve": True, "reason": "确属专门问题，同意邀请"})
    assert third.status_code == 422, third.text
    assert "工作量上限" in third.json()["errors"][0]["reason"] and third.json()["errors"][0]["rule_id"] == "R-PANEL-3"
    assert client.get(f"{API}/panel-requests/{views[2]['id']}").json()["invitations"][-1]["status"] == \
        "awaiting_approval"  # the refused approval changed nothing
    refused = client.post(decide[2], json={"approve": False, "reason": "该专家已达工作量上限，不予邀请"})
    assert refused.status_code == 201 and refused.json()["invitations"][-1]["status"] == "refused"
    fourth = post_request(client, make_item(client), out_of_pool=named, balance=balance)
    assert fourth.status_code == 422, fourth.text
    [error] = fourth.json()["errors"]
    assert error["field"] == "out_of_pool[0].expert_id" and "工作量上限" in error["reason"]
