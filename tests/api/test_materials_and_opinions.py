"""Material hand-over through the API (issue 14): the drafting unit uploads files for its own request
(R-PANEL-4: type by extension and first bytes, size), stored by SHA-256 with the login and the server's time;
only the unit, the office and members who accepted and signed their commitment letter read them (R-PANEL-6,
R-DUTY-1, R-DUTY-2); every download is on the record (R-REC-1). A written opinion may carry its text, signed by
the invited expert's own login (R-DUTY-2)."""

from __future__ import annotations

import asyncio
import base64
import hashlib

import pytest

from accounts.tables import AuditEvent
from core.settings import get_settings
from registry.tables import CommitmentLetter
from tests.api.test_conflicts_api import make_item
from tests.builders import create_institution
from tests.support.app import add_account
from tests.support.app import headers_for as token
from tests.support.panels import post_request

API = "/api/v1"
PDF = b"%PDF-1.7\n" + "论证材料：城市轨道交通票价调整方案".encode() + b"\n%%EOF\n"


def b64(content: bytes) -> str:
    return base64.b64encode(content).decode()


@pytest.fixture
def setting(client, pool):
    """A unit's request with five invited members: one accepted, one accepted whose letter is gone, the rest
    pending; an expert of the pool not invited; another unit."""
    unit = create_institution(client, name="市交通运输局", kind="government_body")
    other = create_institution(client, name="市生态环境局", kind="government_body")
    add_account("unit1", "unit", unit_id=unit["id"])
    add_account("unit2", "unit", unit_id=other["id"])
    add_account("auditor1", "auditor")
    item = make_item(client, drafting_unit_id=unit["id"])
    view = post_request(client, item).json()
    invited = [i["subject"]["id"] for i in view["invitations"]]
    outsider = next(e["expert_id"] for e in pool["experts"] if e["expert_id"] not in invited)
    for n, expert_id in enumerate([*invited, outsider]):
        add_account(f"expert{n}", "expert", expert_id=expert_id)
    tokens = {name: token(client, name) for name in ("unit1", "unit2", "auditor1")}
    experts = [token(client, f"expert{n}") for n in range(len(invited) + 1)]
    for n in (0, 1):
        answer = client.post(f"{API}/invitations/{view['invitations'][n]['id']}/answer", json={"accept": True},
                             headers=experts[n])
        assert answer.status_code == 201, answer.text
    asyncio.run(CommitmentLetter.delete().where(CommitmentLetter.expert == invited[1]).run())
    return {"request": view["id"], "invitations": [i["id"] for i in view["invitations"]],
            "accepted": experts[0], "unsigned": experts[1], "pending": experts[2],
            "outsider": experts[-1], **tokens}


def upload(client, setting, filename="方案.pdf", content=PDF, who="unit1"):
    return client.post(f"{API}/panel-requests/{setting['request']}/materials",
                       json={"filename": filename, "content_base64": b64(content)}, headers=setting[who])


def test_unit_hands_over_a_file_stored_by_sha256_with_login_and_time_R_PANEL_4(client, setting):
    response = upload(client, setting)
    assert response.status_code == 201, response.text
    body = response.json()
    digest = hashlib.sha256(PDF).hexdigest()
    assert body["sha256"] == digest and body["size"] == len(PDF) and body["media_type"] == "application/pdf"
    assert body["uploaded_by"] == "unit1" and body["filename"] == "方案.pdf" and body["uploaded_at"]
    assert (get_settings().data_dir / "materials" / digest).read_bytes() == PDF
    page = client.get(f"{API}/panel-requests/{setting['request']}/materials", headers=setting["unit1"]).json()
    assert page["total"] == 1 and page["items"][0]["id"] == body["id"] and page["limit"] == 20
    big = b"\x89PNG\r\n\x1a\n" + b"\x00" * 2_000_000  # over the service's usual 1 MB body limit
    assert upload(client, setting, "图.png", big).status_code == 201


@pytest.mark.parametrize(("filename", "content", "field"), [
    ("病毒.exe", b"MZ\x90\x00", "filename"),
    ("伪装.pdf", b"MZ\x90\x00", "content"),
    ("乱码.txt", b"\xff\xfe\x00", "content"),
])
def test_wrong_type_is_refused_and_nothing_stored_R_PANEL_4(client, setting, filename, content, field):
    refused = upload(client, setting, filename, content)
    assert refused.status_code == 422, refused.text
    error = refused.json()["errors"][0]
    assert error["field"] == field and error["rule_id"] == "R-PANEL-4"
    assert client.get(f"{API}/panel-requests/{setting['request']}/materials").json()["total"] == 0


