"""Issue 14, the argument's organisation through the API: multi-option items and reverse arguments
(R-PANEL-6), the organiser commissioned by the drafting unit (R-PANEL-8) and the outside experts it hires
(R-COI-5)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.api.test_conflicts_api import make_item
from tests.builders import create_institution
from tests.support.app import PASSWORD, add_account
from tests.support.app import headers_for as token
from tests.support.panels import post_request

API = "/api/v1"
OPTIONS = [{"label": "方案一：分段计价", "summary": "按里程分段计价，起步价 2 元"},
           {"label": "方案二：单一票价", "summary": "全线单一票价 3 元"}]


@pytest.fixture
def units(client):
    unit = create_institution(client, name="市交通运输局", kind="government_body")
    other = create_institution(client, name="市生态环境局", kind="government_body")
    add_account("unit1", "unit", unit_id=unit["id"])
    add_account("unit2", "unit", unit_id=other["id"])
    add_account("auditor1", "auditor")
    item = make_item(client, drafting_unit_id=unit["id"])
    return {"unit": unit, "item": item, **{name: token(client, name) for name in ("unit1", "unit2", "auditor1")}}


# --- R-PANEL-6: options argued together, reverse argument -----------------------------------------------------
def test_unit_records_the_options_shown_on_the_item_R_PANEL_6(client, units):
    item_id = units["item"]["id"]
    put = client.put(f"{API}/items/{item_id}/options", json={"options": OPTIONS}, headers=units["unit1"])
    assert put.status_code == 200, put.text
    assert [o["label"] for o in put.json()["options"]] == ["方案一：分段计价", "方案二：单一票价"]
    assert put.json()["entered_by"] == "unit1"
    shown = client.get(f"{API}/items/{item_id}", headers=units["unit1"]).json()
    assert shown["options"] == OPTIONS
    record = client.get(f"{API}/items/{item_id}/record").json()
    assert any(e["action"] == f"PUT {API}/items/{{item_id}}/options" and e["subject"] == f"item:{item_id}"
               for e in record["events"])
    cleared = client.put(f"{API}/items/{item_id}/options", json={"options": []}, headers=units["unit1"])
    assert cleared.status_code == 200 and cleared.json()["options"] == []
    assert client.get(f"{API}/items/{item_id}").json()["options"] == []


def test_one_option_or_repeated_labels_are_refused_R_PANEL_6(client, units):
    item_id = units["item"]["id"]
    one = client.put(f"{API}/items/{item_id}/options", json={"options": OPTIONS[:1]}, headers=units["unit1"])
    assert one.status_code == 422
    assert {(e["field"], e["rule_id"]) for e in one.json()["errors"]} == {("options", "R-PANEL-6")}
    twice = client.put(f"{API}/items/{item_id}/options", json={"options": [OPTIONS[0], OPTIONS[0]]})
    assert twice.status_code == 422
    assert [e["field"] for e in twice.json()["errors"]] == ["options[1].label"]
    assert client.get(f"{API}/items/{item_id}/options").json()["options"] == []


def test_only_the_owning_unit_sets_options_R_PANEL_6(client, units):
    url = f"{API}/items/{units['item']['id']}/options"
    assert client.put(url, json={"options": OPTIONS}, headers=units["unit2"]).status_code == 403
    assert client.put(url, json={"options": OPTIONS}, headers=units["auditor1"]).status_code == 403
    assert client.get(url, headers=units["unit2"]).status_code == 403
    assert client.get(url, headers=units["auditor1"]).status_code == 200


def test_reverse_argument_is_stored_and_shown_R_PANEL_6(client, pool, units):
    item = units["item"]
    created = post_request(client, item, reverse_argument=True)
    assert created.status_code == 201, created.text
    assert created.json()["reverse_argument"] is True
    request_id = created.json()["id"]
    assert client.get(f"{API}/panel-requests/{request_id}").json()["reverse_argument"] is True
    record = client.get(f"{API}/items/{item['id']}/record").json()
    assert [r["reverse_argument"] for r in record["panel_requests"]] == [True]


def test_a_request_is_no_reverse_argument_unless_asked_R_PANEL_6(client, pool, units):
    created = post_request(client, units["item"])
    assert created.status_code == 201, created.text
    assert created.json()["reverse_argument"] is False


# --- R-PANEL-8: the commission and the organiser's account -------------------------------------------------------
FULL_STAFF = ["law", "policy", "administration", "evaluation_methods"]


def admitted(client, **overrides) -> dict:
    firm = create_institution(client, kind="consultancy", **overrides)
    answer = client.post(f"{API}/institutions/{firm['id']}/evaluator-pool",
                         json={"has_facilities": True, "staff_competences": FULL_STAFF})
    assert answer.status_code == 201 and answer.json()["admitted"] is True, answer.text
    return firm


def commission_body(firm, **overrides) -> dict:
    body = {"institution_id": firm["id"], "scope": "组织票价调整方案的专家论证", "starts_on": "2026-11-20",
            "ends_on": "2026-12-31", "may_subcontract": False}
    body.update(overrides)
    return body


def commission(client, units, firm, **overrides):
    return client.post(f"{API}/items/{units['item']['id']}/commissions", json=commission_body(firm, **overrides),
                       headers=units["unit1"])


@pytest.fixture
def organiser(client, units):
    """A commission of a pool firm for the unit's item, and its organiser's login."""
    firm = admitted(client, name="之江评估咨询有限公司")
    made = commission(client, units, firm)
    assert made.status_code == 201, made.text
    account = client.post(f"{API}/commissions/{made.json()['id']}/organiser-account",
                          json={"username": "zhijiang", "password": PASSWORD}, headers=units["unit1"])
    assert account.status_code == 201, account.text
    return {"commission": made.json(), "firm": firm, "account": account.json(), "token": token(client, "zhijiang")}


def test_unit_commissions_a_pool_institution_R_PANEL_8(client, units):
    firm = admitted(client, name="之江评估咨询有限公司")
    made = commission(client, units, firm, may_subcontract=True)
    assert made.status_code == 201, made.text
    body = made.json()
    assert (body["institution_id"], body["institution_name"], body["may_subcontract"]) == (
        firm["id"], "之江评估咨询有限公司", True)
    assert body["in_force"] is True and body["commissioned_by"] == "unit1" and body["rule_id"] == "R-PANEL-8"
    item_id = units["item"]["id"]
    for who in ("unit1", "auditor1"):
        page = client.get(f"{API}/items/{item_id}/commissions", headers=units[who])
        assert page.status_code == 200 and [c["id"] for c in page.json()["items"]] == [body["id"]]
    assert client.get(f"{API}/items/{item_id}/commissions").json()["total"] == 1  # the office
    assert client.get(f"{API}/items/{item_id}/commissions", headers=units["unit2"]).status_code == 403
    assert commission(client, {**units, "unit1": units["unit2"]}, firm).status_code == 403  # not its item
    record = client.get(f"{API}/items/{item_id}/record").json()
    assert any(e["action"] == f"POST {API}/items/{{item_id}}/commissions" for e in record["events"])


def test_an_institution_outside_the_pool_or_discredited_is_refused_R_PANEL_8(client, units):
    outside = create_institution(client, kind="consultancy", name="未入库咨询公司")
    refused = commission(client, units, outside)
    assert refused.status_code == 422
    assert ("institution_id", "R-POOL-8") in {(e["field"], e["rule_id"]) for e in refused.json()["errors"]}
    firm = admitted(client, name="某评估事务所")
    client.post(f"{API}/institutions/{firm['id']}/discredit-records", json={
        "kind": "evaluation_cheating", "facts": "评估报告数据造假", "recorded_on": "2026-11-20"})
    assert {e["rule_id"] for e in commission(client, units, firm).json()["errors"]} == {"R-POOL-8"}
    assert client.get(f"{API}/items/{units['item']['id']}/commissions").json()["total"] == 0


def test_an_institution_funded_by_the_drafting_unit_is_not_independent_R_COI_4(client, units):
    firm = admitted(client, name="交通发展研究中心")
    relation = client.post(f"{API}/relations", json={
        "kind": "funded_by", "source": {"kind": "institution", "id": firm["id"]},
        "target": {"kind": "institution", "id": units["unit"]["id"]}, "entered_by": "政策法规处"})
    assert relation.status_code == 201, relation.text
    refused = commission(client, units, firm)
    assert refused.status_code == 422, refused.text
    [error] = [e for e in refused.json()["errors"] if e["rule_id"] == "R-COI-4"]
    assert error["field"] == "institution_id" and "交通发展研究中心" in error["reason"] and "→" in error["reason"]


def test_commission_dates_in_order_R_PANEL_8(client, units):
    firm = admitted(client)
    refused = commission(client, units, firm, starts_on="2026-12-31", ends_on="2026-12-01")
    assert refused.status_code == 422
    assert [(e["field"], e["rule_id"]) for e in refused.json()["errors"]] == [("ends_on", "R-PANEL-8")]


def test_organiser_acts_for_its_item_only_R_PANEL_8(client, pool, units, organiser):
    me = organiser["token"]
    item_id = units["item"]["id"]
    assert organiser["account"]["role"] == "organiser" and organiser["account"]["item_id"] == item_id
    assert client.get(f"{API}/items/{item_id}", headers=me).status_code == 200
    assert client.get(f"{API}/items/{item_id}/record", headers=me).status_code == 200
    created = client.post(f"{API}/panel-requests", json={
        "item_id": item_id, "purpose": "argument", "mode": "meeting", "size": 5, "handover_on": "2026-11-24",
        "balance": {"min_per_specialty": {"LAW": 2}}}, headers=me)
    assert created.status_code == 201, created.text
    request_id = created.json()["id"]
    assert created.json()["requested_by"] == "zhijiang"
    assert client.get(f"{API}/panel-requests/{request_id}", headers=me).status_code == 200
    assert client.get(f"{API}/items/{item_id}/panel-requests", headers=me).json()["total"] == 1
    upload = client.post(f"{API}/panel-requests/{request_id}/materials",
                         json={"filename": "方案.txt", "content_base64": "5pa55qGI"}, headers=me)
    assert upload.status_code == 201, upload.text
    listed = client.get(f"{API}/panel-requests/{request_id}/materials", headers=me)
    assert listed.status_code == 200 and listed.json()["total"] == 1  # it organises the hand-over: it reads it
    content = client.get(f"{API}/materials/{upload.json()['id']}/content", headers=me)
    assert content.status_code == 200 and content.content.decode() == "方案"
    assert client.get(f"{API}/commissions/{organiser['commission']['id']}", headers=me).status_code == 200
    # anything else: 403, a material of another item's request too
    other = make_item(client, drafting_unit_id=units["unit"]["id"], title="另一事项")
    foreign = client.post(f"{API}/panel-requests", json={
        "item_id": other["id"], "purpose": "argument", "mode": "meeting", "size": 5, "handover_on": "2026-11-24",
        "requested_by": "市交通运输局"})
    assert foreign.status_code == 201, foreign.text
    foreign_material = client.post(f"{API}/panel-requests/{foreign.json()['id']}/materials",
                                   json={"filename": "其他.txt", "content_base64": "5pa55qGI"})
    assert foreign_material.status_code == 201, foreign_material.text
    assert client.get(f"{API}/panel-requests/{foreign.json()['id']}/materials", headers=me).status_code == 403
    assert client.get(f"{API}/materials/{foreign_material.json()['id']}/content", headers=me).status_code == 403
    assert client.get(f"{API}/items/{other['id']}", headers=me).status_code == 403
    assert client.get(f"{API}/items/{other['id']}/record", headers=me).status_code == 403
    refused = client.post(f"{API}/panel-requests", json={
        "item_id": other["id"], "purpose": "argument", "mode": "meeting", "size": 5, "handover_on": "2026-11-24"},
        headers=me)
    assert refused.status_code == 403
    for method, path in [("GET", "/items"), ("GET", "/panel-requests"), ("GET", "/experts"),
                         ("GET", "/institutions"), ("GET", f"/items/{item_id}/commissions"),
                         ("PUT", f"/items/{item_id}/options"), ("POST", f"/items/{item_id}/transitions"),
                         ("POST", f"/commissions/{organiser['commission']['id']}/revocation"),
                         ("GET", "/accounts"), ("GET", f"/inbox/unit:{units['unit']['id']}")]:
        answer = client.request(method, f"{API}{path}", headers=me, json={} if method != "GET" else None)
        assert answer.status_code == 403, (method, path, answer.status_code)


def test_organiser_records_the_meetings_minutes_R_PANEL_8(client, pool, units, organiser):
    me = organiser["token"]
    created = client.post(f"{API}/panel-requests", json={
        "item_id": units["item"]["id"], "purpose": "argument", "mode": "meeting", "size": 5,
        "handover_on": "2026-11-24", "balance": {"min_per_specialty": {"LAW": 2}}}, headers=me)
    assert created.status_code == 201, created.text
    invitation = created.json()["invitations"][0]
    add_account("member1", "expert", expert_id=invitation["subject"]["id"])
    accepted = client.post(f"{API}/invitations/{invitation['id']}/answer", json={"accept": True},
                           headers=token(client, "member1"))
    assert accepted.status_code == 201, accepted.text
    url = f"{API}/panel-requests/{created.json()['id']}/minutes"
    minutes = client.post(url, json={"text": "论证会纪要：与会专家逐一发表意见。", "meeting_on": "2026-11-24",
                                     "attendees": [invitation["subject"]["id"]]}, headers=me)
    assert minutes.status_code == 201, minutes.text
    assert client.get(url, headers=me).status_code == 200
    assert client.get(url, headers=units["unit2"]).status_code == 403


def test_one_organiser_account_per_commission_R_PANEL_8(client, units, organiser):
    again = client.post(f"{API}/commissions/{organiser['commission']['id']}/organiser-account",
                        json={"username": "zhijiang2", "password": PASSWORD}, headers=units["unit1"])
    assert again.status_code == 409 and again.json()["errors"][0]["rule_id"] == "R-PANEL-8"
    other_unit = client.post(f"{API}/commissions/{organiser['commission']['id']}/organiser-account",
                             json={"username": "zhijiang3", "password": PASSWORD},
                             headers=units["unit2"])
    assert other_unit.status_code == 403


def test_revoked_commission_stops_the_organiser_R_PANEL_8(client, units, organiser):
    me, commission_id = organiser["token"], organiser["commission"]["id"]
    item_id = units["item"]["id"]
    assert client.post(f"{API}/commissions/{commission_id}/revocation", json={"reason": ""},
                       headers=units["unit1"]).status_code == 422
    revoked = client.post(f"{API}/commissions/{commission_id}/revocation",
                          json={"reason": "机构人员变动，无法按期组织"}, headers=units["unit1"])
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["in_force"] is False and "撤销" in revoked.json()["closed_reason"]
    answer = client.get(f"{API}/items/{item_id}", headers=me)
    assert answer.status_code == 403 and answer.json()["errors"][0]["rule_id"] == "R-PANEL-8"
    assert client.get(f"{API}/auth/me", headers=me).status_code == 200  # still logs in, acts for nothing
    record = client.get(f"{API}/items/{item_id}/record").json()
    assert any(e["action"] == f"POST {API}/commissions/{{commission_id}}/revocation" and e["reason"]
               for e in record["events"])


def test_ended_commission_stops_the_organiser_R_PANEL_8(client, units, clock):
    firm = admitted(client)
    made = commission(client, units, firm, starts_on="2026-11-01", ends_on="2026-11-24").json()
    client.post(f"{API}/commissions/{made['id']}/organiser-account",
                json={"username": "shortterm", "password": PASSWORD}, headers=units["unit1"])
    me = token(client, "shortterm")
    assert client.get(f"{API}/items/{units['item']['id']}", headers=me).status_code == 200
    clock.fixed += timedelta(hours=8)  # 2026-11-25 in China, the login still valid
    answer = client.get(f"{API}/items/{units['item']['id']}", headers=me)
    assert answer.status_code == 403 and answer.json()["errors"][0]["rule_id"] == "R-PANEL-8"
    assert "期满" in answer.json()["errors"][0]["reason"]


# --- R-COI-5: outside experts and subcontracts -----------------------------------------------------------------
def hire(client, organiser, **body):
    return client.post(f"{API}/commissions/{organiser['commission']['id']}/outside-experts", json=body,
                       headers=organiser["token"])


def test_outside_expert_passing_the_checks_is_hired_R_COI_5(client, pool, units, organiser):
    expert_id = pool["experts"][0]["expert_id"]
    hired = hire(client, organiser, expert_id=expert_id)
    assert hired.status_code == 201, hired.text
    assert (hired.json()["status"], hired.json()["expert_id"], hired.json()["by"]) == ("hired", expert_id, "zhijiang")
    # named by name and employer: found in the registry and checked the same way
    second = pool["experts"][1]
    name = client.get(f"{API}/experts/{second['expert_id']}").json()["name"]
    employer = next(e["name"] for e in pool["employers"] if e["id"] == second["employer"])
    by_name = hire(client, organiser, name=name, employer=employer)
    assert by_name.status_code == 201, by_name.text
    assert by_name.json()["expert_id"] == second["expert_id"]


def test_conflicted_outside_expert_is_refused_with_rule_and_path_R_COI_5(client, pool, units, organiser):
    expert_id = pool["experts"][2]["expert_id"]
    relation = client.post(f"{API}/relations", json={
        "kind": "interest_in", "source": {"kind": "expert", "id": expert_id},
        "target": {"kind": "item", "id": units["item"]["id"]}, "entered_by": "政策法规处"})
    assert relation.status_code == 201, relation.text
    refused = hire(client, organiser, expert_id=expert_id)
    assert refused.status_code == 422, refused.text
    [error] = refused.json()["errors"]
    assert (error["field"], error["rule_id"]) == ("expert_id", "R-COI-1") and "→" in error["reason"]
    page = client.get(f"{API}/commissions/{organiser['commission']['id']}/outside-experts",
                      headers=units["unit1"]).json()
    [kept] = page["items"]
    assert kept["status"] == "refused" and kept["reasons"][0]["rule_id"] == "R-COI-1"


def test_outside_expert_failing_the_registry_is_refused_R_COI_5(client, pool, units, organiser):
    refused = hire(client, organiser, expert_id=pool["outsider"]["id"])  # registered, never appointed
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"] and all(e["field"] == "expert_id" and e["rule_id"]
                                            for e in refused.json()["errors"])
    unknown = hire(client, organiser, name="周九", employer="某设计院")
    assert unknown.status_code == 422
    assert [(e["field"], e["rule_id"]) for e in unknown.json()["errors"]] == [("name", "R-COI-5")]


def test_outside_expert_named_by_id_or_by_name_and_employer_R_COI_5(client, pool, units, organiser):
    both = hire(client, organiser, expert_id=pool["experts"][0]["expert_id"], name="孙八")
    assert both.status_code == 422 and both.json()["errors"][0]["field"] == "expert_id"
    no_employer = hire(client, organiser, name="孙八")
    assert no_employer.status_code == 422 and [e["field"] for e in no_employer.json()["errors"]] == ["employer"]


def test_only_the_organiser_hires_for_its_commission_R_COI_5(client, pool, units, organiser):
    url = f"{API}/commissions/{organiser['commission']['id']}/outside-experts"
    body = {"expert_id": pool["experts"][0]["expert_id"]}
    assert client.post(url, json=body, headers=units["unit1"]).status_code == 403
    assert client.post(url, json=body, headers=units["auditor1"]).status_code == 403
    firm = admitted(client)
    other = commission(client, units, firm).json()
    assert client.post(f"{API}/commissions/{other['id']}/outside-experts", json=body,
                       headers=organiser["token"]).status_code == 403


def test_subcontract_without_consent_is_refused_R_COI_5(client, units, organiser):
    sub = admitted(client, name="钱塘数据服务有限公司")
    refused = client.post(f"{API}/commissions/{organiser['commission']['id']}/subcontracts",
                          json={"institution_id": sub["id"], "scope": "问卷调查"}, headers=organiser["token"])
    assert refused.status_code == 422
    [error] = refused.json()["errors"]
    assert (error["field"], error["rule_id"]) == ("may_subcontract", "R-COI-5")
    assert "之江评估咨询有限公司" in error["reason"]


def test_consented_subcontractor_passes_the_commission_checks_R_COI_5(client, units):
    firm, sub = admitted(client, name="之江评估咨询有限公司"), admitted(client, name="钱塘数据服务有限公司")
    made = commission(client, units, firm, may_subcontract=True).json()
    client.post(f"{API}/commissions/{made['id']}/organiser-account", json={"username": "zjpg", "password": PASSWORD},
                headers=units["unit1"])
    me = token(client, "zjpg")
    url = f"{API}/commissions/{made['id']}/subcontracts"
    ok = client.post(url, json={"institution_id": sub["id"], "scope": "问卷调查"}, headers=me)
    assert ok.status_code == 201, ok.text
    assert (ok.json()["kind"], ok.json()["status"]) == ("subcontractor", "hired")
    outside = create_institution(client, kind="consultancy")
    refused = client.post(url, json={"institution_id": outside["id"], "scope": "问卷调查"}, headers=me)
    assert refused.status_code == 422
    assert {e["rule_id"] for e in refused.json()["errors"]} == {"R-POOL-8"}
