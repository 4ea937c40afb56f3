"""The argument by mode and its report through the API (issue 14, R-PANEL-5, R-DUTY-2): a signed opinion's
attachment; meeting minutes; the group leader's draft with co-signatures and dissents; the argument report
refused while incomplete (naming what is missing) and stored once with the SHA-256 of its canonical JSON."""

from __future__ import annotations

import asyncio
import base64
import hashlib

import pytest

from accounts.tables import AuditEvent
from assignment.domain.procedure import canonical_json
from assignment.procedure.report import argument_report_data
from notifications.tables import Outbox
from tests.api.test_conflicts_api import make_item
from tests.builders import create_institution
from tests.support.app import add_account
from tests.support.app import headers_for as token
from tests.support.panels import post_request

API = "/api/v1"
PDF = b"%PDF-1.7\n" + "附件：票价测算表".encode() + b"\n%%EOF\n"


def make_argument(client, mode: str) -> dict:
    """A unit's request in ``mode`` with five invited experts: the first three accepted, the rest pending."""
    unit = create_institution(client, name="市交通运输局", kind="government_body")
    other = create_institution(client, name="市生态环境局", kind="government_body")
    add_account("unit1", "unit", unit_id=unit["id"])
    add_account("unit2", "unit", unit_id=other["id"])
    add_account("auditor1", "auditor")
    item = make_item(client, drafting_unit_id=unit["id"])
    view = post_request(client, item, mode=mode).json()
    assert view["id"], view
    invitations = [i["id"] for i in view["invitations"]]
    experts = [i["subject"]["id"] for i in view["invitations"]]
    for n, expert_id in enumerate(experts):
        add_account(f"expert{n}", "expert", expert_id=expert_id)
    logins = [token(client, f"expert{n}") for n in range(len(experts))]
    for n in (0, 1, 2):
        answer = client.post(f"{API}/invitations/{invitations[n]}/answer", json={"accept": True}, headers=logins[n])
        assert answer.status_code == 201, answer.text
    return {"request": view["id"], "item": item["id"], "invitations": invitations, "experts": experts,
            "logins": logins, **{name: token(client, name) for name in ("unit1", "unit2", "auditor1")}}


def sign(client, arg: dict, n: int, text: str = "同意方案。") -> None:
    signed = client.post(f"{API}/invitations/{arg['invitations'][n]}/opinion", json={"text": text, "signed": True},
                         headers=arg["logins"][n])
    assert signed.status_code == 201, signed.text


def url(arg: dict, tail: str) -> str:
    return f"{API}/panel-requests/{arg['request']}/{tail}"


@pytest.fixture
def individual(client, pool):
    return make_argument(client, "individual")


@pytest.fixture
def meeting(client, pool):
    return make_argument(client, "meeting")


@pytest.fixture
def group(client, pool):
    return make_argument(client, "group")


def test_a_signed_opinion_takes_one_attachment_from_the_expert_only_R_DUTY_2(client, individual):
    arg = individual
    path = f"{API}/invitations/{arg['invitations'][0]}/opinion/attachment"
    body = {"filename": "测算表.pdf", "content_base64": base64.b64encode(PDF).decode()}
    early = client.post(path, json=body, headers=arg["logins"][0])
    assert early.status_code == 409 and "签名" in early.json()["errors"][0]["reason"]
    sign(client, arg, 0)
    wrong = client.post(path, json={"filename": "病毒.exe", "content_base64": "TVqQAA=="}, headers=arg["logins"][0])
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["rule_id"] == "R-PANEL-4"
    assert client.post(path, json=body, headers=arg["logins"][1]).status_code == 403  # another member
    assert client.post(path, json=body).status_code == 403  # the office never signs for an expert
    attached = client.post(path, json=body, headers=arg["logins"][0])
    assert attached.status_code == 201, attached.text
    assert attached.json()["sha256"] == hashlib.sha256(PDF).hexdigest() and attached.json()["uploaded_by"] == "expert0"
    assert client.post(path, json=body, headers=arg["logins"][0]).status_code == 409  # once
    for headers in (arg["unit1"], arg["logins"][0], {}):
        got = client.get(path, headers=headers) if headers else client.get(path)
        assert got.status_code == 200 and got.content == PDF
    assert client.get(path, headers=arg["unit2"]).status_code == 403
    assert client.get(path, headers=arg["logins"][1]).status_code == 403
    assert client.get(f"{API}/invitations/{arg['invitations'][1]}/opinion/attachment").status_code == 404


