"""Issue 14: an item's life through the API (drafting → argued / assessed → decided → in execution → under
evaluation → evaluated), each step on the item with who, when and why; post-decision evaluations opened on a
trigger with evidence (R-EVAL-2).

Hostile cases: skipping the argument straight to "decided"; evaluating an item not yet executed; evaluating
again a month later with nothing new; a unit moving another unit's item."""

from __future__ import annotations

from datetime import datetime, timezone

from tests.api.test_conflicts_api import make_item
from tests.builders import create_institution
from tests.support.app import add_account, login

API = "/api/v1"


def move(client, item_id, to, **body):
    return client.post(f"{API}/items/{item_id}/transitions", json={"to": to, "reason": "按程序推进", **body})


def to_execution(client, item_id, started="2026-11-10"):
    assert move(client, item_id, "under_argument").status_code == 200
    decided = move(client, item_id, "decided", decided_on="2026-11-01", document_number="市政发〔2026〕12号")
    assert decided.status_code == 200, decided.text
    executing = move(client, item_id, "in_execution", execution_started_on=started)
    assert executing.status_code == 200, executing.text
    return executing.json()


def _events(client, item_id, name):
    record = client.get(f"{API}/items/{item_id}/record").json()
    return [ev for e in record["events"] for ev in (e["data"] or {}).get("events") or [] if ev.get("event") == name]


def test_an_item_moves_step_by_step_and_shows_its_history(client):
    item = make_item(client)
    assert item["state"] == "drafting" and item["allowed_next_steps"] == ["under_argument", "under_risk_assessment"]
    argued = move(client, item["id"], "under_argument", reason="提交专家论证")
    assert argued.status_code == 200, argued.text
    assessed = move(client, item["id"], "under_risk_assessment", reason="开展社会稳定风险评估")
    assert assessed.json()["state"] == "under_risk_assessment"
    decided = move(client, item["id"], "decided", decided_on="2026-11-01", document_number="市政发〔2026〕12号")
    body = decided.json()
    assert body["state"] == "decided" and body["decided_on"] == "2026-11-01"
    assert body["document_number"] == "市政发〔2026〕12号"
    executing = move(client, item["id"], "in_execution", execution_started_on="2026-11-10").json()
    assert executing["state"] == "in_execution" and executing["execution_started_on"] == "2026-11-10"
    shown = client.get(f"{API}/items/{item['id']}").json()
    steps = [(h["from_state"], h["to_state"]) for h in shown["history"]]
    assert steps == [("drafting", "under_argument"), ("under_argument", "under_risk_assessment"),
                     ("under_risk_assessment", "decided"), ("decided", "in_execution")]
    assert shown["history"][0]["reason"] == "提交专家论证" and shown["history"][0]["actor"]
    assert [i["state"] for i in client.get(f"{API}/items").json()["items"]] == ["in_execution"]
    changes = _events(client, item["id"], "ItemStateChanged")
    assert [c["to_state"] for c in changes][-1] == "in_execution" and changes[0]["reason"] == "提交专家论证"


def test_a_step_out_of_order_is_refused_409_with_the_allowed_steps(client):
    item = make_item(client)
    skipped = move(client, item["id"], "decided", decided_on="2026-11-01", document_number="x")
    assert skipped.status_code == 409, skipped.text
    assert skipped.json()["allowed_next_steps"] == ["under_argument", "under_risk_assessment"]
    assert skipped.json()["errors"][0]["field"] == "to"
    assert move(client, item["id"], "under_argument").status_code == 200
    missing = move(client, item["id"], "decided")
    assert missing.status_code == 422
    assert {e["field"] for e in missing.json()["errors"]} == {"decided_on", "document_number"}
    assert client.get(f"{API}/items/{item['id']}").json()["state"] == "under_argument"  # nothing stored
    unknown = client.post(f"{API}/items/{item['id']}/transitions", json={"to": "decided", "reason": "x", "by": 1})
    assert unknown.status_code in (400, 422)


