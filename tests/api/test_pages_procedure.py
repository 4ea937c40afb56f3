"""The procedure's steps as pages (issue 15 over issue 14's API): the drafting unit's hand-over, minutes, report,
adoption, decision and filing on its panel and item pages; the expert's group draft and co-signature and the
materials; the auditor's verification kept and re-run on demand. Each step's success and refusal (shown beside
the field), the downloads through the page session, and access per page and role (another unit's: 403)."""

from __future__ import annotations

import base64
import re

import pytest

from tests.api.test_conflicts_api import make_item
from tests.api.test_pages_unit_expert import as_page_user, beside, submit
from tests.builders import create_institution
from tests.support.app import account_headers, add_account
from tests.support.pages import csrf, page_login
from tests.support.panels import post_request

API = "/api/v1"
PDF = b"%PDF-1.7\n" + "城市轨道交通票价调整方案（征求意见稿）".encode() + b"\n%%EOF\n"


@pytest.fixture
def scene(client, pool):
    """A unit's item under argument with a drawn panel whose first three members accepted (their own logins)."""
    own, other = create_institution(client, name="市交通运输局"), create_institution(client, name="市财政局")
    add_account("unit1", "unit", unit_id=own["id"])
    add_account("unit2", "unit", unit_id=other["id"])
    add_account("auditor1", "auditor")
    item = make_item(client, drafting_unit_id=own["id"])
    moved = client.post(f"{API}/items/{item['id']}/transitions", json={"to": "under_argument", "reason": "启动论证"})
    assert moved.status_code == 200, moved.text
    return {"unit": own, "item": item}


def draw(client, scene: dict, mode: str, accepted: int = 3) -> dict:
    view = post_request(client, scene["item"], mode=mode, size=5).json()
    experts = []
    for n, inv in enumerate(view["invitations"]):
        headers = account_headers(client, f"m{view['id']}x{n}", "expert", expert_id=inv["subject"]["id"])
        experts.append(headers)
        if n < accepted:
            answered = client.post(f"{API}/invitations/{inv['id']}/answer", json={"accept": True}, headers=headers)
            assert answered.status_code == 201, answered.text
    members = [i["subject"]["id"] for i in view["invitations"][:accepted]]
    return {"view": view, "id": view["id"], "experts": experts, "members": members,
            "invitations": [i["id"] for i in view["invitations"]]}


def sign_opinions(client, panel: dict) -> None:
    for n, inv in enumerate(panel["invitations"][:len(panel["members"])]):
        done = client.post(f"{API}/invitations/{inv}/opinion", json={"text": f"意见{n}", "signed": True},
                           headers=panel["experts"][n])
        assert done.status_code == 201, done.text


def upload(client, request_id: int, name: str, content: bytes, page: str):
    return client.post(f"/unit/requests/{request_id}/materials", data={"_csrf_token": csrf(client, page)},
                       files={"file": (name, content, "application/octet-stream")}, follow_redirects=False)