def test_individual_report_waits_for_every_signed_opinion_then_is_stored_once_with_its_digest_R_PANEL_5(
        client, individual):
    arg = individual
    sign(client, arg, 0, "同意。")
    refused = client.post(url(arg, "report"), headers=arg["unit1"])
    assert refused.status_code == 409, refused.text
    errors = refused.json()["errors"]
    assert {e["rule_id"] for e in errors} == {"R-PANEL-5"} and len(errors) == 2  # two opinions missing
    state = client.get(url(arg, "argument"), headers=arg["unit1"]).json()
    assert state["complete"] is False and len(state["missing"]) == 2
    sign(client, arg, 1, "原则同意，建议分步实施。")
    sign(client, arg, 2, "不同意：测算依据不足。")
    assert client.get(url(arg, "argument"), headers=arg["unit1"]).json()["complete"] is True
    assert client.post(url(arg, "report"), headers=arg["unit2"]).status_code == 403
    assert client.post(url(arg, "report"), headers=arg["logins"][0]).status_code == 403
    issued = client.post(url(arg, "report"), headers=arg["unit1"])
    assert issued.status_code == 201, issued.text
    report = issued.json()
    assert report["sha256"] == hashlib.sha256(canonical_json(report["data"]).encode()).hexdigest()
    said = {o["expert_id"]: o["text"] for o in report["data"]["opinions"]}
    assert said == {arg["experts"][0]: "同意。", arg["experts"][1]: "原则同意，建议分步实施。",
                    arg["experts"][2]: "不同意：测算依据不足。"}
    assert [m["expert_id"] for m in report["data"]["members"]] == arg["experts"][:3]
    assert report["data"]["mode"] == "individual" and report["issued_by"] == "unit1"
    assert client.post(url(arg, "report"), headers=arg["unit1"]).status_code == 409  # once
    for headers in (arg["unit1"], arg["auditor1"], arg["logins"][1]):
        shown = client.get(url(arg, "report"), headers=headers)
        assert shown.status_code == 200 and shown.json()["sha256"] == report["sha256"]
    assert client.get(url(arg, "report")).status_code == 200  # the office
    assert client.get(url(arg, "report"), headers=arg["logins"][3]).status_code == 403  # not a member
    assert client.get(url(arg, "report"), headers=arg["unit2"]).status_code == 403
    data = asyncio.run(argument_report_data(arg["request"]))
    assert data["sha256"] == report["sha256"] and data["data"] == report["data"]
    events = asyncio.run(AuditEvent.select(AuditEvent.subject, AuditEvent.data).order_by(AuditEvent.seq).output(
        load_json=True).run())
    issued_events = [(row["subject"], e) for row in events for e in row["data"].get("events", [])
                     if e["event"] == "ArgumentReportIssued"]
    assert len(issued_events) == 1 and issued_events[0][0] == f"request:{arg['request']}"
    assert issued_events[0][1]["sha256"] == report["sha256"]
    record = client.get(f"{API}/items/{arg['item']}/record").json()
    assert any(e["event"] == "ArgumentReportIssued" for row in record["events"] for e in row["data"]["events"])