def test_patch_decided_on_still_works_and_decides_an_argued_item(client):
    plain = make_item(client)
    patched = client.patch(f"{API}/items/{plain['id']}", json={"decided_on": "2026-11-01"})
    assert patched.status_code == 200 and patched.json()["decided_on"] == "2026-11-01"
    argued = make_item(client, title="停车收费调整方案")
    assert move(client, argued["id"], "under_argument").status_code == 200
    decided = client.patch(f"{API}/items/{argued['id']}", json={"decided_on": "2026-11-02"}).json()
    assert decided["state"] == "decided" and decided["history"][-1]["decided_on"] == "2026-11-02"


def test_evaluation_opens_only_in_execution_and_closes_with_a_conclusion_R_EVAL_2(client):
    item = make_item(client)
    early = client.post(f"{API}/items/{item['id']}/evaluations",
                        json={"trigger": "public_complaints", "evidence": "投诉 86 件"})
    assert early.status_code == 409 and early.json()["errors"][0]["rule_id"] == "R-EVAL-2"
    to_execution(client, item["id"])
    opened = client.post(f"{API}/items/{item['id']}/evaluations",
                         json={"trigger": "public_complaints", "evidence": "12345 热线投诉 86 件"})
    assert opened.status_code == 201, opened.text
    evaluation = opened.json()
    assert evaluation["trigger"] == "public_complaints" and evaluation["opened_on"] == "2026-11-24"
    assert client.get(f"{API}/items/{item['id']}").json()["state"] == "under_evaluation"
    page = client.get(f"{API}/items/{item['id']}/evaluations").json()
    assert page["total"] == 1 and page["items"][0]["id"] == evaluation["id"]
    closed = client.post(f"{API}/items/{item['id']}/evaluations/{evaluation['id']}/conclusion",
                         json={"summary": "基本达到预期目标，建议继续执行"})
    assert closed.status_code == 200, closed.text
    assert closed.json()["summary"] == "基本达到预期目标，建议继续执行"
    assert client.get(f"{API}/items/{item['id']}").json()["state"] == "evaluated"
    again = client.post(f"{API}/items/{item['id']}/evaluations/{evaluation['id']}/conclusion",
                        json={"summary": "再次"})
    assert again.status_code == 409
    assert _events(client, item["id"], "EvaluationOpened")[0]["evidence"] == "12345 热线投诉 86 件"


def test_no_repeat_within_12_months_without_a_new_circumstance_R_EVAL_2(client, clock):
    item = make_item(client)
    to_execution(client, item["id"])
    body = {"trigger": "executing_unit_request", "evidence": "执行单位来函"}
    first = client.post(f"{API}/items/{item['id']}/evaluations", json=body).json()
    client.post(f"{API}/items/{item['id']}/evaluations/{first['id']}/conclusion", json={"summary": "继续执行"})
    assert move(client, item["id"], "in_execution").status_code == 200
    clock.fixed = datetime(2027, 1, 5, 9, 0, tzinfo=timezone.utc)
    repeat = client.post(f"{API}/items/{item['id']}/evaluations", json=body)
    assert repeat.status_code == 422
    [error] = repeat.json()["errors"]
    assert error["field"] == "new_circumstance" and error["rule_id"] == "R-EVAL-2"
    allowed = client.post(f"{API}/items/{item['id']}/evaluations", json={**body, "new_circumstance": "上位法修订"})
    assert allowed.status_code == 201, allowed.text
    assert client.get(f"{API}/items/{item['id']}/evaluations").json()["total"] == 2


def test_a_broad_policy_is_evaluated_after_a_year_of_execution_R_EVAL_2(client, clock):
    item = make_item(client, wide_scope=True)
    to_execution(client, item["id"], started="2026-11-10")
    body = {"trigger": "one_year_of_broad_policy", "evidence": "执行满一年"}
    early = client.post(f"{API}/items/{item['id']}/evaluations", json=body)
    assert early.status_code == 422 and early.json()["errors"][0]["rule_id"] == "R-EVAL-2"
    assert "2027-11-10" in early.json()["errors"][0]["reason"]
    clock.fixed = datetime(2027, 11, 10, 9, 0, tzinfo=timezone.utc)
    assert client.post(f"{API}/items/{item['id']}/evaluations", json=body).status_code == 201


