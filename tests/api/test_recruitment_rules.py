"""Issue 13: recruitment refuses what the rules forbid, at the step where it happens, with the rule's id:
a discredited or dismissed expert cannot apply or pass review (R-POOL-7, R-POOL-5), an applicant outside the
call's sub-pools is refused (R-POOL-2), a certificate number is used once (R-POOL-4), and no annual review is
opened for an expert never appointed (R-POOL-4). A new application's lists are lists; the appointment's term
is shown on the application."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.builders import ALL_CONDITIONS_MET, appoint_expert, create_call, expert_payload
from tests.support.live import live_service

API = "/api/v1"


def _apply(client, call_id: int, **body):
    return client.post(f"{API}/recruitment-calls/{call_id}/applications", json=body)


def _rule(response) -> str:
    return response.json()["errors"][0]["rule_id"]


def test_a_new_application_shows_empty_lists_not_characters_issue_13(client):
    call = create_call(client)
    created = _apply(client, call["id"], expert=expert_payload())
    assert created.status_code == 201
    assert created.json()["findings"] == [] and created.json()["reasons"] == []
    shown = client.get(f"{API}/applications/{created.json()['id']}").json()
    assert shown["findings"] == [] and shown["reasons"] == []
    assert client.get(f"{API}/recruitment-calls").json()["items"][0]["specialty_codes"] == ["LAW", "ECON"]


def test_the_application_shows_the_term_its_appointment_opened_R_POOL_4(client):
    ids = appoint_expert(client)
    shown = client.get(f"{API}/applications/{ids['application_id']}").json()
    assert shown["term_id"] == ids["term_id"] is not None
    expert = client.get(f"{API}/experts/{ids['expert_id']}").json()
    assert [t["id"] for t in expert["terms"]] == [shown["term_id"]]


def test_a_discredited_expert_cannot_apply_nor_pass_review_R_POOL_7(client):
    ids = appoint_expert(client)
    call = create_call(client)
    pending = _apply(client, call["id"], expert=expert_payload())  # discredited after applying
    client.post(f"{API}/experts/{pending.json()['expert_id']}/discredit-records",
                json={"kind": "fraud", "facts": "伪造学历证明", "recorded_on": "2026-11-20"})
    review = client.post(f"{API}/applications/{pending.json()['id']}/qualification-review",
                         json={"findings": ALL_CONDITIONS_MET})
    assert review.status_code == 409 and _rule(review) == "R-POOL-7"
    assert client.get(f"{API}/applications/{pending.json()['id']}").json()["state"] == "submitted"

    client.post(f"{API}/experts/{ids['expert_id']}/discredit-records",
                json={"kind": "fraud", "facts": "论证意见抄袭他人", "recorded_on": "2026-11-20"})
    refused = _apply(client, create_call(client)["id"], expert_id=ids["expert_id"])
    assert refused.status_code == 409 and _rule(refused) == "R-POOL-7"
    assert refused.json()["errors"][0]["field"] == "expert_id"
    assert "失信" in refused.json()["errors"][0]["reason"]


def test_a_dismissed_expert_cannot_apply_again_R_POOL_5(client):
    ids = appoint_expert(client)
    client.post(f"{API}/experts/{ids['expert_id']}/dismissal",
                json={"reason_code": "6", "explanation": "本人申请", "effective_on": "2026-11-24"})
    refused = _apply(client, create_call(client)["id"], expert_id=ids["expert_id"])
    assert refused.status_code == 409 and _rule(refused) == "R-POOL-5"


def test_an_applicant_outside_the_calls_sub_pools_is_refused_R_POOL_2(client):
    call = create_call(client, specialty_codes=["ECON"])
    outside = _apply(client, call["id"], expert=expert_payload(specialties=["LAW.ADMIN"]))
    assert outside.status_code == 422 and _rule(outside) == "R-POOL-2"
    assert outside.json()["errors"][0]["field"] == "expert.specialties"
    assert client.get(f"{API}/experts").json()["total"] == 0  # nothing stored
    inside = _apply(client, call["id"], expert=expert_payload(specialties=["LAW.ADMIN", "ECON"]))
    assert inside.status_code == 201
    registered = client.post(f"{API}/experts", json=expert_payload(specialties=["LAW"])).json()
    refused = _apply(client, call["id"], expert_id=registered["id"])
    assert refused.status_code == 422 and _rule(refused) == "R-POOL-2" and refused.json()["errors"][0]["field"] == \
        "expert_id"
    below = _apply(client, create_call(client, specialty_codes=["LAW"])["id"], expert_id=registered["id"])
    assert below.status_code == 201  # a call for LAW takes LAW and everything below it


def test_a_certificate_number_is_used_once_R_POOL_4(client):
    first = appoint_expert(client)
    number = client.get(f"{API}/experts/{first['expert_id']}").json()["terms"][0]["certificate_no"]
    call = create_call(client)
    app_id = _apply(client, call["id"], expert=expert_payload()).json()["id"]
    client.post(f"{API}/applications/{app_id}/qualification-review", json={"findings": ALL_CONDITIONS_MET})
    client.post(f"{API}/applications/{app_id}/collective-decision", json={"approved": True, "meeting_on": "2026-11-20"})
    again = client.post(f"{API}/applications/{app_id}/appointment",
                        json={"start": "2026-12-01", "end": "2029-11-30", "certificate_no": number})
    assert again.status_code == 409 and _rule(again) == "R-POOL-4" and again.json()["errors"][0]["field"] == \
        "certificate_no"
    assert client.get(f"{API}/applications/{app_id}").json()["state"] == "approved"
    renewal = client.post(f"{API}/experts/{first['expert_id']}/terms/{first['term_id']}/renewal",
                          json={"certificate_no": number})
    assert renewal.status_code == 409 and _rule(renewal) == "R-POOL-4"


def test_no_annual_review_for_an_expert_never_appointed_R_POOL_4(client):
    candidate = client.post(f"{API}/experts", json=expert_payload()).json()
    refused = client.post(f"{API}/experts/{candidate['id']}/annual-reviews",
                          json={"year": 2026, "review_date": "2026-12-01"})
    assert refused.status_code == 409 and _rule(refused) == "R-POOL-4"
    assert client.get(f"{API}/annual-reviews").json()["total"] == 0
    later = appoint_expert(client, start="2027-01-01", end="2029-12-31")
    refused = client.post(f"{API}/experts/{later['expert_id']}/annual-reviews",
                          json={"year": 2026, "review_date": "2026-12-01"})
    assert refused.status_code == 409 and _rule(refused) == "R-POOL-4"


@pytest.mark.slow
def test_concurrent_applications_of_existing_experts_never_answer_500(client, clock):
    """Issue 13: '500 database is locked' on applications with an existing expert_id. Thirty at once, across
    two service processes on one database: each is stored or refused (409), none fails."""
    calls = [create_call(client)["id"] for _ in range(5)]
    experts = [client.post(f"{API}/experts", json=expert_payload()).json()["id"] for _ in range(6)]
    token = client.headers["Authorization"]
    env = {"FIXED_CLOCK": clock.now().isoformat()}
    with live_service(**env) as first, live_service(**env) as second:
        def send(n: int) -> httpx.Response:
            base = (first, second)[n % 2]
            return httpx.post(f"{base}{API}/recruitment-calls/{calls[n % 5]}/applications",
                              json={"expert_id": experts[n % 6]}, headers={"Authorization": token}, timeout=60)

        with ThreadPoolExecutor(max_workers=10) as threads:
            answers = list(threads.map(send, range(30)))
    assert {a.status_code for a in answers} <= {201, 409}, [a.text for a in answers if a.status_code >= 500]
    stored = client.get(f"{API}/applications", params={"limit": 500}).json()
    assert stored["total"] == sum(a.status_code == 201 for a in answers) == 30
