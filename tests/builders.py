"""Valid inputs and API shortcuts for tests: each builds through the real endpoints."""

from __future__ import annotations

from datetime import date
from itertools import count

from registry.domain.identifiers import make_citizen_id, make_uscc
from registry.domain.letters import Commitment

_serial = count(1)

ALL_CONDITIONS_MET = [
    {"condition": c, "met": True} for c in
    ("political_reliability", "academic_standing", "practical_experience", "credibility", "time_and_willingness")
]
LETTER_COMMITMENTS = {c.value: True for c in Commitment}


def citizen_id(male: bool = True, birth: date = date(1975, 6, 1)) -> str:
    return make_citizen_id("330106", birth, next(_serial), male)


def uscc() -> str:
    return make_uscc("1", "2", "330000", f"{next(_serial):09d}")


def expert_payload(**overrides) -> dict:
    n = next(_serial)
    body = {
        "name": f"张{'三四五六七八九十'[n % 8]}{n}",
        "gender": "male",
        "id_number": citizen_id(male=True),
        "phone": f"138{n:08d}",
        "sector": "academia",
        "specialties": ["LAW.ADMIN"],
        "email": f"expert{n}@example.cn",
        "title": "教授",
        "region": "杭州市",
    }
    body.update(overrides)
    return body


def create_institution(client, **overrides) -> dict:
    body = {"name": f"测试机构{next(_serial)}", "kind": "university", "uscc": uscc()}
    body.update(overrides)
    response = client.post("/api/v1/institutions", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def create_call(client, **overrides) -> dict:
    body = {"title": "2026年度重大行政决策论证专家公开遴选", "specialty_codes": ["LAW", "ECON"],
            "opens_on": "2026-11-01", "closes_on": "2026-12-31"}
    body.update(overrides)
    response = client.post("/api/v1/recruitment-calls", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def appoint_expert(client, start: str = "2026-01-01", end: str = "2028-12-31", sign: bool = True,
                   **expert_overrides) -> dict:
    """Recruit through every step (R-POOL-2) and return {expert_id, term_id, application_id}."""
    call = create_call(client)
    app = client.post(f"/api/v1/recruitment-calls/{call['id']}/applications",
                      json={"expert": expert_payload(**expert_overrides)})
    assert app.status_code == 201, app.text
    app_id = app.json()["id"]
    for step, body in (("qualification-review", {"findings": ALL_CONDITIONS_MET}),
                       ("collective-decision", {"approved": True, "meeting_on": "2026-11-20"}),
                       ("appointment", {"start": start, "end": end, "certificate_no": f"聘字{next(_serial)}"})):
        response = client.post(f"/api/v1/applications/{app_id}/{step}", json=body)
        assert response.status_code == 201, response.text
    result = {"expert_id": app.json()["expert_id"], "term_id": response.json()["term_id"], "application_id": app_id}
    if sign:
        letter = client.post(f"/api/v1/experts/{result['expert_id']}/commitment-letters",
                             json={"term_id": result["term_id"], "text_version": "NMG-E-2020",
                                   "commitments": LETTER_COMMITMENTS, "signed_on": start})
        assert letter.status_code == 201, letter.text
    return result
