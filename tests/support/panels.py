"""A pool of appointed experts and panel requests, for the tests that draw panels (API and browser tiers).

The ``pool`` fixture reaches the tests through the tiers' conftest files; the tests import the helpers."""

from __future__ import annotations

import pytest

from tests.builders import appoint_expert, create_institution, expert_payload

API = "/api/v1"


@pytest.fixture
def pool(client):
    """Ten appointed experts at ten employers (four lawyers, the rest economists), one more registered only."""
    employers = [create_institution(client, name=f"单位{n}") for n in range(10)]
    experts = []
    for n, employer in enumerate(employers):
        spec = "LAW.ADMIN" if n < 4 else "ECON.FISCAL"
        made = appoint_expert(client, specialties=[spec], sector="academia" if n % 2 else "government",
                              employments=[{"employer_name": employer["name"], "institution_id": employer["id"],
                                            "start": "2015-01-01"}])
        experts.append({**made, "employer": employer["id"], "spec": spec})
    outsider = client.post(f"{API}/experts", json=expert_payload(specialties=["LAW.ADMIN"])).json()
    return {"experts": experts, "outsider": outsider, "employers": employers}


def request_body(item, **overrides) -> dict:
    body = {"item_id": item["id"], "purpose": "argument", "mode": "meeting", "size": 5,
            "handover_on": "2026-11-24", "requested_by": "市交通运输局", "balance": {"min_per_specialty": {"LAW": 2}}}
    body.update(overrides)
    return body


def post_request(client, item, **overrides):
    return client.post(f"{API}/panel-requests", json=request_body(item, **overrides))


def exclusions_of(client, view: dict, **filters) -> list[dict]:
    """Every exclusion of a panel request's draw (``view``: the request's answer), read page by page from
    ``GET /panel-requests/{id}/exclusions`` (issue 17: the answer itself carries only the counts)."""
    found: list[dict] = []
    while True:
        page = client.get(f"{API}/panel-requests/{view['id']}/exclusions",
                          params={**filters, "offset": len(found), "limit": 100})
        assert page.status_code == 200, page.text
        found += page.json()["items"]
        if len(found) >= page.json()["total"] or not page.json()["items"]:
            return found