def test_a_unit_moves_its_own_items_only(client):
    unit = create_institution(client, name="市交通运输局", kind="government_body")
    other = create_institution(client, name="市生态环境局", kind="government_body")
    add_account("unit-life", "unit", unit_id=unit["id"])
    office = client.headers["Authorization"]
    headers = {"Authorization": f"Bearer {login(client, 'unit-life')['token']}"}
    client.headers["Authorization"] = office
    own = make_item(client, drafting_unit_id=unit["id"], title="本单位事项")
    foreign = make_item(client, drafting_unit_id=other["id"], title="他单位事项")
    body = {"to": "under_argument", "reason": "提交论证"}
    assert client.post(f"{API}/items/{own['id']}/transitions", json=body, headers=headers).status_code == 200
    assert client.post(f"{API}/items/{foreign['id']}/transitions", json=body, headers=headers).status_code == 403
    assert client.get(f"{API}/items/{foreign['id']}").json()["state"] == "drafting"


def executed_item(client, title, started="2024-07-01", **flags):
    item = make_item(client, title=title, opened_on="2024-01-10", **flags)
    assert move(client, item["id"], "under_argument").status_code == 200
    assert move(client, item["id"], "decided", decided_on="2024-06-01", document_number="市政发〔2024〕3号"
                ).status_code == 200
    assert move(client, item["id"], "in_execution", execution_started_on=started).status_code == 200
    return item


def test_the_yearly_plan_holds_one_to_three_decisions_executed_over_a_year_R_EVAL_3(client):
    items = [executed_item(client, f"政策{i}") for i in range(4)]
    recent = executed_item(client, "新政策", started="2026-06-01")
    too_many = client.put(f"{API}/evaluation-plans/2027", json={"item_ids": [i["id"] for i in items]})
    assert too_many.status_code == 422 and too_many.json()["errors"][0]["rule_id"] == "R-EVAL-3"
    empty = client.put(f"{API}/evaluation-plans/2027", json={"item_ids": []})
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "item_ids"
    young = client.put(f"{API}/evaluation-plans/2027", json={"item_ids": [items[0]["id"], recent["id"]]})
    assert young.status_code == 422
    reason = f"决策事项 {recent['id']} 自 2026-06-01 起执行，到 2027-01-01 未满一年"
    assert young.json()["errors"] == [{"field": "item_ids[1]", "rule_id": "R-EVAL-3", "reason": reason}]
    assert client.get(f"{API}/evaluation-plans/2027").status_code == 404
    ok = client.put(f"{API}/evaluation-plans/2027", json={"item_ids": [items[0]["id"], items[1]["id"]]})
    assert ok.status_code == 200, ok.text
    assert ok.json()["item_ids"] == [items[0]["id"], items[1]["id"]] and ok.json()["revision"] == 1
    changed = client.put(f"{API}/evaluation-plans/2027", json={"item_ids": [items[2]["id"]]}).json()
    assert changed["revision"] == 2 and client.get(f"{API}/evaluation-plans/2027").json()["item_ids"] == [
        items[2]["id"]]
    assert client.put(f"{API}/evaluation-plans/1999", json={"item_ids": [items[0]["id"]]}).status_code == 422


def test_plan_candidates_are_wide_or_triggered_after_a_year_of_execution_R_EVAL_3(client):
    wide = executed_item(client, "全市停车收费政策", wide_scope=True)
    triggered = executed_item(client, "公交票价方案")
    executed_item(client, "普通事项")  # neither wide nor triggered
    executed_item(client, "新的涉及面广政策", started="2026-06-01", wide_scope=True)  # not a year yet
    opened = client.post(f"{API}/items/{triggered['id']}/evaluations",
                         json={"trigger": "public_complaints", "evidence": "投诉 86 件"}).json()
    client.post(f"{API}/items/{triggered['id']}/evaluations/{opened['id']}/conclusion", json={"summary": "继续执行"})
    assert move(client, triggered["id"], "in_execution").status_code == 200
    page = client.get(f"{API}/evaluation-plans/2027/candidates").json()
    assert page["total"] == 2 and [c["item_id"] for c in page["items"]] == [wide["id"], triggered["id"]]
    assert "涉及面广" in page["items"][0]["reasons"] and page["items"][1]["triggers"] == ["public_complaints"]
