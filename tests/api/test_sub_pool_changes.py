"""Issue 11: experts cannot move themselves between sub-pools. An expert's own change of specialties or
sector is a pending request (202) the office approves or refuses; submission times are the service's."""

from __future__ import annotations

from registry.tables import Expert, ExpertChangeRequest, ExpertSpecialty
from tests.builders import appoint_expert
from tests.support.app import PASSWORD, TODAY, add_account

API = "/api/v1"


def as_expert(client, expert_id: int) -> dict:
    username = f"expert-{expert_id}"
    add_account(username, "expert", expert_id=expert_id)
    response = client.post(f"{API}/auth/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def sub_pool_ids(client, code: str) -> set[int]:
    page = client.get(f"{API}/experts", params={"specialty": code, "eligible": True, "limit": 500}).json()
    return {e["id"] for e in page["items"]}


def counts(client) -> dict[str, int]:
    return {n["code"]: n["experts_in_pool"] for n in client.get(f"{API}/specialties").json()}


def test_expert_cannot_move_themselves_between_sub_pools_R_POOL_1_issue_11(client):
    expert_id = appoint_expert(client, specialties=["LAW.ADMIN"], sector="academia")["expert_id"]
    me = as_expert(client, expert_id)
    before = counts(client)
    assert expert_id in sub_pool_ids(client, "LAW") and expert_id not in sub_pool_ids(client, "ECON")

    answer = client.patch(f"{API}/experts/{expert_id}", headers=me, json={
        "specialties": ["ECON.FISCAL"], "sector": "enterprise", "email": "new@example.cn", "reason": "已转向财税研究"})
    assert answer.status_code == 202, answer.text
    shown = answer.json()
    assert shown["specialties"] == ["LAW.ADMIN"] and shown["sector"] == "academia"  # not applied
    assert shown["email"] == "new@example.cn"  # contact data is the expert's own
    pending = shown["pending_change_request"]
    assert pending["status"] == "pending" and pending["fields"] == {"specialties": ["ECON.FISCAL"],
                                                                      "sector": "enterprise"}
    assert pending["previous"] == {"specialties": ["LAW.ADMIN"], "sector": "academia"}
    assert pending["requested_by"] == f"expert-{expert_id}"
    # the candidate lists and sub-pool counts are unchanged until the office decides
    assert expert_id in sub_pool_ids(client, "LAW") and expert_id not in sub_pool_ids(client, "ECON")
    assert counts(client) == before
    assert [r["specialty_code"] for r in ExpertSpecialty.select().where(
        ExpertSpecialty.expert == expert_id).run_sync()] == ["LAW.ADMIN"]

    # the expert can neither see the office's work list nor decide their own request
    assert client.get(f"{API}/expert-change-requests", headers=me).status_code == 403
    own = client.post(f"{API}/expert-change-requests/{pending['id']}/decision", headers=me,
                      json={"approve": True, "reason": "我同意"})
    assert own.status_code == 403
    assert ExpertChangeRequest.select(ExpertChangeRequest.status).first().run_sync()["status"] == "pending"

    listed = client.get(f"{API}/expert-change-requests", params={"status": "pending"}).json()["items"]
    assert [r["id"] for r in listed] == [pending["id"]]
    approved = client.post(f"{API}/expert-change-requests/{pending['id']}/decision",
                           json={"approve": True, "reason": "研究方向已变，同意调整"})
    assert approved.status_code == 201, approved.text
    decided = approved.json()
    assert decided["status"] == "approved" and decided["decided_by"] == "office"
    assert decided["decided_at"].startswith(TODAY.isoformat()[:19])  # the service's clock
    after = client.get(f"{API}/experts/{expert_id}").json()
    assert after["specialties"] == ["ECON.FISCAL"] and after["sector"] == "enterprise"
    assert after["pending_change_request"] is None
    assert expert_id in sub_pool_ids(client, "ECON") and expert_id not in sub_pool_ids(client, "LAW")
    again = client.post(f"{API}/expert-change-requests/{pending['id']}/decision", json={"approve": False,
                                                                                     "reason": "撤回"})
    assert again.status_code == 409
    assert client.get(f"{API}/experts/{expert_id}").json()["sector"] == "enterprise"


def test_submission_times_are_the_services_not_the_clients_issue_11(client):
    expert_id = appoint_expert(client, specialties=["LAW.ADMIN"])["expert_id"]
    me = as_expert(client, expert_id)
    forged = client.patch(f"{API}/experts/{expert_id}", headers=me, json={
        "specialties": ["ECON.FISCAL"], "created_at": "2020-01-01T00:00:00Z"})
    assert forged.status_code == 400 and forged.json()["errors"][0]["field"] == "created_at"
    assert ExpertChangeRequest.count().run_sync() == 0
    made = client.patch(f"{API}/experts/{expert_id}", headers=me, json={"specialties": ["ECON.FISCAL"]})
    assert made.status_code == 202
    request = made.json()["pending_change_request"]
    assert request["created_at"].startswith(TODAY.isoformat()[:19])
    for field in ("decided_at", "created_at"):
        body = {"approve": True, "reason": "同意", field: "2020-01-01T00:00:00Z"}
        refused = client.post(f"{API}/expert-change-requests/{request['id']}/decision", json=body)
        assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == field
    assert ExpertChangeRequest.select(ExpertChangeRequest.status).first().run_sync()["status"] == "pending"


def test_one_pending_request_and_refusal_needs_a_reason_issue_11(client):
    expert_id = appoint_expert(client, specialties=["LAW.ADMIN"], sector="academia")["expert_id"]
    me = as_expert(client, expert_id)
    first = client.patch(f"{API}/experts/{expert_id}", headers=me, json={"sector": "law"})
    assert first.status_code == 202
    second = client.patch(f"{API}/experts/{expert_id}", headers=me,
                          json={"specialties": ["ECON.FISCAL"], "title": "研究员"})
    assert second.status_code == 409 and second.json()["errors"][0]["rule_id"] == "R-POOL-1"
    assert Expert.select(Expert.title).first().run_sync()["title"] == "教授"  # a refused request changes nothing
    # the same sub-pools in another order, or contact data alone, are applied at once (200)
    same = client.patch(f"{API}/experts/{expert_id}", headers=me,
                        json={"specialties": ["LAW.ADMIN"], "title": "研究员"})
    assert same.status_code == 200 and same.json()["title"] == "研究员"
    request_id = first.json()["pending_change_request"]["id"]
    no_reason = client.post(f"{API}/expert-change-requests/{request_id}/decision", json={"approve": False})
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
    refused = client.post(f"{API}/expert-change-requests/{request_id}/decision",
                          json={"approve": False, "reason": "未提供执业证明"})
    assert refused.status_code == 201 and refused.json()["status"] == "refused"
    assert client.get(f"{API}/experts/{expert_id}").json()["sector"] == "academia"
    assert client.get(f"{API}/expert-change-requests", params={"status": "pending"}).json()["items"] == []


def test_the_office_changes_sub_pools_directly(client):
    expert_id = appoint_expert(client, specialties=["LAW.ADMIN"], sector="academia")["expert_id"]
    answer = client.patch(f"{API}/experts/{expert_id}", json={"specialties": ["ECON.FISCAL"], "sector": "law"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["specialties"] == ["ECON.FISCAL"] and answer.json()["sector"] == "law"
    assert answer.json()["pending_change_request"] is None
    assert ExpertChangeRequest.count().run_sync() == 0