def test_meeting_needs_the_minutes_of_accepted_members_and_every_signed_opinion_R_PANEL_5(client, meeting):
    arg = meeting
    for n in (0, 1, 2):
        sign(client, arg, n)
    refused = client.post(url(arg, "report"), headers=arg["unit1"])
    assert refused.status_code == 409 and [e["field"] for e in refused.json()["errors"]] == ["minutes"]
    body = {"text": "会议讨论了票价调整方案。", "meeting_on": "2026-11-24", "attendees": arg["experts"][:3]}
    stranger = client.post(url(arg, "minutes"), json={**body, "attendees": [arg["experts"][3]]},
                           headers=arg["unit1"])
    assert stranger.status_code == 422 and stranger.json()["errors"][0]["field"] == "attendees"
    future = client.post(url(arg, "minutes"), json={**body, "meeting_on": "2026-11-25"}, headers=arg["unit1"])
    assert future.status_code == 422 and future.json()["errors"][0]["rule_id"] == "R-PANEL-5"
    assert client.post(url(arg, "minutes"), json=body, headers=arg["logins"][0]).status_code == 403
    assert client.post(url(arg, "minutes"), json=body, headers=arg["unit2"]).status_code == 403
    recorded = client.post(url(arg, "minutes"), json=body, headers=arg["unit1"])
    assert recorded.status_code == 201, recorded.text
    assert recorded.json()["recorded_by"] == "unit1" and recorded.json()["attendees"] == arg["experts"][:3]
    assert client.post(url(arg, "minutes"), json=body, headers=arg["unit1"]).status_code == 409  # once
    assert client.get(url(arg, "minutes"), headers=arg["logins"][0]).status_code == 200
    assert client.get(url(arg, "minutes"), headers=arg["logins"][4]).status_code == 403  # pending: not a member
    issued = client.post(url(arg, "report"), headers=arg["unit1"])
    assert issued.status_code == 201, issued.text
    minutes = issued.json()["data"]["minutes"]
    assert minutes["text"] == body["text"] and [a["expert_id"] for a in minutes["attendees"]] == arg["experts"][:3]
    assert len(issued.json()["data"]["opinions"]) == 3
    late = client.post(url(arg, "minutes"), json=body, headers=arg["unit1"])
    assert late.status_code == 409


def test_group_leader_drafts_members_cosign_or_dissent_with_reason_once_R_PANEL_5(client, group):
    arg = group
    leader, member, other = arg["experts"][:3]
    named = client.post(url(arg, "leader"), json={"expert_id": leader}, headers=arg["unit1"])
    assert named.status_code == 201, named.text
    draft = {"text": "论证小组意见：原则同意。", "signed": True}
    assert client.post(url(arg, "group-draft/signatures"), json={"agrees": True, "signed": True},
                       headers=arg["logins"][1]).status_code == 409  # no draft yet
    assert client.post(url(arg, "group-draft"), json=draft, headers=arg["logins"][1]).status_code == 403
    unsigned = client.post(url(arg, "group-draft"), json={"text": "草稿"}, headers=arg["logins"][0])
    assert unsigned.status_code == 422 and unsigned.json()["errors"][0]["field"] == "signed"
    drafted = client.post(url(arg, "group-draft"), json=draft, headers=arg["logins"][0])
    assert drafted.status_code == 201, drafted.text
    assert drafted.json()["leader"] == leader and drafted.json()["drafted_by"] == "expert0"
    assert client.post(url(arg, "group-draft"), json=draft, headers=arg["logins"][0]).status_code == 409
    assert client.post(url(arg, "group-draft/signatures"), json={"agrees": True, "signed": True},
                       headers=arg["logins"][0]).status_code == 409  # the leader does not co-sign
    assert client.post(url(arg, "group-draft/signatures"), json={"agrees": True, "signed": True},
                       headers=arg["logins"][3]).status_code == 403  # pending: not a member
    bare = client.post(url(arg, "group-draft/signatures"), json={"agrees": False, "signed": True},
                       headers=arg["logins"][1])
    assert bare.status_code == 422 and bare.json()["errors"][0]["field"] == "reason"
    dissent = client.post(url(arg, "group-draft/signatures"),
                          json={"agrees": False, "reason": "风险评估不充分", "signed": True}, headers=arg["logins"][1])
    assert dissent.status_code == 201, dissent.text
    assert client.post(url(arg, "group-draft/signatures"), json={"agrees": True, "signed": True},
                       headers=arg["logins"][1]).status_code == 409  # once
    refused = client.post(url(arg, "report"), headers=arg["unit1"])
    assert refused.status_code == 409 and [e["field"] for e in refused.json()["errors"]] == ["cosignatures"]
    assert str(other) in refused.json()["errors"][0]["reason"]
    assert client.post(url(arg, "group-draft/signatures"), json={"agrees": True, "signed": True},
                       headers=arg["logins"][2]).status_code == 201
    assert client.post(url(arg, "minutes"), json={"text": "纪要", "meeting_on": "2026-11-24", "attendees": [leader]},
                       headers=arg["unit1"]).status_code == 409  # not a meeting
    issued = client.post(url(arg, "report"), headers=arg["unit1"])
    assert issued.status_code == 201, issued.text
    data = issued.json()["data"]
    assert data["group"]["draft"] == draft["text"] and data["group"]["leader"]["expert_id"] == leader
    assert data["dissents"] == [{"expert_id": member, "name": data["dissents"][0]["name"], "reason": "风险评估不充分"}]
    assert [a["expert_id"] for a in data["agreements"]] == [other]
    shown = client.get(url(arg, "group-draft"), headers=arg["auditor1"])
    assert shown.status_code == 200 and len(shown.json()["cosignatures"]) == 2


