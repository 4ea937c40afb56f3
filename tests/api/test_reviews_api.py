"""Ratings, declines, annual reviews, dismissal and discredit (R-POOL-5..7)."""

from tests.builders import appoint_expert, create_call, create_institution


def rate(client, expert_id, unit_id, participation, reliability, effect=None, on="2026-06-01"):
    body = {"unit_id": unit_id, "assignment_ref": f"论证-{on}", "participation": participation,
            "reliability": reliability, "rated_on": on}
    if effect is not None:
        body["implementation_effect"] = effect
    response = client.post(f"/api/v1/experts/{expert_id}/ratings", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def test_ratings_are_bounded_and_effect_added_once_R_POOL_6(client):
    unit = create_institution(client, kind="government_body")
    expert_id = appoint_expert(client)["expert_id"]
    out_of_range = client.post(f"/api/v1/experts/{expert_id}/ratings",
                               json={"unit_id": unit["id"], "assignment_ref": "a", "participation": 6,
                                     "reliability": 3, "rated_on": "2026-06-01"})
    assert out_of_range.status_code == 400 and out_of_range.json()["errors"][0]["field"] == "participation"
    rating = rate(client, expert_id, unit["id"], 4, 5)
    added = client.patch(f"/api/v1/experts/{expert_id}/ratings/{rating['id']}", json={"implementation_effect": 4})
    assert added.json()["implementation_effect"] == 4
    again = client.patch(f"/api/v1/experts/{expert_id}/ratings/{rating['id']}", json={"implementation_effect": 1})
    assert again.status_code == 409
    assert client.get(f"/api/v1/experts/{expert_id}/ratings").json()["items"][0]["implementation_effect"] == 4


def test_annual_review_proposes_dismissal_for_repeated_declines_and_decision_dismisses_R_POOL_5(client):
    expert_id = appoint_expert(client)["expert_id"]
    for i in range(3):
        client.post(f"/api/v1/experts/{expert_id}/declines",
                    json={"assignment_ref": f"论证{i}", "declined_on": f"2026-0{i + 3}-01", "good_reason": False})
    client.post(f"/api/v1/experts/{expert_id}/declines",
                json={"assignment_ref": "论证x", "declined_on": "2026-07-01", "good_reason": True, "reason": "出差"})
    review = client.post(f"/api/v1/experts/{expert_id}/annual-reviews",
                         json={"year": 2026, "review_date": "2026-11-24"})
    assert review.status_code == 201
    body = review.json()
    assert (body["proposal"], body["proposed_dismissal_reason"]) == ("dismiss", "3")
    assert body["figures"]["declines_without_good_reason"] == 3 and body["figures"]["declines_with_good_reason"] == 1
    assert body["reasons"][0]["rule_id"] == "R-POOL-5"
    assert client.post(f"/api/v1/experts/{expert_id}/annual-reviews",
                       json={"year": 2026, "review_date": "2026-11-24"}).status_code == 409
    decided = client.post(f"/api/v1/experts/{expert_id}/annual-reviews/{body['id']}/decision",
                          json={"decision": "dismiss", "decided_on": "2026-11-24"})
    assert decided.json()["decision"] == "dismiss"
    eligibility = client.get(f"/api/v1/experts/{expert_id}/eligibility").json()
    assert eligibility["eligible"] is False
    assert {r["code"] for r in eligibility["reasons"]} == {"dismissed", "no_current_term"}
    # History is kept: the term is still there, ended early.
    terms = client.get(f"/api/v1/experts/{expert_id}").json()["terms"]
    assert terms[0]["ended_early_on"] == "2026-11-24"


def test_good_review_with_term_ending_renews_R_POOL_6(client):
    unit = create_institution(client, kind="government_body")
    ids = appoint_expert(client, start="2024-06-01", end="2027-05-31")
    rate(client, ids["expert_id"], unit["id"], 5, 4, effect=5)
    rate(client, ids["expert_id"], unit["id"], 4, 4, on="2026-09-01")
    review = client.post(f"/api/v1/experts/{ids['expert_id']}/annual-reviews",
                         json={"year": 2026, "review_date": "2026-11-24"}).json()
    assert review["proposal"] == "renew" and review["figures"]["ratings"] == 2
    assert review["figures"]["overall"] == 4.4
    missing_cert = client.post(f"/api/v1/experts/{ids['expert_id']}/annual-reviews/{review['id']}/decision",
                               json={"decision": "renew", "decided_on": "2026-11-30"})
    assert missing_cert.status_code == 422
    renewed = client.post(f"/api/v1/experts/{ids['expert_id']}/annual-reviews/{review['id']}/decision",
                          json={"decision": "renew", "decided_on": "2026-11-30", "certificate_no": "续聘009号"})
    assert renewed.status_code == 201, renewed.text
    terms = client.get(f"/api/v1/experts/{ids['expert_id']}").json()["terms"]
    assert [(t["start"], t["previous_term_id"]) for t in terms] == [("2024-06-01", None),
                                                                    ("2027-06-01", ids["term_id"])]


def test_dismissal_reason_codes_and_no_reappointment_R_POOL_5(client):
    ids = appoint_expert(client)
    bad_code = client.post(f"/api/v1/experts/{ids['expert_id']}/dismissal",
                           json={"reason_code": "7", "explanation": "x", "effective_on": "2026-11-24"})
    assert bad_code.status_code == 400 and bad_code.json()["errors"][0]["field"] == "reason_code"
    dismissed = client.post(f"/api/v1/experts/{ids['expert_id']}/dismissal",
                            json={"reason_code": "6", "explanation": "本人申请", "effective_on": "2026-11-24"})
    assert dismissed.json()["reason_label"] == "本人申请解聘" and dismissed.json()["rule_id"] == "R-POOL-5"
    renewal = client.post(f"/api/v1/experts/{ids['expert_id']}/terms/{ids['term_id']}/renewal",
                          json={"certificate_no": "x"})
    assert renewal.status_code == 409 and renewal.json()["errors"][0]["rule_id"] == "R-POOL-5"


def test_discredit_cancels_qualification_and_ends_appointment_R_POOL_7(client):
    ids = appoint_expert(client)
    record = client.post(f"/api/v1/experts/{ids['expert_id']}/discredit-records",
                         json={"kind": "fraud", "facts": "论证意见抄袭他人", "recorded_on": "2026-10-01"})
    assert record.status_code == 201 and record.json()["kind_label"] == "弄虚作假"
    eligibility = client.get(f"/api/v1/experts/{ids['expert_id']}/eligibility").json()
    assert [r["rule_id"] for r in eligibility["reasons"]] == ["R-POOL-7", "R-POOL-5", "R-POOL-4"]
    # Another call cannot bring the expert back.
    call = create_call(client)
    app = client.post(f"/api/v1/recruitment-calls/{call['id']}/applications", json={"expert_id": ids["expert_id"]})
    assert app.status_code == 409 and app.json()["errors"][0]["rule_id"] == "R-POOL-7"  # refused at once (issue 13)


def test_dismissal_for_a_breached_duty_names_the_duty_R_DUTY_2(client):
    ids = appoint_expert(client)
    wrong_ground = client.post(f"/api/v1/experts/{ids['expert_id']}/dismissal",
                               json={"reason_code": "6", "duty_breach": "commercial_use_of_title",
                                     "explanation": "x", "effective_on": "2026-11-24"})
    assert wrong_ground.status_code == 422 and wrong_ground.json()["errors"][0]["rule_id"] == "R-DUTY-2"
    dismissed = client.post(f"/api/v1/experts/{ids['expert_id']}/dismissal",
                            json={"reason_code": "1", "duty_breach": "commercial_use_of_title",
                                  "explanation": "在企业宣传材料中以论证专家名义推介产品",
                                  "effective_on": "2026-11-24"})
    body = dismissed.json()
    assert (body["rule_id"], body["duty_breach_label"]) == ("R-DUTY-2", "以论证专家名义从事商业活动")
    assert client.get(f"/api/v1/experts/{ids['expert_id']}/eligibility").json()["eligible"] is False


def test_dismissals_by_review_or_discredit_notify_the_expert_at_the_service_time_R_POOL_5_R_POOL_7(client):
    reviewed = appoint_expert(client)["expert_id"]
    for i in range(3):
        client.post(f"/api/v1/experts/{reviewed}/declines",
                    json={"assignment_ref": f"论证{i}", "declined_on": f"2026-0{i + 3}-01", "good_reason": False})
    review = client.post(f"/api/v1/experts/{reviewed}/annual-reviews",
                         json={"year": 2026, "review_date": "2026-11-24"}).json()
    decided = client.post(f"/api/v1/experts/{reviewed}/annual-reviews/{review['id']}/decision",
                          json={"decision": "dismiss", "decided_on": "2026-11-24"})
    assert decided.status_code == 201, decided.text
    discredited = appoint_expert(client)["expert_id"]
    record = client.post(f"/api/v1/experts/{discredited}/discredit-records",
                         json={"kind": "fraud", "facts": "论证意见抄袭他人", "recorded_on": "2026-10-01"})
    assert record.status_code == 201, record.text
    notices = [r for r in client.get("/api/v1/outbox").json()["items"] if r["template"] == "dismissal"]
    inbox_recipients = {r["recipient"] for r in notices if r["channel"] == "inbox"}
    assert inbox_recipients == {f"expert:{reviewed}", f"expert:{discredited}"}
    assert {r["created_at"][:16] for r in notices} == {"2026-11-24T09:00"}  # the injected clock, not the wall clock