# --- the drafting unit ------------------------------------------------------------------------------------------
def test_meeting_mode_hand_over_minutes_report_adoption_on_the_panel_page_R_PANEL_4_5_7(client, scene):
    panel = draw(client, scene, "meeting")
    page = f"/unit/requests/{panel['id']}"
    as_page_user(client, "unit1")

    # hand-over: a file of a type not allowed is refused beside the file field; a PDF is stored and listed
    refused = upload(client, panel["id"], "脚本.exe", b"MZ\x90\x00", page)
    assert refused.status_code == 422 and beside(refused.text, "file")
    stored = upload(client, panel["id"], "方案.pdf", PDF, page)
    assert stored.status_code == 303, stored.text
    shown = client.get(page).text
    material = int(re.search(r'href="/unit/materials/(\d+)"', shown).group(1))
    assert "方案.pdf" in shown
    assert client.get(f"/unit/materials/{material}").content == PDF
    listed = client.get(f"{API}/panel-requests/{panel['id']}/materials").json()["items"]
    assert [m["filename"] for m in listed] == ["方案.pdf"]

    # what is missing: opinions and the minutes; the report is refused while incomplete (409 said on the page)
    assert 'id="missing"' in shown and "会议纪要尚未记录" in shown and 'id="issue-report"' not in shown
    early = submit(client, f"{page}/report", {}, page)
    assert early.status_code == 409 and "论证尚未完成" in early.text

    # minutes: a meeting after today is refused beside the date; then recorded once
    body = {"text": "会议讨论了票价调整方案。", "attendees": [str(m) for m in panel["members"]]}
    future = submit(client, f"{page}/minutes", {**body, "meeting_on": "2026-12-30"}, page)
    assert future.status_code == 422 and beside(future.text, "meeting_on")
    recorded = submit(client, f"{page}/minutes", {**body, "meeting_on": "2026-11-24"}, page)
    assert recorded.status_code == 303, recorded.text
    minutes = client.get(f"{API}/panel-requests/{panel['id']}/minutes").json()
    assert minutes["attendees"] == panel["members"] and minutes["recorded_by"] == "unit1"
    assert 'id="minutes-form"' not in client.get(page).text  # once: the form is gone

    sign_opinions(client, panel)
    shown = client.get(page).text
    assert 'id="argument-complete"' in shown and 'id="issue-report"' in shown
    issued = submit(client, f"{page}/report", {}, page)
    assert issued.status_code == 303, issued.text
    shown = client.get(page).text
    report = client.get(f"{API}/panel-requests/{panel['id']}/report").json()
    assert report["sha256"] in shown and 'id="adoption-form"' in shown

    # adoption: not adopted without a reason is refused beside that member's reason; then recorded
    first, second, third = panel["members"]
    choice = {f"adopted_{first}": "yes", f"adopted_{second}": "yes", f"adopted_{third}": "no"}
    no_reason = submit(client, f"{page}/adoption", choice, page)
    assert no_reason.status_code == 422
    assert beside(no_reason.text, f"reason_{third}") and "R-PANEL-7" in beside(no_reason.text, f"reason_{third}")[0]
    assert f'id="adopted-{third}-no" checked' in no_reason.text  # what was chosen stays on the form
    unchosen = submit(client, f"{page}/adoption", {f"adopted_{first}": "yes", f"adopted_{second}": "yes"}, page)
    assert unchosen.status_code == 422 and beside(unchosen.text, f"adopted_{third}")
    adopted = submit(client, f"{page}/adoption", {**choice, f"reason_{third}": "成本测算已另行审核"}, page)
    assert adopted.status_code == 303, adopted.text
    entries = client.get(f"{API}/panel-requests/{panel['id']}/report/adoption").json()["current"]["entries"]
    assert [(e["expert_id"], e["adopted"], e["reason"]) for e in entries] == [
        (first, True, ""), (second, True, ""), (third, False, "成本测算已另行审核")]
    again = submit(client, f"{page}/adoption", {**choice, f"reason_{third}": "再次"}, page)
    assert again.status_code == 409 and "R-PANEL-7" in again.text


def test_the_documents_download_with_the_page_session_for_the_unit_and_the_auditor(client, scene):
    panel = draw(client, scene, "individual")
    sign_opinions(client, panel)
    as_page_user(client, "unit1")
    page = f"/unit/requests/{panel['id']}"
    assert client.get(f"{page}/argument-report.pdf").status_code == 404  # none issued yet: said in Chinese
    assert submit(client, f"{page}/report", {}, page).status_code == 303
    for path in (f"{page}/selection-record.pdf", f"{page}/argument-report.pdf"):
        answer = client.get(path)
        assert answer.status_code == 200 and answer.content.startswith(b"%PDF"), path
    assert client.get(f"/unit/items/{scene['item']['id']}/panels.xlsx").status_code == 404  # the office's export
    page_login(client, "auditor1")  # the auditor reads every record: the same documents from the panel's page
    verification = client.get(f"/auditor/panels/{panel['view']['panel']['id']}").text
    for link in ("selection-record-pdf", "argument-report-pdf", "panels-xlsx"):
        path = re.search(rf'href="([^"]+)" id="{link}"', verification).group(1)
        answer = client.get(path)
        assert answer.status_code == 200 and answer.content[:4] in (b"%PDF", b"PK\x03\x04"), path
    page_login(client, "unit1")
    for path in (f"/auditor/requests/{panel['id']}/selection-record.pdf",
                 f"/auditor/items/{scene['item']['id']}/panels.xlsx"):
        assert client.get(path).status_code == 403, path


