"""Institutions and the third-party evaluator pool through the HTTP API (R-POOL-8)."""

from tests.builders import create_institution, uscc

FULL_STAFF = ["law", "policy", "administration", "evaluation_methods"]


def test_duplicate_credit_code_is_refused_and_nothing_changes(client):
    first = create_institution(client, name="浙江大学", aliases=["浙大"])
    again = client.post("/api/v1/institutions", json={"name": "浙江大学2", "kind": "university", "uscc": first["uscc"]})
    assert again.status_code == 409
    assert again.json()["errors"][0]["field"] == "uscc"
    listing = client.get("/api/v1/institutions").json()["items"]
    assert [i["name"] for i in listing] == ["浙江大学"]


def test_bad_credit_code_names_the_field(client):
    code = uscc()
    broken = code[:-1] + ("1" if code[-1] == "0" else "0")
    response = client.post("/api/v1/institutions",
                           json={"name": "某咨询有限公司", "kind": "consultancy", "uscc": broken})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "uscc", "reason": "校验码不符（GB 32100）", "rule_id": None}]
    assert client.get("/api/v1/institutions").json()["items"] == []


def test_unknown_field_and_malformed_json_are_refused(client):
    unknown = client.post("/api/v1/institutions", json={"name": "X", "kind": "university", "motto": "求是"})
    assert unknown.status_code == 400
    assert unknown.json()["errors"][0]["field"] == "motto"
    malformed = client.post("/api/v1/institutions", content=b'{"name": "X",',
                            headers={"content-type": "application/json"})
    assert malformed.status_code == 400
    assert "JSON" in malformed.json()["detail"] and "不是合法" in malformed.json()["detail"]


def test_school_inside_a_university_and_no_cycles(client):
    university = create_institution(client, name="浙江大学")
    school = create_institution(client, name="浙江大学光华法学院", uscc=None, parent_id=university["id"])
    assert school["parent_id"] == university["id"]
    cycle = client.patch(f"/api/v1/institutions/{university['id']}", json={"parent_id": school["id"]})
    assert cycle.status_code == 422 and cycle.json()["errors"][0]["field"] == "parent_id"
    assert client.get(f"/api/v1/institutions/{university['id']}").json()["parent_id"] is None


def test_pool_admission_and_refusal_with_reasons_R_POOL_8(client):
    good = create_institution(client, name="某评估研究院", kind="research_institute")
    admitted = client.post(f"/api/v1/institutions/{good['id']}/evaluator-pool",
                           json={"has_facilities": True, "staff_competences": FULL_STAFF,
                                 "qualifications": ["社会稳定风险评估资质"]})
    assert admitted.status_code == 201 and admitted.json()["admitted"] is True
    assert client.get(f"/api/v1/institutions/{good['id']}/eligibility").json()["eligible"] is True

    warned = create_institution(client, name="某咨询有限公司", kind="consultancy", credit_status="warning")
    refused = client.post(f"/api/v1/institutions/{warned['id']}/evaluator-pool",
                          json={"has_facilities": True, "staff_competences": ["law"]})
    assert refused.json()["admitted"] is False
    assert {r["code"] for r in refused.json()["reasons"]} == {"credit", "staff"}
    assert [e["institution_id"] for e in client.get("/api/v1/evaluator-pool").json()["items"]] == [good["id"]]
    not_eligible = client.get(f"/api/v1/institutions/{warned['id']}/eligibility").json()
    assert not_eligible["eligible"] is False
    assert {r["code"] for r in not_eligible["reasons"]} == {"not_in_pool", "credit"}


def test_cheating_blacklists_for_good_R_POOL_8(client):
    inst = create_institution(client, name="某评估事务所", kind="consultancy")
    client.post(f"/api/v1/institutions/{inst['id']}/evaluator-pool",
                json={"has_facilities": True, "staff_competences": FULL_STAFF})
    record = client.post(f"/api/v1/institutions/{inst['id']}/discredit-records",
                         json={"kind": "evaluation_cheating", "facts": "评估报告数据造假", "recorded_on": "2026-11-01"})
    assert record.status_code == 201
    shown = client.get(f"/api/v1/institutions/{inst['id']}").json()
    assert shown["blacklisted"] is True and shown["credit_status"] == "discredited"
    reasons = client.get(f"/api/v1/institutions/{inst['id']}/eligibility").json()["reasons"]
    assert "blacklisted" in {r["code"] for r in reasons}
    restore = client.patch(f"/api/v1/institutions/{inst['id']}", json={"credit_status": "good"})
    assert restore.status_code == 409 and restore.json()["errors"][0]["rule_id"] == "R-POOL-8"
    again = client.post(f"/api/v1/institutions/{inst['id']}/evaluator-pool",
                        json={"has_facilities": True, "staff_competences": FULL_STAFF})
    assert again.status_code == 409  # still listed in the pool history: never re-admitted silently
