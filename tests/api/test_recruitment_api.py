"""Recruitment, terms, letters and eligibility through the HTTP API (R-POOL-2..4, R-DUTY-1)."""

from tests.builders import (
    ALL_CONDITIONS_MET,
    LETTER_COMMITMENTS,
    appoint_expert,
    create_call,
    create_institution,
    expert_payload,
)


def test_full_recruitment_flow_recommended_by_a_unit_R_POOL_2(client):
    unit = create_institution(client, name="某市司法局", kind="government_body")
    call = create_call(client)
    app = client.post(f"/api/v1/recruitment-calls/{call['id']}/applications",
                      json={"expert": expert_payload(), "recommended_by_id": unit["id"], "recommendation_note": "推荐"})
    assert app.status_code == 201
    assert app.json()["state"] == "submitted"
    assert app.json()["allowed_next_steps"] == ["qualification-review", "withdrawal"]
    app_id = app.json()["id"]
    reviewed = client.post(f"/api/v1/applications/{app_id}/qualification-review", json={"findings": ALL_CONDITIONS_MET})
    assert reviewed.json()["state"] == "qualified"
    decided = client.post(f"/api/v1/applications/{app_id}/collective-decision",
                          json={"approved": True, "meeting_on": "2026-11-20", "note": "处务会讨论通过"})
    assert decided.json()["state"] == "approved"
    appointed = client.post(f"/api/v1/applications/{app_id}/appointment",
                            json={"start": "2026-12-01", "end": "2029-11-30", "certificate_no": "内人社聘字001号"})
    assert appointed.status_code == 201
    assert appointed.json()["state"] == "appointed" and appointed.json()["allowed_next_steps"] == []
    expert = client.get(f"/api/v1/experts/{app.json()['expert_id']}").json()
    assert [(t["start"], t["end"], t["certificate_no"]) for t in expert["terms"]] == [
        ("2026-12-01", "2029-11-30", "内人社聘字001号")]


def test_step_out_of_order_is_409_naming_allowed_steps_R_POOL_2(client):
    call = create_call(client)
    app_id = client.post(f"/api/v1/recruitment-calls/{call['id']}/applications",
                         json={"expert": expert_payload()}).json()["id"]
    response = client.post(f"/api/v1/applications/{app_id}/appointment",
                           json={"start": "2026-12-01", "end": "2027-11-30", "certificate_no": "x"})
    assert response.status_code == 409
    body = response.json()
    assert body["allowed_next_steps"] == ["qualification-review", "withdrawal"]
    assert body["errors"][0]["rule_id"] == "R-POOL-2"
    assert client.get(f"/api/v1/applications/{app_id}").json()["state"] == "submitted"


def test_applications_only_while_the_call_is_open_R_POOL_2(client):
    call = create_call(client, opens_on="2026-01-01", closes_on="2026-03-31")
    response = client.post(f"/api/v1/recruitment-calls/{call['id']}/applications", json={"expert": expert_payload()})
    assert response.status_code == 409 and response.json()["errors"][0]["field"] == "applied_on"
    assert client.get("/api/v1/experts").json()["total"] == 0


def test_a_candidate_failing_a_condition_is_not_qualified_R_POOL_3(client):
    call = create_call(client)
    app_id = client.post(f"/api/v1/recruitment-calls/{call['id']}/applications",
                         json={"expert": expert_payload()}).json()["id"]
    incomplete = client.post(f"/api/v1/applications/{app_id}/qualification-review",
                             json={"findings": ALL_CONDITIONS_MET[:4]})
    assert incomplete.status_code == 422
    assert incomplete.json()["errors"][0] == {"field": "findings.time_and_willingness",
                                              "reason": "未审查：有足够的时间和精力，自愿参加论证工作",
                                              "rule_id": "R-POOL-3"}
    findings = ALL_CONDITIONS_MET[:4] + [{"condition": "time_and_willingness", "met": False, "note": "无法保证时间"}]
    failed = client.post(f"/api/v1/applications/{app_id}/qualification-review", json={"findings": findings})
    assert failed.json()["state"] == "not_qualified"
    assert failed.json()["reasons"] == ["有足够的时间和精力，自愿参加论证工作：无法保证时间"]
    assert client.post(f"/api/v1/applications/{app_id}/collective-decision",
                       json={"approved": True, "meeting_on": "2026-11-20"}).status_code == 409


