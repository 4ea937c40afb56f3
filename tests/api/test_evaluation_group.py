"""Issue 14: the mixed post-decision evaluation group (R-EVAL-1) and the evaluation report, through the API.

The walk: a decided item in execution for over a year → an evaluation opened on its trigger (R-EVAL-2) → field
experts drawn for the evaluation, the expert who argued the decision excluded (R-COI-3) → a third-party
institution drawn from the evaluator pool (R-COI-4) → the group composed → the report filed by the evaluating
unit (SHA-256, on the item's record) → evaluated; a repeat within 12 months is refused unless something new is
recorded. Hostile cases: composing before the evaluation opens, linking the argument's panel or another item's,
leaving a part out, a unit that is not the evaluating unit filing the report, filing twice, reading as an expert."""

from __future__ import annotations

from assignment.domain.evaluation_group import report_digest
from tests.api.test_conflicts_api import make_item
from tests.builders import create_institution
from tests.support.app import account_headers as _token
from tests.support.panels import exclusions_of, post_request

API = "/api/v1"
REPRESENTATIVES = [{"name": "王芳", "unit": "市交通运输局", "role": "决策执行单位代表"},
                   {"name": "李强", "unit": "市财政局", "role": "资金保障单位代表"}]


def _move(client, item_id, to, headers=None, **body):
    response = client.post(f"{API}/items/{item_id}/transitions", json={"to": to, "reason": "按程序推进", **body},
                           headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def _firms(client, n: int) -> list[dict]:
    firms = []
    for k in range(n):
        firm = create_institution(client, name=f"第三方评估机构{k}", kind="consultancy")
        admitted = client.post(f"{API}/institutions/{firm['id']}/evaluator-pool", json={
            "has_facilities": True, "staff_competences": ["law", "policy", "administration", "evaluation_methods"]})
        assert admitted.status_code == 201, admitted.text
        firms.append(firm)
    return firms


def _events(client, item_id, name):
    record = client.get(f"{API}/items/{item_id}/record").json()
    return [ev for e in record["events"] for ev in (e["data"] or {}).get("events") or [] if ev.get("event") == name]


def _setting(client, pool):
    """An item of 市交通运输局, argued (one expert accepted), decided and in execution since 2025-04-01."""
    unit = create_institution(client, name="市交通运输局", kind="government_body")
    evaluator = create_institution(client, name="市发展和改革委员会", kind="government_body")
    headers = _token(client, "jtj", "unit", unit_id=unit["id"])
    item = make_item(client, drafting_unit_id=unit["id"], opened_on="2025-01-10")
    argument = post_request(client, item)
    assert argument.status_code == 201, argument.text
    argued = argument.json()["invitations"][0]
    accepted = client.post(f"{API}/invitations/{argued['id']}/answer", json={"accept": True})
    assert accepted.status_code == 201, accepted.text
    _move(client, item["id"], "under_argument", headers)
    _move(client, item["id"], "decided", headers, decided_on="2025-03-01", document_number="市政发〔2025〕8号")
    _move(client, item["id"], "in_execution", headers, execution_started_on="2025-04-01")
    return {"unit": unit, "evaluator": evaluator, "headers": headers, "item": item, "argued": argued["subject"]["id"],
            "argument_request": argument.json()["id"]}


def test_an_item_is_evaluated_by_a_mixed_group_and_its_report_R_EVAL_1_R_COI_3_R_COI_4(client, pool):
    s = _setting(client, pool)
    item_id, headers = s["item"]["id"], s["headers"]
    early = client.post(f"{API}/items/{item_id}/evaluation-groups", json={}, headers=headers)
    assert early.status_code == 409, early.text
    assert early.json()["allowed_next_steps"] == [] and early.json()["errors"][0]["field"] == "state"

    opened = client.post(f"{API}/items/{item_id}/evaluations", headers=headers, json={
        "trigger": "executing_unit_request", "evidence": "自 2025-04-01 起执行已满一年，执行单位来函申请评估"})
    assert opened.status_code == 201, opened.text

    # field experts drawn for the evaluation: the expert who argued the decision is excluded (R-COI-3)
    experts = post_request(client, s["item"], purpose="post_evaluation", size=5, balance={})
    assert experts.status_code == 201, experts.text
    drawn = experts.json()
    assert s["argued"] not in [m["subject"]["id"] for m in drawn["panel"]["members"]]
    [barred] = [e for e in exclusions_of(client, drawn) if e["subject"]["id"] == s["argued"]]
    assert barred["stage"] == "conflict" and barred["reasons"][0]["rule_id"] == "R-COI-3"
    # third-party institutions from the evaluator pool; one not independent of the drafting unit (R-COI-4)
    firms = _firms(client, 3)
    relate = client.post(f"{API}/relations", json={"kind": "funded_by", "entered_by": "政策法规处",
                                                   "source": {"kind": "institution", "id": firms[0]["id"]},
                                                   "target": {"kind": "institution", "id": s["unit"]["id"]}})
    assert relate.status_code == 201, relate.text
    institutions = post_request(client, s["item"], subject_kind="institution", purpose="post_evaluation", size=1,
                                balance={})
    assert institutions.status_code == 201, institutions.text
    firm_view = institutions.json()
    [firm] = firm_view["panel"]["members"]
    assert firm["subject"]["id"] != firms[0]["id"]
    assert {e["subject"]["id"]: e["reasons"][0]["rule_id"] for e in exclusions_of(client, firm_view)}[
        firms[0]["id"]] == "R-COI-4"

    body = {"evaluating_unit_id": s["evaluator"]["id"], "representatives": REPRESENTATIVES,
            "expert_request_id": drawn["id"], "institution_request_id": firm_view["id"]}
    url = f"{API}/items/{item_id}/evaluation-groups"
    # the argument's panel, a panel of another item, a part left out: 422 naming the field (R-EVAL-1)
    wrong_purpose = client.post(url, json={**body, "expert_request_id": s["argument_request"]}, headers=headers)
    assert wrong_purpose.status_code == 422, wrong_purpose.text
    [error] = wrong_purpose.json()["errors"]
    assert error["field"] == "expert_request_id" and error["rule_id"] == "R-EVAL-1" and "用途" in error["reason"]
    other = make_item(client, title="停车收费调整方案")
    other_firm = post_request(client, other, subject_kind="institution", purpose="post_evaluation", size=1,
                              balance={})
    assert other_firm.status_code == 201, other_firm.text
    foreign = client.post(url, json={**body, "institution_request_id": other_firm.json()["id"]}, headers=headers)
    assert foreign.status_code == 422 and "另一决策事项" in foreign.json()["errors"][0]["reason"]
    swapped = client.post(url, json={**body, "expert_request_id": firm_view["id"]}, headers=headers)
    assert swapped.status_code == 422 and swapped.json()["errors"][0]["field"] == "expert_request_id"
    partial = client.post(url, json={"evaluating_unit_id": s["evaluator"]["id"], "expert_request_id": drawn["id"]},
                          headers=headers)
    assert partial.status_code == 422
    assert {(e["field"], e["rule_id"]) for e in partial.json()["errors"]} == {
        ("representatives", "R-EVAL-1"), ("institution_request_id", "R-EVAL-1")}
    assert client.get(url).json()["total"] == 0  # nothing stored

    composed = client.post(url, json=body, headers=headers)
    assert composed.status_code == 201, composed.text
    group = composed.json()
    by_part: dict[str, list[dict]] = {}
    for member in group["members"]:
        by_part.setdefault(member["part"], []).append(member)
    assert [m["id"] for m in by_part["evaluating_unit"]] == [s["evaluator"]["id"]]
    assert by_part["evaluating_unit"][0]["name"] == "市发展和改革委员会"
    assert sorted(m["id"] for m in by_part["field_experts"]) == sorted(m["subject"]["id"]
                                                                       for m in drawn["panel"]["members"])
    assert s["argued"] not in [m["id"] for m in by_part["field_experts"]]
    assert all(f"panel-request:{drawn['id']}" in m["source"] for m in by_part["field_experts"])
    assert [m["id"] for m in by_part["third_party_institutions"]] == [firm["subject"]["id"]]
    assert [(m["name"], m["unit"], m["role"]) for m in by_part["unit_representatives"]] == [
        (r["name"], r["unit"], r["role"]) for r in REPRESENTATIVES]
    assert group["missing"] == []
    again = client.post(url, json=body, headers=headers)
    assert again.status_code == 409  # one group per evaluation
    assert _events(client, item_id, "EvaluationGroupComposed")[0]["group_id"] == group["id"]

    # with a group composed, the evaluation is concluded only by the group's report (R-EVAL-1)
    plain = client.post(f"{API}/items/{item_id}/evaluations/{opened.json()['id']}/conclusion",
                        json={"summary": "基本达到预期"})
    assert plain.status_code == 409, plain.text
    assert plain.json()["errors"][0]["rule_id"] == "R-EVAL-1" and "评估报告" in plain.json()["errors"][0]["reason"]
    assert client.get(f"{API}/items/{item_id}").json()["state"] == "under_evaluation"

    # the report: the evaluating unit files it once; the drafting unit may not (it is not the evaluating unit)
    evaluator_headers = _token(client, "fgw", "unit", unit_id=s["evaluator"]["id"])
    report = {"conclusions": "票价调整基本达到预期目标，客流结构改善。\n低收入群体负担略有上升。",
              "recommendations": ["继续执行", "完善低收入群体优惠"],
              "findings": [{"trigger": "executing_unit_request", "finding": "执行满一年，日均客流增长 6%"},
                           {"trigger": "public_complaints", "finding": "投诉量较上年下降"}]}
    report_url = f"{API}/items/{item_id}/evaluation-report"
    assert client.post(report_url, json=report, headers=headers).status_code == 403
    no_finding = client.post(report_url, json={**report, "findings": report["findings"][1:]},
                             headers=evaluator_headers)
    assert no_finding.status_code == 422 and no_finding.json()["errors"][0]["field"] == "findings"
    assert client.get(report_url).status_code == 404
    filed = client.post(report_url, json=report, headers=evaluator_headers)
    assert filed.status_code == 201, filed.text
    out = filed.json()
    assert out["group_id"] == group["id"] and out["findings"][0]["trigger_label"] == "决策执行单位提出评估"
    content = {"item_id": item_id, "evaluation_id": out["evaluation_id"], "group_id": group["id"],
               "conclusions": report["conclusions"], "recommendations": report["recommendations"],
               "findings": report["findings"], "filed_by": out["filed_by"],
               "filed_at": client.app.state.clock.now().isoformat()}
    assert out["sha256"] == report_digest(content)
    assert client.get(f"{API}/items/{item_id}").json()["state"] == "evaluated"
    [evaluation] = client.get(f"{API}/items/{item_id}/evaluations").json()["items"]
    assert evaluation["concluded_on"] == "2026-11-24" and out["sha256"] in evaluation["summary"]
    assert client.post(report_url, json=report, headers=evaluator_headers).status_code == 409  # filed once
    [event] = _events(client, item_id, "EvaluationReportFiled")
    assert event["sha256"] == out["sha256"] and event["report_id"] == out["id"]

    # who reads it: the owning unit, the office, the auditor; not an expert
    auditor = _token(client, "audit", "auditor")
    expert = _token(client, "expert1", "expert", expert_id=s["argued"])
    assert client.get(report_url, headers=headers).json()["sha256"] == out["sha256"]
    assert client.get(report_url, headers=auditor).status_code == 200
    assert client.get(report_url).json()["conclusions"] == report["conclusions"]
    assert client.get(report_url, headers=expert).status_code == 403
    assert client.post(report_url, json=report, headers=auditor).status_code == 403

    # a repeat within 12 months is refused unless a new circumstance is recorded (R-EVAL-2)
    _move(client, item_id, "in_execution", headers)
    repeat = {"trigger": "public_complaints", "evidence": "12345 热线投诉 40 件"}
    refused = client.post(f"{API}/items/{item_id}/evaluations", json=repeat, headers=headers)
    assert refused.status_code == 422
    [error] = refused.json()["errors"]
    assert error["field"] == "new_circumstance" and error["rule_id"] == "R-EVAL-2"
    allowed = client.post(f"{API}/items/{item_id}/evaluations", headers=headers,
                          json={**repeat, "new_circumstance": "上位法《城市公共交通条例》修订"})
    assert allowed.status_code == 201, allowed.text


def test_only_the_owning_unit_or_the_office_composes_a_group(client, pool):
    s = _setting(client, pool)
    stranger = create_institution(client, name="市生态环境局", kind="government_body")
    other = _token(client, "sthj", "unit", unit_id=stranger["id"])
    url = f"{API}/items/{s['item']['id']}/evaluation-groups"
    assert client.post(url, json={}, headers=other).status_code == 403
    assert client.get(url, headers=other).status_code == 403
    assert client.post(f"{API}/items/{s['item']['id']}/evaluation-report", json={"conclusions": "x"},
                       headers=other).status_code == 403
    assert client.get(url, headers=s["headers"]).json() == {"items": [], "total": 0, "offset": 0, "limit": 20}
