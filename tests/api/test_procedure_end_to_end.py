"""Issue 14, done when: one decision item walked through the whole procedure over the API, each step by the
login entitled to it — drafting → argument (hand-over, signed opinions, report, adoption with the reasons fed
back) → decided → filed on time → a year of execution → an evaluation on its trigger with a mixed group →
evaluated — and the item's filing package checked against the record's chain at the end.

The hostile cases of each step are in their own files (test_materials_and_opinions, test_argument_report,
test_filing — overdue filings listed and reminded —, test_evaluation_group — a repeat within 12 months refused —,
test_commissioned_organiser); this walk shows that the steps fit together."""

from __future__ import annotations

import asyncio
import base64
from datetime import datetime

from notifications.tables import Outbox
from tests.api.test_conflicts_api import make_item
from tests.builders import create_institution
from tests.support.app import account_headers as _token
from tests.support.panels import exclusions_of, request_body

API = "/api/v1"
PDF = b"%PDF-1.7\n" + "城市轨道交通票价调整方案（征求意见稿）".encode() + b"\n%%EOF\n"


def _at(clock, day: str) -> None:
    clock.fixed = datetime.fromisoformat(f"{day}T02:00:00+00:00")


def _ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.text
    return response.json()


def _move(client, item_id: int, headers: dict, to: str, **body) -> dict:
    return _ok(client.post(f"{API}/items/{item_id}/transitions", headers=headers,
                           json={"to": to, "reason": "按程序推进", **body}))


def _event_names(client, item_id: int) -> list[str]:
    record = _ok(client.get(f"{API}/items/{item_id}/record"))
    return [ev["event"] for row in record["events"] for ev in (row["data"] or {}).get("events") or []]