def test_the_item_page_moves_the_item_to_decided_and_files_it_R_REC_3(client, scene):
    item = scene["item"]["id"]
    page = f"/unit/items/{item}"
    as_page_user(client, "unit1")
    shown = client.get(page).text
    assert 'id="filing-status" data-status="not_decided"' in shown and 'id="file-item"' not in shown
    early = submit(client, f"{page}/filing", {}, page)
    assert early.status_code == 409 and "R-REC-3" in early.text
    no_reason = submit(client, f"{page}/transitions", {"to": "decided", "decided_on": "2026-11-24"}, page)
    assert no_reason.status_code == 422 and beside(no_reason.text, "reason")
    decision = {"to": "decided", "reason": "市政府常务会议审议通过", "decided_on": "2026-11-24",
                "document_number": "市政发〔2026〕21号"}
    decided = submit(client, f"{page}/transitions", decision, page)
    assert decided.status_code == 303, decided.text
    shown = client.get(page).text
    assert 'data-status="due"' in shown and 'id="file-item"' in shown
    filed = submit(client, f"{page}/filing", {}, page)
    assert filed.status_code == 303, filed.text
    status = client.get(f"{API}/items/{item}/filing").json()
    assert status["status"] == "filed_on_time" and status["filed_by"] == "unit1"
    assert status["package_sha256"] in client.get(page).text
    twice = submit(client, f"{page}/filing", {}, page)
    assert twice.status_code == 409
    package = client.get(f"{page}/filing-package.pdf")
    assert package.status_code == 200 and package.content.startswith(b"%PDF")


def test_the_item_page_lists_the_options_and_a_reverse_argument_is_asked_from_the_form_R_PANEL_6(client, scene):
    item = scene["item"]["id"]
    options = [{"label": "方案一：分段计价", "summary": "按里程分段"},
               {"label": "方案二：单一票价", "summary": "全程两元"}]
    assert client.put(f"{API}/items/{item}/options", json={"options": options}).status_code == 200
    as_page_user(client, "unit1")
    shown = client.get(f"/unit/items/{item}").text
    assert 'id="options"' in shown and "方案二：单一票价" in shown
    form = f"/unit/items/{item}/panel-request"
    drawn = submit(client, form, {"purpose": "argument", "mode": "individual", "size": "5",
                                  "handover_on": "2026-11-24", "answer_working_days": "3", "max_per_employer": "1",
                                  "reverse_argument": "on"}, form)
    assert drawn.status_code == 303, drawn.text
    request_id = int(drawn.headers["location"].rsplit("/", 1)[1])
    assert client.get(f"{API}/panel-requests/{request_id}").json()["reverse_argument"] is True
    assert 'id="reverse-argument"' in client.get(drawn.headers["location"]).text


def test_the_evaluation_opened_composed_and_reported_on_the_pages_R_EVAL_1_R_EVAL_2(client, clock, scene):
    from datetime import datetime

    from tests.support.panels import request_body

    item, page = scene["item"], f"/unit/items/{scene['item']['id']}"
    evaluator = create_institution(client, name="市发展和改革委员会", kind="government_body")
    add_account("fgw", "unit", unit_id=evaluator["id"])
    for to, extra in (("decided", {"decided_on": "2026-11-24", "document_number": "市政发〔2026〕21号"}),
                      ("in_execution", {"execution_started_on": "2026-11-25"})):
        moved = client.post(f"{API}/items/{item['id']}/transitions", json={"to": to, "reason": "按程序推进", **extra})
        assert moved.status_code == 200, moved.text
    clock.fixed = datetime.fromisoformat("2027-12-20T02:00:00+00:00")
    as_page_user(client, "unit1")
    assert 'id="evaluation-form"' in client.get(page).text
    no_evidence = submit(client, f"{page}/evaluations", {"trigger": "executing_unit_request"}, page)
    assert no_evidence.status_code == 422 and beside(no_evidence.text, "evidence")
    opened = submit(client, f"{page}/evaluations", {"trigger": "executing_unit_request",
                                                    "evidence": "执行满一年，执行单位来函申请评估"}, page)
    assert opened.status_code == 303, opened.text
    assert client.get(f"{API}/items/{item['id']}").json()["state"] == "under_evaluation"

    drawn = client.post(f"{API}/panel-requests", json=request_body(
        item, purpose="post_evaluation", size=5, balance={}, handover_on="2027-12-20"))
    assert drawn.status_code == 201, drawn.text
    for k in range(2):
        firm = create_institution(client, name=f"第三方评估机构{k}", kind="consultancy")
        assert client.post(f"{API}/institutions/{firm['id']}/evaluator-pool", json={
            "has_facilities": True, "staff_competences": ["law", "policy", "administration", "evaluation_methods"]}
        ).status_code == 201
    firms = client.post(f"{API}/panel-requests", json=request_body(
        item, subject_kind="institution", purpose="post_evaluation", size=1, balance={}, handover_on="2027-12-20"))
    assert firms.status_code == 201, firms.text
    shown = client.get(page).text
    assert f'<option value="{firms.json()["id"]}"' in shown and 'id="group-form"' in shown
    parts = {"expert_request_id": str(drawn.json()["id"]), "institution_request_id": str(firms.json()["id"]),
             "rep_name_0": "王芳", "rep_unit_0": "市交通运输局", "rep_role_0": "决策执行单位代表"}
    no_unit = submit(client, f"{page}/evaluation-groups", parts, page)
    assert no_unit.status_code == 422 and beside(no_unit.text, "evaluating_unit_id")
    composed = submit(client, f"{page}/evaluation-groups", {**parts, "evaluating_unit_id": str(evaluator["id"])},
                      page)
    assert composed.status_code == 303, composed.text
    assert "王芳" in client.get(page).text

    assert client.get(f"/unit/evaluations/{item['id']}").status_code == 403  # the owner is not the evaluating unit
    as_page_user(client, "fgw")
    assert f'href="/unit/evaluations/{item["id"]}"' in client.get("/unit/").text
    report_page = f"/unit/evaluations/{item['id']}"
    no_finding = submit(client, f"{report_page}/report", {"conclusions": "基本达到预期目标。"}, report_page)
    assert no_finding.status_code == 422 and beside(no_finding.text, "findings")
    filed = submit(client, f"{report_page}/report", {"conclusions": "基本达到预期目标。", "recommendations": "继续执行",
                                                     "finding": "日均客流增长 6%"}, report_page)
    assert filed.status_code == 303, filed.text
    assert client.get(f"{API}/items/{item['id']}").json()["state"] == "evaluated"
    assert "基本达到预期目标。" in client.get(report_page).text


