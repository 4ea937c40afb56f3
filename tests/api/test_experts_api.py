"""Experts, personal data and specialties through the HTTP API (R-POOL-1, R-REC-4)."""

from tests.builders import citizen_id, create_institution, expert_payload


def test_expert_is_stored_with_masked_personal_data_R_REC_4(client):
    payload = expert_payload(id_number=citizen_id(), phone="13812345678")
    created = client.post("/api/v1/experts", json=payload)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["id_number"] == payload["id_number"][:4] + "*" * 10 + payload["id_number"][-4:]
    assert body["phone"] == "138****5678"
    listed = client.get("/api/v1/experts").json()["items"][0]
    assert payload["id_number"] not in str(listed) and "13812345678" not in str(listed)

def test_personal_data_is_encrypted_at_rest_R_REC_4(client):

    from registry.tables import Expert

    payload = expert_payload(phone="13900001111")
    client.post("/api/v1/experts", json=payload)
    row = Expert.select().first().run_sync()
    assert payload["id_number"] not in str(row) and "13900001111" not in str(row)

def test_reveal_requires_a_reason_and_is_logged_R_REC_4(client):

    from registry.tables import PersonalDataAccess

    payload = expert_payload(phone="13700002222")
    expert_id = client.post("/api/v1/experts", json=payload).json()["id"]
    assert client.post(f"/api/v1/experts/{expert_id}/personal-data", json={}).status_code == 400
    revealed = client.post(f"/api/v1/experts/{expert_id}/personal-data", json={"reason": "核对劳务费发放信息"})
    assert revealed.json() == {"expert_id": expert_id, "id_number": payload["id_number"], "phone": "13700002222"}
    log = PersonalDataAccess.select(PersonalDataAccess.reason).run_sync()
    assert log == [{"reason": "核对劳务费发放信息"}]

def test_every_bad_field_is_named_and_nothing_is_stored(client):
    response = client.post("/api/v1/experts", json=expert_payload(
        id_number="330106197506010011", phone="12345", specialties=["LAW.ADMIN", "ASTROLOGY"],
        employments=[{"employer_name": "浙江大学", "start": "2020-01-01", "end": "2019-01-01"}]))
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"id_number", "phone", "specialties[1]", "employments[0].end"}
    assert client.get("/api/v1/experts").json()["total"] == 0

def test_gender_must_match_the_id_number(client):
    response = client.post("/api/v1/experts", json=expert_payload(gender="female", id_number=citizen_id(male=True)))
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "gender"

def test_duplicate_id_number_is_a_conflict(client):
    payload = expert_payload()
    assert client.post("/api/v1/experts", json=payload).status_code == 201
    again = client.post("/api/v1/experts", json=expert_payload(id_number=payload["id_number"]))
    assert again.status_code == 409 and again.json()["errors"][0]["field"] == "id_number"
    assert client.get("/api/v1/experts").json()["total"] == 1

def test_wrong_types_are_400_with_the_field(client):
    response = client.post("/api/v1/experts", json=expert_payload(employments=[{"employer_name": "x", "start": 5}]))
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "employments[0].start"

def test_employment_history_links_institutions(client):
    inst = create_institution(client, name="浙江大学")
    expert_id = client.post("/api/v1/experts", json=expert_payload()).json()["id"]
    added = client.post(f"/api/v1/experts/{expert_id}/employments",
                        json={"employer_name": "浙大", "institution_id": inst["id"], "start": "2010-09-01"})
    assert added.status_code == 201
    missing = client.post(f"/api/v1/experts/{expert_id}/employments",
                          json={"employer_name": "某所", "institution_id": 999, "start": "2010-09-01"})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "employment[0].institution_id"
    detail = client.get(f"/api/v1/experts/{expert_id}").json()
    assert [(e["employer_name"], e["institution_id"]) for e in detail["employments"]] == [("浙大", inst["id"])]

def test_specialty_tree_and_sub_pool_filter_R_POOL_1(client):
    tree = client.get("/api/v1/specialties").json()
    assert {"code": "LAW", "name": "法律", "parent_code": None, "experts_in_pool": 0} in tree
    added = client.post("/api/v1/specialties",
                        json={"code": "LAW.ADMIN.PERMIT", "name": "行政许可", "parent_code": "LAW.ADMIN"})
    assert added.status_code == 201
    orphan = client.post("/api/v1/specialties", json={"code": "X1", "name": "x", "parent_code": "NOPE"})
    assert orphan.status_code == 422
    client.post("/api/v1/experts", json=expert_payload(specialties=["LAW.ADMIN.PERMIT"]))
    client.post("/api/v1/experts", json=expert_payload(specialties=["ECON.FISCAL"]))
    assert client.get("/api/v1/experts", params={"specialty": "LAW"}).json()["total"] == 1
    assert client.get("/api/v1/experts", params={"specialty": "ECON"}).json()["total"] == 1
    unknown = client.get("/api/v1/experts", params={"specialty": "NOPE"})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["rule_id"] == "R-POOL-1"

def test_update_keeps_what_was_not_sent(client):
    expert = client.post("/api/v1/experts", json=expert_payload(title="教授")).json()
    updated = client.patch(f"/api/v1/experts/{expert['id']}", json={"phone": "13611112222", "specialties": ["ECON"]})
    assert updated.status_code == 200
    assert updated.json()["title"] == "教授" and updated.json()["phone"] == "136****2222"
    assert updated.json()["specialties"] == ["ECON"]
    refused = client.patch(f"/api/v1/experts/{expert['id']}", json={"phone": "1", "title": "研究员"})
    assert refused.status_code == 422
    assert client.get(f"/api/v1/experts/{expert['id']}").json()["title"] == "教授"
