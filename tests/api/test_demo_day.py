"""A day of simulated use on the demo world, then every panel record verified from the record alone
(issue 11, R-PANEL-2, R-REC-1): requests for many items, declines with their replacements, answers that
never came (expired and replaced), and `GET /panels/{id}/verification` reproduces every record."""

from __future__ import annotations

import asyncio
import random
from datetime import date, timedelta

import pytest
from litestar.testing import TestClient

from app import create_app
from app.demo import load_demo

pytestmark = pytest.mark.slow


def _requests_for_a_day(client, rng: random.Random) -> list[int]:
    items = client.get("/api/v1/items", params={"limit": 100}).json()
    items = items["items"] if isinstance(items, dict) else items
    made = []
    for item in rng.sample(items, 12):
        size = 7 if item.get("controversial") or item.get("complex") else 5
        body = {"item_id": item["id"], "purpose": rng.choice(["argument", "risk_assessment"]), "mode": "meeting",
                "size": size, "handover_on": "2026-11-24", "requested_by": "演示承办单位",
                "balance": {"min_per_specialty": dict(rng.sample([("SOC", 1), ("LAW", 1), ("ECON", 1)], 2))}}
        response = client.post("/api/v1/panel-requests", json=body)
        if response.status_code == 201:
            made.append(response.json()["id"])
        else:  # a pool too small for the balance asked is refused with its reasons, never a 500
            assert response.status_code in (409, 422), response.text
    return made


def test_every_panel_record_of_a_simulated_day_verifies(client, clock):
    asyncio.run(load_demo(date(2026, 11, 24), experts=300, seed=11))
    rng = random.Random(11)
    with TestClient(create_app(clock=clock, migrate_on_start=False)) as service:
        service.headers.update(client.headers)  # the office's login; the graph is built at start-up
        made = _requests_for_a_day(service, rng)
        assert len(made) >= 8
        for request_id in made:
            invitations = service.get(f"/api/v1/panel-requests/{request_id}").json()["invitations"]
            for inv in rng.sample(invitations, 2):
                if rng.random() < 0.5:
                    answer = {"accept": True}
                else:
                    answer = {"accept": False, "reason": rng.choice(["出差在外", "身体原因", "时间冲突"])}
                response = service.post(f"/api/v1/invitations/{inv['id']}/answer", json=answer)
                assert response.status_code == 201, response.text
        clock.fixed = clock.fixed + timedelta(days=10)  # past every answer date: the rest expire and are replaced
        expired = service.post("/api/v1/invitations/expire-overdue")
        assert expired.status_code == 201, expired.text
        assert expired.json(), "some invitations were never answered"
        records = [p for request_id in made for p in service.get(f"/api/v1/panel-requests/{request_id}/panels").json()]
        replacements = [p for p in records if p["supersedes"] is not None]
        assert len(replacements) >= len(made)  # declines and expiries were replaced
        for panel in records:
            verification = service.get(f"/api/v1/panels/{panel['id']}/verification").json()
            assert verification["verified"] is True, (panel["id"], verification)
            assert verification["members"] == sorted(m["subject"]["id"] for m in panel["members"]
                                                     if m["probability"] is not None)
