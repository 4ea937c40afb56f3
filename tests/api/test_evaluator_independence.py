"""Issue 11: third-party evaluators are independent of the evaluation object (R-COI-4, SY 三(一)2): no
government body, not the item's drafting unit (决策承办单位) or its hierarchy, not funded or controlled by
it, not employing people it employs; blacklisted institutions leave every pool list (R-POOL-8)."""

from __future__ import annotations

from registry.tables import EvaluatorPoolEntry
from tests.builders import create_institution, expert_payload
from tests.support.panels import exclusions_of, post_request

API = "/api/v1"
FULL_STAFF = ["law", "policy", "administration", "evaluation_methods"]


def admitted(client, **overrides) -> dict:
    firm = create_institution(client, kind="consultancy", **overrides)
    answer = client.post(f"{API}/institutions/{firm['id']}/evaluator-pool",
                         json={"has_facilities": True, "staff_competences": FULL_STAFF})
    assert answer.status_code == 201 and answer.json()["admitted"] is True, answer.text
    return firm


def make_item(client, unit: dict) -> dict:
    response = client.post(f"{API}/items", json={"title": "城市轨道交通票价调整方案", "opened_on": "2026-10-01",
                                                 "drafting_unit_id": unit["id"]})
    assert response.status_code == 201, response.text
    return response.json()


def relate(client, kind: str, source: dict, target: dict, source_kind="institution", **extra) -> None:
    response = client.post(f"{API}/relations", json={
        "kind": kind, "source": {"kind": source_kind, "id": source["id"]},
        "target": {"kind": "institution", "id": target["id"]}, "entered_by": "政策法规处", **extra})
    assert response.status_code == 201, response.text


def conflicts(client, item: dict, purpose: str) -> dict[int, list[dict]]:
    answer = client.get(f"{API}/items/{item['id']}/conflicts", params={"purpose": purpose})
    assert answer.status_code == 200, answer.text
    out: dict[int, list[dict]] = {}
    for c in answer.json()["conflicts"]:
        if c["subject"]["kind"] == "institution":
            out.setdefault(c["subject"]["id"], []).append(c)
    return out


def pool_ids(client) -> set[int]:
    return {e["institution_id"] for e in client.get(f"{API}/evaluator-pool").json()["items"]}


def test_government_body_is_refused_from_the_evaluator_pool_R_COI_4(client):
    bureau = create_institution(client, name="市交通运输局", kind="government_body")
    answer = client.post(f"{API}/institutions/{bureau['id']}/evaluator-pool",
                         json={"has_facilities": True, "staff_competences": FULL_STAFF})
    assert answer.status_code == 422, answer.text
    [error] = answer.json()["errors"]
    assert error["rule_id"] == "R-COI-4" and error["field"] == "kind" and "党政机关" in error["reason"]
    assert EvaluatorPoolEntry.count().run_sync() == 0 and pool_ids(client) == set()
    reasons = client.get(f"{API}/institutions/{bureau['id']}/eligibility").json()["reasons"]
    assert ("R-COI-4", "government_body") in {(r["rule_id"], r["code"]) for r in reasons}


def test_blacklisted_institution_leaves_every_pool_list_R_POOL_8(client):
    cheat, honest = admitted(client, name="某评估事务所"), admitted(client, name="某评估研究院")
    assert pool_ids(client) == {cheat["id"], honest["id"]}
    record = client.post(f"{API}/institutions/{cheat['id']}/discredit-records", json={
        "kind": "evaluation_cheating", "facts": "评估报告数据造假", "recorded_on": "2026-11-20"})
    assert record.status_code == 201
    assert pool_ids(client) == {honest["id"]}  # GET /evaluator-pool
    assert client.get(f"{API}/institutions/{cheat['id']}").json()["in_evaluator_pool"] is False
    listed = {i["id"] for i in client.get(f"{API}/institutions", params={"in_pool": True}).json()["items"]}
    assert listed == {honest["id"]}
    outside = {i["id"] for i in client.get(f"{API}/institutions", params={"in_pool": False}).json()["items"]}
    assert cheat["id"] in outside
    [history] = client.get(f"{API}/institutions/{cheat['id']}/evaluator-pool").json()["items"]
    assert history["removed_on"] == "2026-11-20" and "黑名单" in history["removal_reason"]
    # nor is it a candidate for an institution draw, not even among the excluded
    unit = create_institution(client, name="市交通运输局", kind="government_body")
    view = post_request(client, make_item(client, unit), subject_kind="institution", purpose="post_evaluation",
                        size=1, balance={})
    assert view.status_code == 201, view.text
    panel = view.json()["panel"]
    assert [m["subject"]["id"] for m in panel["members"]] == [honest["id"]]
    excluded = exclusions_of(client, view.json())
    assert cheat["id"] not in {e["subject"]["id"] for e in excluded if e["subject"]["kind"] == "institution"}