def test_one_item_from_drafting_to_evaluated_R_PANEL_5_R_PANEL_7_R_REC_3_R_EVAL_1_R_EVAL_2(client, clock, pool):
    # the drafting unit, the unit that will evaluate, and the item
    unit = create_institution(client, name="市交通运输局", kind="government_body")
    evaluator = create_institution(client, name="市发展和改革委员会", kind="government_body")
    own = _token(client, "jtj", "unit", unit_id=unit["id"])
    item = make_item(client, drafting_unit_id=unit["id"])
    item_id = item["id"]
    assert item["state"] == "drafting"
    _move(client, item_id, own, "under_argument")

    # argument: the unit's request is drawn by the service; three members accept (R-PANEL-2, R-PANEL-5)
    view = _ok(client.post(f"{API}/panel-requests", headers=own,
                           json=request_body(item, mode="individual")), 201)
    request_id = view["id"]
    invitations = [i["id"] for i in view["invitations"]]
    members = [i["subject"]["id"] for i in view["invitations"]]
    experts = [_token(client, f"expert{n}", "expert", expert_id=e) for n, e in enumerate(members)]
    for n in (0, 1, 2):
        _ok(client.post(f"{API}/invitations/{invitations[n]}/answer", json={"accept": True}, headers=experts[n]), 201)

    # hand-over: the unit uploads; an accepted member reads it, a member who has not accepted may not
    material = _ok(client.post(f"{API}/panel-requests/{request_id}/materials", headers=own, json={
        "filename": "方案.pdf", "content_base64": base64.b64encode(PDF).decode()}), 201)
    content = f"{API}/materials/{material['id']}/content"
    assert client.get(content, headers=experts[0]).content == PDF
    assert client.get(content, headers=experts[3]).status_code == 403

    # opinions signed by each member's own login (R-DUTY-2), then the report, once complete (R-PANEL-5)
    assert _ok(client.get(f"{API}/panel-requests/{request_id}/argument", headers=own))["complete"] is False
    texts = ["票价方案总体可行。", "建议增加低收入群体优惠。", "成本测算依据不足，建议补充。"]
    for n, text in enumerate(texts):
        _ok(client.post(f"{API}/invitations/{invitations[n]}/opinion", json={"text": text, "signed": True},
                        headers=experts[n]), 201)
    assert _ok(client.get(f"{API}/panel-requests/{request_id}/argument", headers=own))["complete"] is True
    report = _ok(client.post(f"{API}/panel-requests/{request_id}/report", headers=own), 201)
    assert len(report["sha256"]) == 64

    # adoption, opinion by opinion; the reason for not adopting one goes back to its expert (R-PANEL-7)
    _ok(client.post(f"{API}/panel-requests/{request_id}/report/adoption", headers=own, json={"entries": [
        {"expert_id": members[0], "adopted": True}, {"expert_id": members[1], "adopted": True},
        {"expert_id": members[2], "adopted": False, "reason": "成本测算已由财政部门另行审核"}]}), 201)
    notices = asyncio.run(Outbox.select(Outbox.recipient, Outbox.body).where(
        (Outbox.template == "opinion_not_adopted") & (Outbox.channel == "inbox")).run())
    assert [n["recipient"] for n in notices] == [f"expert:{members[2]}"]
    assert "成本测算已由财政部门另行审核" in notices[0]["body"]

    # decided; the record filed on time, within 10 working days (R-REC-3)
    _move(client, item_id, own, "decided", decided_on="2026-11-24", document_number="市政发〔2026〕21号")
    due = _ok(client.get(f"{API}/items/{item_id}/filing", headers=own))
    assert due["status"] == "due"
    _at(clock, "2026-12-04")
    _ok(client.post(f"{API}/items/{item_id}/filing", headers=own))
    assert _ok(client.get(f"{API}/items/{item_id}/filing", headers=own))["status"] == "filed_on_time"
    assert _ok(client.get(f"{API}/filings/overdue"))["total"] == 0

    # a year of execution, then an evaluation on its trigger (R-EVAL-2)
    _move(client, item_id, own, "in_execution", execution_started_on="2026-12-07")
    _at(clock, "2027-12-20")
    evaluation = _ok(client.post(f"{API}/items/{item_id}/evaluations", headers=own, json={
        "trigger": "executing_unit_request", "evidence": "执行满一年，执行单位来函申请评估"}), 201)
    assert _ok(client.get(f"{API}/items/{item_id}", headers=own))["state"] == "under_evaluation"

    # the mixed group (R-EVAL-1): drawn field experts (those who argued it are out, R-COI-3), a drawn
    # third-party institution, the evaluating unit and named representatives of the units involved
    drawn = _ok(client.post(f"{API}/panel-requests", headers=own, json=request_body(
        item, purpose="post_evaluation", size=5, balance={}, handover_on="2027-12-20")), 201)
    chosen = {m["subject"]["id"] for m in drawn["panel"]["members"]}
    assert chosen and not chosen & set(members[:3])
    barred = {e["subject"]["id"]: e["reasons"][0]["rule_id"] for e in exclusions_of(client, drawn)}
    assert all(barred.get(e) == "R-COI-3" for e in members[:3])
    for k in range(2):
        firm = create_institution(client, name=f"第三方评估机构{k}", kind="consultancy")
        _ok(client.post(f"{API}/institutions/{firm['id']}/evaluator-pool", json={
            "has_facilities": True, "staff_competences": ["law", "policy", "administration", "evaluation_methods"]}),
            201)
    firms = _ok(client.post(f"{API}/panel-requests", headers=own, json=request_body(
        item, subject_kind="institution", purpose="post_evaluation", size=1, balance={},
        handover_on="2027-12-20")), 201)
    group = _ok(client.post(f"{API}/items/{item_id}/evaluation-groups", headers=own, json={
        "evaluating_unit_id": evaluator["id"], "expert_request_id": drawn["id"], "institution_request_id": firms["id"],
        "representatives": [{"name": "王芳", "unit": "市交通运输局", "role": "决策执行单位代表"}]}), 201)
    assert group["missing"] == []
    assert {m["part"] for m in group["members"]} == {"evaluating_unit", "field_experts", "unit_representatives",
                                                      "third_party_institutions"}

    # the evaluating unit files the report; the item is evaluated
    by_evaluator = _token(client, "fgw", "unit", unit_id=evaluator["id"])
    filed = _ok(client.post(f"{API}/items/{item_id}/evaluation-report", headers=by_evaluator, json={
        "conclusions": "票价调整基本达到预期目标。", "recommendations": ["继续执行"],
        "findings": [{"trigger": "executing_unit_request", "finding": "日均客流增长 6%"}]}), 201)
    assert filed["evaluation_id"] == evaluation["id"]
    shown = _ok(client.get(f"{API}/items/{item_id}", headers=own))
    assert shown["state"] == "evaluated"
    assert [h["to_state"] for h in shown["history"]] == [
        "under_argument", "decided", "in_execution", "under_evaluation", "evaluated"]

    # every step is on the item's record, and the filing package checks it against the chain
    names = _event_names(client, item_id)
    for name in ("ArgumentReportIssued", "ReportAdopted", "ItemFiled", "EvaluationGroupComposed",
                 "EvaluationReportFiled"):
        assert name in names, name
    package = _ok(client.get(f"{API}/items/{item_id}/filing-package", headers=own))
    assert package["entries_verification"]["ok"] is True, package["entries_verification"]
    assert package["record_verification"]["ok"] is True, package["record_verification"]
    assert package["filing"]["package_matches"] is True  # the record up to the filing is still what was filed