def test_adoption_per_member_with_reasons_fed_back_once_and_corrected_by_the_office_R_PANEL_7(client, individual):
    arg = individual
    adopt = url(arg, "report/adoption")
    first, second, third = arg["experts"][:3]
    for n in (0, 1, 2):
        sign(client, arg, n)
    early = client.post(adopt, json={"entries": [{"expert_id": first, "adopted": True}]}, headers=arg["unit1"])
    assert early.status_code == 404  # no report yet
    assert client.post(url(arg, "report"), headers=arg["unit1"]).status_code == 201
    entries = [{"expert_id": first, "adopted": True}, {"expert_id": second, "adopted": False},
               {"expert_id": third, "adopted": False, "reason": "与上位法规定不符"}]
    bare = client.post(adopt, json={"entries": entries}, headers=arg["unit1"])
    assert bare.status_code == 422 and bare.json()["errors"][0] == {
        "field": "entries[1].reason", "reason": f"专家 {second} 的意见未被采纳，须写明理由", "rule_id": "R-PANEL-7"}
    partial = client.post(adopt, json={"entries": entries[:1]}, headers=arg["unit1"])
    assert partial.status_code == 422 and partial.json()["errors"][0]["rule_id"] == "R-PANEL-7"
    entries[1]["reason"] = "成本测算已另行委托"
    assert client.post(adopt, json={"entries": entries}, headers=arg["unit2"]).status_code == 403
    assert client.post(adopt, json={"entries": entries}, headers=arg["logins"][0]).status_code == 403
    assert client.post(adopt, json={"entries": entries}).status_code == 409  # the office only corrects
    recorded = client.post(adopt, json={"entries": entries}, headers=arg["unit1"])
    assert recorded.status_code == 201, recorded.text
    current = recorded.json()["current"]
    assert current["correction"] is False and current["recorded_by"] == "unit1"
    assert [(e["expert_id"], e["adopted"], e["reason"]) for e in current["entries"]] == [
        (first, True, ""), (second, False, "成本测算已另行委托"), (third, False, "与上位法规定不符")]
    assert client.post(adopt, json={"entries": entries}, headers=arg["unit1"]).status_code == 409  # once
    notices = asyncio.run(Outbox.select(Outbox.recipient, Outbox.body, Outbox.subject).where(
        (Outbox.template == "opinion_not_adopted") & (Outbox.channel == "inbox")).order_by(Outbox.id).run())
    assert [n["recipient"] for n in notices] == [f"expert:{second}", f"expert:{third}"]
    assert "成本测算已另行委托" in notices[0]["body"] and "与上位法规定不符" in notices[1]["body"]
    assert "采纳" in notices[0]["subject"]
    no_reason = client.post(adopt, json={"entries": entries})
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
    corrected_entries = [{**entries[0]}, {"expert_id": second, "adopted": True}, entries[2]]
    corrected = client.post(adopt, json={"entries": corrected_entries, "reason": "单位补充说明：已采纳"})
    assert corrected.status_code == 201, corrected.text
    body = corrected.json()
    assert len(body["history"]) == 2 and body["current"]["correction"] is True
    assert body["current"]["correction_reason"] == "单位补充说明：已采纳" and body["history"][0]["role"] == "unit"
    shown = client.get(adopt, headers=arg["unit1"])
    assert shown.status_code == 200 and shown.json()["current"]["id"] == body["current"]["id"]
    data = asyncio.run(argument_report_data(arg["request"]))
    assert data["adoption"]["correction"] is True and data["adoption"]["entries"][1]["adopted"] is True
    record = client.get(f"{API}/items/{arg['item']}/record").json()
    adopted = [e for row in record["events"] for e in row["data"]["events"] if e["event"] == "ReportAdopted"]
    assert [a["correction"] for a in adopted] == [False, True]