def test_bad_base64_unknown_fields_and_foreign_units_are_refused(client, setting):
    bad = client.post(f"{API}/panel-requests/{setting['request']}/materials", headers=setting["unit1"],
                      json={"filename": "a.pdf", "content_base64": "不是base64"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "content_base64"
    unknown = client.post(f"{API}/panel-requests/{setting['request']}/materials", headers=setting["unit1"],
                          json={"filename": "a.pdf", "content_base64": b64(PDF), "uploaded_by": "别人"})
    assert unknown.status_code == 400
    assert upload(client, setting, who="unit2").status_code == 403
    assert upload(client, setting, who="accepted").status_code == 403  # experts never upload
    assert client.post(f"{API}/panel-requests/999999/materials",
                       json={"filename": "a.pdf", "content_base64": b64(PDF)}).status_code == 404


def test_only_unit_office_and_signed_accepted_members_download_and_each_download_is_recorded_R_DUTY_2(
        client, setting):
    material = upload(client, setting).json()
    url = f"{API}/materials/{material['id']}/content"
    for who in ("unit1", "accepted"):
        got = client.get(url, headers=setting[who])
        assert got.status_code == 200, got.text
        assert got.content == PDF and got.headers["content-type"].startswith("application/pdf")
    assert client.get(url).status_code == 200  # the office
    refused = {who: client.get(url, headers=setting[who]) for who in
               ("unsigned", "pending", "outsider", "unit2", "auditor1")}
    assert {who: r.status_code for who, r in refused.items()} == dict.fromkeys(refused, 403)
    assert "承诺书" in refused["unsigned"].json()["errors"][0]["reason"]
    assert "已接受邀请" in refused["pending"].json()["errors"][0]["reason"]
    listing = f"{API}/panel-requests/{setting['request']}/materials"
    assert client.get(listing, headers=setting["accepted"]).json()["total"] == 1
    assert client.get(listing, headers=setting["outsider"]).status_code == 403
    assert client.get(listing, headers=setting["unit2"]).status_code == 403
    assert client.get(listing, headers=setting["auditor1"]).json()["total"] == 1  # names, never the content
    assert client.get(f"{API}/materials/999999/content").status_code == 404
    events = asyncio.run(AuditEvent.select(AuditEvent.data).order_by(AuditEvent.seq).output(load_json=True).run())
    downloads = [e for row in events for e in row["data"].get("events", []) if e["event"] == "MaterialDownloaded"]
    assert [d["by"] for d in downloads] == ["unit1", "expert0", "office"]
    assert all(d["material_id"] == material["id"] and d["sha256"] == material["sha256"] for d in downloads)


def test_opinion_text_is_signed_by_the_invited_expert_and_read_by_unit_office_and_expert_R_DUTY_2(client, setting):
    mine, theirs = setting["invitations"][0], setting["invitations"][1]
    url = f"{API}/invitations/{mine}/opinion"
    unsigned = client.post(url, json={"text": "同意方案，建议补充票价听证。"}, headers=setting["accepted"])
    assert unsigned.status_code == 422 and unsigned.json()["errors"][0]["field"] == "signed"
    assert unsigned.json()["errors"][0]["rule_id"] == "R-DUTY-2"
    assert client.post(url, json={"text": "代签", "signed": True}).status_code == 403  # the office never signs
    assert client.post(f"{API}/invitations/{theirs}/opinion", json={"text": "代签", "signed": True},
                       headers=setting["accepted"]).status_code == 403  # another member's invitation
    assert client.get(url).status_code == 404  # nothing handed in yet
    signed = client.post(url, json={"text": "同意方案，\n建议补充票价听证。", "signed": True},
                         headers=setting["accepted"])
    assert signed.status_code == 201, signed.text
    assert signed.json()["opinion_submitted_on"] == "2026-11-24"
    for who in ("unit1", "accepted"):
        shown = client.get(url, headers=setting[who])
        assert shown.status_code == 200, shown.text
        assert shown.json()["text"] == "同意方案，\n建议补充票价听证。" and shown.json()["signed_by"] == "expert0"
    assert client.get(url).status_code == 200
    assert client.get(url, headers=setting["unit2"]).status_code == 403
    assert client.get(url, headers=setting["outsider"]).status_code == 403
    again = client.post(url, json={"text": "改", "signed": True}, headers=setting["accepted"])
    assert again.status_code == 409  # handed in once


def test_opinion_without_text_keeps_the_plain_hand_in(client, setting):
    theirs = setting["invitations"][1]
    plain = client.post(f"{API}/invitations/{theirs}/opinion", json={})
    assert plain.status_code == 201 and plain.json()["opinion_submitted_on"] == "2026-11-24"
    assert client.get(f"{API}/invitations/{theirs}/opinion").status_code == 404  # no text was given