def test_term_over_three_years_is_422_citing_R_POOL_4(client):
    call = create_call(client)
    app_id = client.post(f"/api/v1/recruitment-calls/{call['id']}/applications",
                         json={"expert": expert_payload()}).json()["id"]
    client.post(f"/api/v1/applications/{app_id}/qualification-review", json={"findings": ALL_CONDITIONS_MET})
    client.post(f"/api/v1/applications/{app_id}/collective-decision",
                json={"approved": True, "meeting_on": "2026-11-20"})
    too_long = client.post(f"/api/v1/applications/{app_id}/appointment",
                           json={"start": "2026-12-01", "end": "2029-12-01", "certificate_no": "x"})
    assert too_long.status_code == 422
    assert too_long.json()["errors"][0]["rule_id"] == "R-POOL-4"
    assert "2029-11-30" in too_long.json()["errors"][0]["reason"]
    assert client.get(f"/api/v1/applications/{app_id}").json()["state"] == "approved"
    backwards = client.post(f"/api/v1/applications/{app_id}/appointment",
                            json={"start": "2026-12-01", "end": "2026-11-01", "certificate_no": "x"})
    assert backwards.status_code == 422 and backwards.json()["errors"][0]["field"] == "end"


def test_eligibility_needs_term_and_letter_R_POOL_4_R_DUTY_1(client):
    ids = appoint_expert(client, sign=False)
    expert_id = ids["expert_id"]
    before = client.get(f"/api/v1/experts/{expert_id}/eligibility").json()
    assert before["eligible"] is False
    assert [r["rule_id"] for r in before["reasons"]] == ["R-DUTY-1"]
    bad_letter = client.post(f"/api/v1/experts/{expert_id}/commitment-letters",
                             json={"term_id": ids["term_id"], "text_version": "NMG-E-2020",
                                   "commitments": {**LETTER_COMMITMENTS, "confidential": False},
                                   "signed_on": "2026-11-24"})
    assert bad_letter.status_code == 422 and bad_letter.json()["errors"][0]["field"] == "commitments.confidential"
    signed = client.post(f"/api/v1/experts/{expert_id}/commitment-letters",
                         json={"term_id": ids["term_id"], "text_version": "NMG-E-2020",
                               "commitments": LETTER_COMMITMENTS, "signed_on": "2026-11-24"})
    assert signed.status_code == 201
    assert client.get(f"/api/v1/experts/{expert_id}/eligibility").json()["eligible"] is True
    after_term = client.get(f"/api/v1/experts/{expert_id}/eligibility", params={"on": "2029-01-01"}).json()
    assert after_term["eligible"] is False and after_term["reasons"][0]["rule_id"] == "R-POOL-4"


def test_renewal_creates_a_linked_term_needing_a_new_letter_R_POOL_4(client):
    ids = appoint_expert(client, start="2024-01-01", end="2026-12-31")
    renewal = client.post(f"/api/v1/experts/{ids['expert_id']}/terms/{ids['term_id']}/renewal",
                          json={"certificate_no": "续聘002号"})
    assert renewal.status_code == 201
    assert (renewal.json()["start"], renewal.json()["end"], renewal.json()["previous_term_id"]) == (
        "2027-01-01", "2029-12-31", ids["term_id"])
    twice = client.post(f"/api/v1/experts/{ids['expert_id']}/terms/{ids['term_id']}/renewal",
                        json={"certificate_no": "续聘003号"})
    assert twice.status_code == 409
    in_new_term = client.get(f"/api/v1/experts/{ids['expert_id']}/eligibility", params={"on": "2027-03-01"}).json()
    assert [r["rule_id"] for r in in_new_term["reasons"]] == ["R-DUTY-1"]
    too_long = client.post(f"/api/v1/experts/{ids['expert_id']}/terms/{renewal.json()['id']}/renewal",
                           json={"certificate_no": "x", "end": "2033-01-01"})
    assert too_long.status_code == 422 and too_long.json()["errors"][0]["rule_id"] == "R-POOL-4"


def test_eligible_filter_on_the_list(client):
    appoint_expert(client)
    appoint_expert(client, sign=False)
    assert client.get("/api/v1/experts", params={"eligible": "true"}).json()["total"] == 1
    assert client.get("/api/v1/experts", params={"eligible": "false"}).json()["total"] == 1
    tree = {n["code"]: n["experts_in_pool"] for n in client.get("/api/v1/specialties").json()}
    assert tree["LAW"] == 1 and tree["LAW.ADMIN"] == 1 and tree["ECON"] == 0
