"""Issue 12, conflicts and panels: every protected row (relations, panel requests, panels, invitations,
declines) is written through the record, so the verification stays clean after a full flow; request
bodies are bounded and refused at validation; the draw plans outside the selection lock with a time
budget, and confirms under the lock that the members drawn are still free."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import datetime, timezone

import msgspec
import pytest

from accounts.tables import AuditEvent
from assignment.services import candidates as assignment_candidates
from assignment.services import invitations as panel_invitations
from assignment.services import requests as panel_requests
from assignment.tables import Panel, PanelRequest
from core.settings import get_settings
from tests.api.test_conflicts_api import make_expert, make_item, ref, relate
from tests.builders import create_institution
from tests.support.panels import post_request, request_body

API = "/api/v1"


def _events() -> list[dict]:
    return asyncio.run(AuditEvent.select().order_by(AuditEvent.seq).output(load_json=True).run())


def _recorded_rows() -> set[str]:
    """Every protected row some record event carries a digest of."""
    return {key for e in _events() for key in ((e["data"] or {}).get("rows") or {})}


def _count(table) -> int:
    return asyncio.run(table.count().run())


def _verification(client) -> dict:
    report = client.get(f"{API}/audit/verification").json()
    return report


# --- protected rows ------------------------------------------------------------------------------------
def test_relations_and_panels_written_through_the_record_verify_issue_12(client, clock, pool):
    """Relations entered, ended, withdrawn and name-matched; a group panel drawn, declined and replaced,
    accepted, with an opinion and the leader's report; overdue answers expired. Every row written is
    recorded with its digest, and the verification finds nothing changed outside the service."""
    item = make_item(client)
    expert = make_expert(client)
    zjut = create_institution(client, name="浙江工业大学", aliases=["浙工大"])
    entered = relate(client, "co_worked", ref("expert", expert), ref("expert", {"id": pool["experts"][9]["expert_id"]}),
                     start="2020-01-01")
    ended = client.post(f"{API}/relations/{entered['id']}/end", json={"end": "2024-06-30", "entered_by": "处"})
    assert ended.status_code == 201, ended.text
    wrong = relate(client, "interest_in", ref("expert", expert), ref("item", item))
    withdrawn = client.post(f"{API}/relations/{wrong['id']}/withdrawal",
                            json={"reason": "录入错误", "entered_by": "政策法规处"})
    assert withdrawn.status_code == 201, withdrawn.text
    typed = relate(client, "adviser_of", ref("expert", expert), target_text="浙江工大")
    [task] = [t for t in client.get(f"{API}/name-matches", params={"status": "open"}).json()["items"]
              if t["source"] == "relation"]
    confirmed = client.post(f"{API}/name-matches/{task['id']}/confirmation",
                            json={"institution_id": zjut["id"], "by": "政策法规处 王科长"})
    assert confirmed.status_code == 201, confirmed.text
    assert _verification(client)["ok"] is True  # the confirmation rewrote a recorded relation through the record

    view = post_request(client, item, mode="group").json()
    first, second, third, *rest = view["invitations"]
    declined = client.post(f"{API}/invitations/{first['id']}/answer",
                           json={"accept": False, "reason": "出差"})
    assert declined.status_code == 201 and declined.json()["replacement"] is not None, declined.text
    for inv in (second, third):
        assert client.post(f"{API}/invitations/{inv['id']}/answer", json={"accept": True}).status_code == 201
    current = client.get(f"{API}/panel-requests/{view['id']}").json()
    [leader] = [i for i in current["invitations"] if i["leader"] and i["status"] in ("pending", "accepted")]
    if leader["status"] == "pending":  # the leader's report needs a leader who accepted (R-PANEL-5, issue 13)
        assert client.post(f"{API}/invitations/{leader['id']}/answer", json={"accept": True}).status_code == 201
    clock.fixed = datetime(2026, 12, 10, 9, 0, tzinfo=timezone.utc)
    opinion = client.post(f"{API}/invitations/{second['id']}/paper-opinion",
                          json={"received_on": "2026-12-02", "reason": "纸质意见12月2日送达"})
    assert opinion.status_code == 201, opinion.text
    report = client.post(f"{API}/panel-requests/{view['id']}/leader-report", json={})
    assert report.status_code == 201, report.text
    assert client.post(f"{API}/invitations/expire-overdue").status_code == 201

    rows = _recorded_rows()
    relations = {entered["id"], wrong["id"], typed["id"]}
    assert {f"relation:{i}" for i in relations} <= rows
    assert f"panel_request:{view['id']}" in rows and f"panel:{declined.json()['panel']['id']}" in rows
    assert {f"invitation:{i['id']}" for i in view["invitations"]} <= rows
    assert any(key.startswith("decline:") for key in rows)
    report = _verification(client)
    assert report["ok"] is True, report


def test_an_invitation_is_answered_once_issue_12(client, pool):
    view = post_request(client, make_item(client)).json()
    inv = view["invitations"][0]
    assert client.post(f"{API}/invitations/{inv['id']}/answer", json={"accept": True}).status_code == 201
    for loose in ("true", 0, 1):  # a yes or no, nothing a lenient decoder would turn into one (issue 12)
        refused = client.post(f"{API}/invitations/{inv['id']}/answer", json={"accept": loose})
        assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "accept", refused.text
    again = client.post(f"{API}/invitations/{inv['id']}/answer", json={"accept": False, "reason": "改主意了"})
    assert again.status_code == 409 and again.json()["errors"][0]["field"] == "id"
    assert client.get(f"{API}/experts/{inv['subject']['id']}/declines").json()["items"] == []


def test_a_decline_rechecks_the_invitation_under_the_lock_issue_12(client, pool, monkeypatch):
    """An answer that arrives between another answer's check and its write (simulated: the first check
    is passed) is refused under the lock: no decline, no replacement, nothing recorded."""
    view = post_request(client, make_item(client)).json()
    inv = view["invitations"][0]
    assert client.post(f"{API}/invitations/{inv['id']}/answer", json={"accept": True}).status_code == 201
    real, checks = panel_invitations.answer_problem, []

    def first_check_passes(status):
        checks.append(status)
        return None if len(checks) == 1 else real(status)

    monkeypatch.setattr(panel_invitations, "answer_problem", first_check_passes)
    before = (len(_events()), _count(Panel))
    late = client.post(f"{API}/invitations/{inv['id']}/answer", json={"accept": False, "reason": "出差"})
    assert late.status_code == 409, late.text
    assert checks[:2] == ["accepted", "accepted"] and (len(_events()), _count(Panel)) == before
    assert client.get(f"{API}/experts/{inv['subject']['id']}/declines").json()["items"] == []


# --- bounded bodies ------------------------------------------------------------------------------------
def test_five_thousand_region_keys_are_refused_before_any_work_issue_12(client, pool):
    item = make_item(client)
    before = (_count(PanelRequest), len(_events()))
    regions = {f"地区{n}": 1 for n in range(5000)}
    refused = post_request(client, item, balance={"max_per_region": regions})
    assert refused.status_code in (400, 422), refused.text
    assert refused.json()["errors"][0]["field"] == "balance.max_per_region"
    assert (_count(PanelRequest), len(_events())) == before  # nothing stored, nothing recorded
    made = post_request(client, item)
    assert made.status_code == 201, made.text


@pytest.mark.parametrize(("overrides", "field"), [
    ({"balance": {"dissenting_ids": list(range(1, 502))}}, "balance.dissenting_ids"),
    ({"balance": {"min_per_specialty": {f"S{n}": 1 for n in range(101)}}}, "balance.min_per_specialty"),
    ({"balance": {"max_per_region": {"杭州市\r\nBcc: x@example.cn": 1}}}, "balance.max_per_region"),
    ({"out_of_pool": [{"expert_id": n, "reason": "特殊"} for n in range(1, 102)]}, "out_of_pool"),
    ({"out_of_pool": [{"expert_id": 1, "reason": "x" * 4001}]}, "out_of_pool[0].reason"),
    ({"requested_by": "市交通运输局\n抄送"}, "requested_by"),
    ({"requested_by": "局" * 65}, "requested_by"),
])
def test_panel_request_bounds_name_the_field_issue_12(client, pool, overrides, field):
    refused = post_request(client, make_item(client), **overrides)
    assert refused.status_code == 400, refused.text
    assert refused.json()["errors"][0]["field"] == field


def test_conflict_bodies_are_bounded_issue_12(client):
    item = make_item(client)
    expert = make_expert(client)
    base = {"kind": "interest_in", "source": ref("expert", expert), "target": ref("item", item), "entered_by": "处"}
    cases = [
        ("/relations", {**base, "entered_by": "处\r\n"}, "entered_by"),
        ("/relations", {**base, "detail": "x" * 2001}, "detail"),
        ("/relations", {**base, "role": "applicant\x00"}, "role"),
        ("/relations", {**base, "target": None, "target_text": "浙江\n大学"}, "target_text"),
        ("/relations/import", {"relations": [base] * 501}, "relations"),
        (f"/items/{item['id']}/commission-checks", {"institution_id": 1, "purpose": "argument",
                                                   "hired_expert_ids": list(range(501))}, "hired_expert_ids"),
    ]
    for path, body, field in cases:
        response = client.post(f"{API}{path}", json=body)
        assert response.status_code == 400, (path, field, response.text)
        assert response.json()["errors"][0]["field"] == field
    rules = client.get(f"{API}/conflict-policy").json()["rules"]
    rules[0]["sentence"] = "第一行\n第二行"
    refused = client.put(f"{API}/conflict-policy", json={"rules": rules, "reason": "试一下", "by": "处长"})
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "rules[0].sentence"
    assert client.post(f"{API}/relations", json=base).status_code == 201


def test_dates_out_of_range_are_refused_with_the_field_issue_12(client, pool):
    item = make_item(client)
    expert = make_expert(client)
    old = client.post(f"{API}/relations", json={"kind": "interest_in", "source": ref("expert", expert),
                                                "target": ref("item", item), "entered_by": "处",
                                                "start": "1900-01-01"})
    assert old.status_code == 422 and old.json()["errors"][0]["field"] == "start"
    far = post_request(client, item, handover_on="2201-01-01")
    assert far.status_code == 422 and far.json()["errors"][0]["field"] == "handover_on"
    view = post_request(client, item).json()
    inv = view["invitations"][0]
    client.post(f"{API}/invitations/{inv['id']}/answer", json={"accept": True})
    opinion = client.post(f"{API}/invitations/{inv['id']}/paper-opinion",
                          json={"received_on": "1900-01-01", "reason": "纸质意见"})
    assert opinion.status_code == 422 and opinion.json()["errors"][0]["field"] == "received_on"


# --- the draw: planned outside the lock, confirmed under it ------------------------------------------
def test_planning_beyond_its_time_budget_is_refused_issue_12(client, pool, monkeypatch):
    item = make_item(client)
    monkeypatch.setenv("PLAN_SECONDS", "0.000000001")
    refused = post_request(client, item)
    assert refused.status_code == 422, refused.text
    [error] = refused.json()["errors"]
    assert error["field"] == "balance" and "秒" in error["reason"] and error["rule_id"] == "R-PANEL-2"
    assert _count(PanelRequest) == 0
    monkeypatch.delenv("PLAN_SECONDS")
    assert post_request(client, item).status_code == 201


def test_members_taken_while_planning_are_not_drawn_twice_issue_12(client, pool, monkeypatch):
    """Another request stores a panel with the same members between this request's plan and its turn
    at the lock (cap: one panel each): this request plans again from who is free and draws them."""
    capped = dataclasses.replace(get_settings(), max_active_panels=1)
    monkeypatch.setattr(assignment_candidates, "get_settings", lambda: capped)
    real_prepare, real_create = panel_requests._prepare, panel_requests.create_request
    calls = []
    rival_item = make_item(client)  # another item: one live draw per item and purpose (R-PANEL-2)

    async def prepare_then_lose_the_race(live, data, today):
        draft = await real_prepare(live, data, today)
        calls.append(sorted(draft.members))
        if len(calls) == 1:  # the same seed and candidates: the rival draws exactly these members
            rival = msgspec.structs.replace(data, item_id=rival_item["id"])
            await real_create(live, rival, today, datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc))
        return draft

    monkeypatch.setattr(panel_requests, "new_seed", lambda: 3)  # the service's seed, pinned for the race
    monkeypatch.setattr(panel_requests, "_prepare", prepare_then_lose_the_race)
    response = client.post(f"{API}/panel-requests", json=request_body(make_item(client), balance={}))
    assert response.status_code == 201, response.text
    members = sorted(m["subject"]["id"] for m in response.json()["panel"]["members"])
    rival, first_plan = calls[1], calls[0]
    assert rival == first_plan and not set(members) & set(rival)  # planned again: nobody sits on two panels
    assert len(calls) == 3 and calls[2] == members and _count(Panel) == 2
    assert _verification(client)["ok"] is True


def test_a_draw_that_keeps_losing_the_race_is_refused_and_leaves_nothing_issue_12(client, pool, monkeypatch):
    async def always_taken(live, kind, item_id, purpose, day, drawn, named):
        return {drawn[0]}

    monkeypatch.setattr(panel_requests, "no_longer_free", always_taken)
    item = make_item(client)
    before = len(_events())
    refused = post_request(client, item)
    assert refused.status_code == 409, refused.text
    assert "请稍后重试" in refused.json()["errors"][0]["reason"]
    assert _count(PanelRequest) == 0 and len(_events()) == before  # the attempts rolled back unrecorded
