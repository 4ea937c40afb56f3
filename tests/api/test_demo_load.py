"""The demo loader fills the registry through the same tables and rules the API uses."""

import asyncio
from datetime import date

from registry.demo import load_demo


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
