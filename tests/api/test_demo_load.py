"""The demo loader fills the registry through the same tables and rules the API uses."""

import asyncio
from datetime import date

from litestar.testing import TestClient

from app import create_app
from app.demo import load_demo


def test_demo_world_loads_once_with_eligible_and_ineligible_experts(client):
    counts = asyncio.run(load_demo(date(2026, 11, 24), experts=120, seed=1))
    assert counts["experts"] >= 115 and counts["appointed"] < counts["experts"]
    assert asyncio.run(load_demo(date(2026, 11, 24), experts=120, seed=1)) is None
    page = client.get("/api/v1/experts", params={"limit": 500}).json()
    assert page["total"] == counts["experts"]
    eligible = [e for e in page["items"] if e["eligibility"]["eligible"]]
    refused = {r["code"] for e in page["items"] for r in e["eligibility"]["reasons"]}
    assert 0 < len(eligible) < page["total"]
    assert {"no_current_term", "no_commitment_letter", "dismissed"} <= refused


def test_demo_items_and_relations_give_explained_conflicts_after_start_up(client, clock):
    counts = asyncio.run(load_demo(date(2026, 11, 24), experts=120, seed=3))
    assert counts["items"] == 60 and counts["relations"] > 100
    with TestClient(create_app(clock=clock, migrate_on_start=False)) as started:
        started.headers.update(client.headers)  # the same login; the graph is built at start-up
        items = started.get("/api/v1/items", params={"limit": 100}).json()["items"]
        checks = [started.get(f"/api/v1/items/{i['id']}/conflicts", params={"purpose": "post_evaluation"}).json()
                  for i in items]
    rules = {c["rule_id"] for check in checks for c in check["conflicts"]}
    assert {"R-COI-1", "R-COI-3"} <= rules
    assert all(" —" in c["explanation"] for check in checks for c in check["conflicts"])