# --- the expert: group mode -------------------------------------------------------------------------------------
def test_group_mode_the_leader_drafts_members_co_sign_or_dissent_with_a_reason_R_PANEL_5(client, scene):
    panel = draw(client, scene, "group")
    leader, second, third = panel["members"]
    chose = client.post(f"{API}/panel-requests/{panel['id']}/leader", json={"expert_id": leader})
    assert chose.status_code in (200, 201), chose.text
    material = client.post(f"{API}/panel-requests/{panel['id']}/materials", json={
        "filename": "方案.pdf", "content_base64": base64.b64encode(PDF).decode()}).json()
    prefix = f"m{panel['id']}x"

    as_page_user(client, f"{prefix}1")  # a member before the draft: nothing to sign yet; the material is readable
    shown = client.get("/expert/invitations").text
    assert "组长尚未提交" in shown and f'href="/expert/materials/{material["id"]}"' in shown
    assert client.get(f"/expert/materials/{material['id']}").content == PDF
    not_leader = submit(client, f"/expert/requests/{panel['id']}/group-draft", {"text": "草稿", "signed": "on"},
                        "/expert/invitations")
    assert not_leader.status_code == 403

    as_page_user(client, f"{prefix}0")  # the leader drafts, signed
    unsigned = submit(client, f"/expert/requests/{panel['id']}/group-draft", {"text": "论证报告草稿"},
                      "/expert/invitations")
    assert unsigned.status_code == 422 and beside(unsigned.text, "signed")
    drafted = submit(client, f"/expert/requests/{panel['id']}/group-draft",
                     {"text": "论证报告草稿：方案总体可行。", "signed": "on"}, "/expert/invitations")
    assert drafted.status_code == 303, drafted.text

    as_page_user(client, f"{prefix}1")  # dissent without a reason is refused beside the reason; then co-signed
    assert "论证报告草稿：方案总体可行。" in client.get("/expert/invitations").text
    sign = f"/expert/requests/{panel['id']}/cosign"
    bare = submit(client, sign, {"agrees": "no", "signed": "on"}, "/expert/invitations")
    assert bare.status_code == 422 and beside(bare.text, "reason")
    assert submit(client, sign, {"agrees": "yes", "signed": "on"}, "/expert/invitations").status_code == 303
    as_page_user(client, f"{prefix}2")
    dissent = submit(client, sign, {"agrees": "no", "reason": "成本测算依据不足", "signed": "on"},
                     "/expert/invitations")
    assert dissent.status_code == 303, dissent.text
    as_page_user(client, f"{prefix}3")  # invited but not accepted: no material, no signature
    assert client.get(f"/expert/materials/{material['id']}").status_code == 403
    assert submit(client, sign, {"agrees": "yes", "signed": "on"}, "/expert/invitations").status_code == 403

    draft = client.get(f"{API}/panel-requests/{panel['id']}/group-draft").json()
    assert [(c["expert_id"], c["agrees"], c["reason"]) for c in draft["cosignatures"]] == [
        (second, True, ""), (third, False, "成本测算依据不足")]
    as_page_user(client, "unit1")
    shown = client.get(f"/unit/requests/{panel['id']}").text
    assert 'id="cosignatures"' in shown and "成本测算依据不足" in shown and 'id="argument-complete"' in shown