def test_institution_funded_by_the_drafting_unit_is_excluded_for_its_item_R_COI_4(client):
    unit = create_institution(client, name="市交通运输局", kind="government_body")
    funded, clear = admitted(client, name="之江评估咨询有限公司"), admitted(client, name="钱塘评估研究院")
    relate(client, "funded_by", funded, unit)
    item = make_item(client, unit)
    found = conflicts(client, item, "post_evaluation")
    assert set(found) == {funded["id"], unit["id"]}  # the drafting unit itself is no evaluator either
    [c] = found[funded["id"]]
    assert c["rule_id"] == "R-COI-4" and c["rule_name"] == "funded_or_controlled_by_drafting_unit"
    assert c["explanation"] == "之江评估咨询有限公司 —资金来源于→ 市交通运输局 —承办→ 城市轨道交通票价调整方案"
    assert [h["kind"] for h in c["path"]] == ["funded_by", "drafts"]
    assert "承办单位" in c["sentence"]
    assert funded["id"] not in conflicts(client, item, "argument")  # independence is asked of evaluators
    # another unit's item: the same institution is clear
    other = make_item(client, create_institution(client, name="市财政局", kind="government_body"))
    assert funded["id"] not in conflicts(client, other, "post_evaluation")

    view = post_request(client, item, subject_kind="institution", purpose="post_evaluation", size=1, balance={})
    assert view.status_code == 201, view.text
    panel = view.json()["panel"]
    assert [m["subject"]["id"] for m in panel["members"]] == [clear["id"]]
    excluded = {e["subject"]["id"]: e for e in exclusions_of(client, view.json())
                if e["subject"]["kind"] == "institution"}
    assert excluded[funded["id"]]["reasons"][0]["rule_id"] == "R-COI-4"
    assert "—承办→" in excluded[funded["id"]]["reasons"][0]["explanation"]


def test_drafting_units_hierarchy_and_personnel_are_not_independent_R_COI_4(client):
    unit = create_institution(client, name="市交通运输局", kind="government_body")
    institute = admitted(client, name="市交通规划研究院", parent_id=unit["id"])  # a body under the unit
    hiring = admitted(client, name="之江评估咨询有限公司")
    admitted(client, name="钱塘评估研究院")
    jobs = [{"employer_name": "市交通运输局", "institution_id": unit["id"], "start": "2010-01-01",
             "end": "2025-12-31"},  # left the drafting unit within the window, now with the evaluator
            {"employer_name": "之江评估咨询有限公司", "institution_id": hiring["id"], "start": "2026-01-01"}]
    person = client.post(f"{API}/experts", json=expert_payload(name="王五", employments=jobs))
    assert person.status_code == 201, person.text
    item = make_item(client, unit)
    found = conflicts(client, item, "risk_assessment")
    assert found[institute["id"]][0]["explanation"] == ("市交通规划研究院 —隶属→ 市交通运输局 "
                                                        "—承办→ 城市轨道交通票价调整方案")
    [c] = found[hiring["id"]]
    assert c["rule_name"] == "shares_personnel_with_drafting_unit"
    assert c["explanation"] == ("之江评估咨询有限公司 ←任职于— 王五 —任职于→ 市交通运输局 "
                                "—承办→ 城市轨道交通票价调整方案")


def test_policy_round_trip_keeps_the_personnel_steps_direction_R_COI_4(client):
    current = client.get(f"{API}/conflict-policy").json()
    rules = current["rules"]
    personnel = next(r for r in rules if r["name"] == "shares_personnel_with_drafting_unit")
    assert [s["direction"] for s in personnel["steps"]] == ["reverse", "forward", "forward", "forward"]
    answer = client.put(f"{API}/conflict-policy", json={"rules": rules, "reason": "原样重存", "by": "处长"})
    assert answer.status_code == 200, answer.text
    again = next(r for r in answer.json()["rules"] if r["name"] == "shares_personnel_with_drafting_unit")
    assert again["steps"] == personnel["steps"]
    bad = [{**personnel, "steps": [{**personnel["steps"][0], "direction": "sideways"}, *personnel["steps"][1:]]}]
    refused = client.put(f"{API}/conflict-policy", json={"rules": bad, "reason": "试错", "by": "处长"})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "rules[0].steps[0].direction"