# --- access per page and role -----------------------------------------------------------------------------------
def test_procedure_pages_and_downloads_per_role_and_another_units_item_is_403(client, scene):
    panel = draw(client, scene, "individual")
    item = scene["item"]["id"]
    material = client.post(f"{API}/panel-requests/{panel['id']}/materials", json={
        "filename": "方案.pdf", "content_base64": base64.b64encode(PDF).decode()}).json()
    reads = [f"/unit/requests/{panel['id']}/selection-record.pdf",
             f"/unit/items/{item}/filing-package.pdf", f"/unit/materials/{material['id']}"]
    writes = [f"/unit/requests/{panel['id']}/minutes", f"/unit/requests/{panel['id']}/report",
              f"/unit/requests/{panel['id']}/adoption", f"/unit/items/{item}/transitions", f"/unit/items/{item}/filing"]
    client.headers.pop("Authorization")
    for path in reads:
        anonymous = client.get(path, follow_redirects=False)
        assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login?next="), path
    for username in ("unit2", "office", "auditor1", f"m{panel['id']}x0"):
        page_login(client, username)
        for path in reads:
            assert client.get(path).status_code == 403, (username, path)
        token = csrf(client, "/login")
        for path in writes:
            assert client.post(path, data={"_csrf_token": token}).status_code == 403, (username, path)
    page_login(client, "unit1")
    assert client.post(writes[1], data={}).status_code == 403  # no CSRF token: refused before anything is done
    # the expert's steps: other roles get 403
    expert_pages = [f"/expert/requests/{panel['id']}/group-draft", f"/expert/requests/{panel['id']}/cosign"]
    for username in ("unit1", "office", "auditor1"):
        page_login(client, username)
        assert client.get(f"/expert/materials/{material['id']}").status_code == 403, username
        token = csrf(client, "/login")
        for path in expert_pages:
            assert client.post(path, data={"_csrf_token": token}).status_code == 403, (username, path)
    page_login(client, f"m{panel['id']}x4")  # invited, not accepted: the service refuses the material
    refused = client.get(f"/expert/materials/{material['id']}")
    assert refused.status_code == 403 and "R-PANEL-6" in refused.text
    page_login(client, f"m{panel['id']}x0")  # accepted with the letter signed: reads it
    assert client.get(f"/expert/materials/{material['id']}").content == PDF


# --- the auditor: the verification kept while the record is unchanged -------------------------------------------
def test_the_auditor_sees_the_kept_verification_until_the_record_changes_or_a_recheck_R_PANEL_2(client, scene,
                                                                                              monkeypatch):
    import asyncio

    from assignment.services import views
    from assignment.tables import Panel

    runs = []
    verify = views.verify

    async def counted(panel_id: int):
        runs.append(panel_id)
        return await verify(panel_id)

    monkeypatch.setattr(views, "verify", counted)
    view = post_request(client, scene["item"], balance={}).json()
    panel_id = client.get(f"{API}/panel-requests/{view['id']}/panels").json()[0]["id"]
    page_login(client, "auditor1")
    first = client.get(f"/auditor/panels/{panel_id}").text
    assert "核验通过" in first and "刚刚重新抽取核验" in first and 'id="recheck"' in first
    second = client.get(f"/auditor/panels/{panel_id}").text
    assert "核验通过" in second and "沿用该次结果" in second and runs == [panel_id]
    assert "刚刚重新抽取核验" in client.get(f"/auditor/panels/{panel_id}?recheck=true").text
    assert runs == [panel_id, panel_id]
    record = client.get(f"/auditor/record?subject=panel:{panel_id}").text
    assert record.count("GET /auditor/panels/{panel_id}") == 3  # every view is on the record, kept or not

    # the record altered behind the service's back: another digest, verified again, and the alteration shows
    row = asyncio.run(Panel.select(Panel.seed).where(Panel.id == panel_id).first().run())
    asyncio.run(Panel.update({Panel.seed: str(int(row["seed"]) + 1)}).where(Panel.id == panel_id).run())
    tampered = client.get(f"/auditor/panels/{panel_id}").text
    assert "核验未通过" in tampered and len(runs) == 3
