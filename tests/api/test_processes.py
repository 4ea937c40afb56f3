"""Two service processes on one database (issue 17): concurrent panel requests, writes and recorded checks
through both keep the workload caps (R-PANEL-3), answer no 500 and leave one unforked chain (R-REC-1/2); a
change made through one process is seen by the other at its next request (read cache, graph, policy,
token)."""

from __future__ import annotations

import asyncio
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from accounts.tables import AuditEvent
from tests.api.test_conflicts_api import make_item, ref
from tests.builders import create_institution
from tests.support.app import PASSWORD, add_account
from tests.support.live import live_service
from tests.support.panels import request_body

pytestmark = pytest.mark.slow
API = "/api/v1"


def _events() -> int:
    return asyncio.run(AuditEvent.count().run())


def _services(clock, **env):
    """Two processes with a long read cache: only the change version can make one forget an answer."""
    env = {"FIXED_CLOCK": clock.now().isoformat(), "READ_CACHE_SECONDS": "600", **env}
    return live_service(**env), live_service(**env)


def test_concurrent_draws_writes_and_checks_through_two_processes_R_PANEL_3_R_REC_1(client, clock, pool):
    items = [make_item(client, title=f"事项{n}") for n in range(6)]
    interested = [create_institution(client, name=f"利害单位{n}") for n in range(6)]
    headers = {"Authorization": client.headers["Authorization"]}
    before = _events()
    first_service, second_service = _services(clock, MAX_ACTIVE_PANELS="1")
    with first_service as first, second_service as second:
        def act(n: int) -> tuple[str, httpx.Response]:
            base, kind, k = (first, second)[n % 2], ("draw", "relation", "check")[n % 3], n // 3
            if kind == "draw":
                return kind, httpx.post(f"{base}{API}/panel-requests", json=request_body(items[k], balance={}),
                                        headers=headers, timeout=120)
            if kind == "relation":
                body = {"kind": "interest_in", "source": ref("institution", interested[k]),
                        "target": ref("item", items[k]), "entered_by": "政策法规处"}
                return kind, httpx.post(f"{base}{API}/relations", json=body, headers=headers, timeout=120)
            return kind, httpx.get(f"{base}{API}/items/{items[k]['id']}/conflicts", params={"purpose": "argument"},
                                   headers=headers, timeout=120)

        with ThreadPoolExecutor(max_workers=9) as threads:
            answers = list(threads.map(act, range(18)))
    # both processes stopped (uvicorn lets every request finish, a check is recorded before it answers)
    codes = Counter((kind, r.status_code) for kind, r in answers)
    assert all(r.status_code < 500 for _, r in answers), [r.text for _, r in answers if r.status_code >= 500]
    # ten experts, at most one live panel each, five per panel: two panels, the other four refused at the cap
    assert codes[("draw", 201)] == 2 and codes[("draw", 422)] == 4, codes
    assert codes[("relation", 201)] == 6 and codes[("check", 200)] == 6, codes
    drawn = [r.json() for kind, r in answers if kind == "draw" and r.status_code == 201]
    members = [m["subject"]["id"] for d in drawn for m in d["panel"]["members"]]
    assert len(members) == 10 and len(set(members)) == 10  # nobody on two panels (cap 1)
    refused = [r.json() for kind, r in answers if kind == "draw" and r.status_code == 422]
    assert all("已达工作量上限" in r["detail"] for r in refused)
    # every success has its one event, on one chain with no gap and no fork
    assert _events() == before + 2 + 6 + 6
    verification = client.get(f"{API}/audit/verification").json()
    assert verification["ok"] is True and verification["events"] == before + 14, verification


def test_a_change_through_one_process_is_seen_by_the_other_at_its_next_request(client, clock, pool):
    expert = pool["experts"][0]
    expert_id = expert["expert_id"]
    item = make_item(client)
    add_account("clerk", "auditor")
    headers = {"Authorization": client.headers["Authorization"]}
    first_service, second_service = _services(clock)
    with first_service as first, second_service as second:
        def read(base: str) -> dict:
            response = httpx.get(f"{base}{API}/experts/{expert_id}", headers=headers, timeout=60)
            assert response.status_code == 200, response.text
            return response.json()

        def check(base: str) -> dict:
            response = httpx.get(f"{base}{API}/items/{item['id']}/conflicts", params={"purpose": "argument"},
                                 headers=headers, timeout=60)
            assert response.status_code == 200, response.text
            return {(c["subject"]["kind"], c["subject"]["id"]): c for c in response.json()["conflicts"]} | {
                "policy": response.json()["policy_version"]}

        # the expert's record, cached by the second process (READ_CACHE_SECONDS=600), changed through the first
        assert read(second)["title"] == read(second)["title"] != "研究员"
        changed = httpx.patch(f"{first}{API}/experts/{expert_id}", json={"title": "研究员"}, headers=headers)
        assert changed.status_code == 200, changed.text
        assert read(second)["title"] == "研究员"

        # a relation entered through the first: the second's graph excludes the employer's staff at once (R-COI-2)
        assert ("expert", expert_id) not in check(second)
        body = {"kind": "interest_in", "source": {"kind": "institution", "id": expert["employer"]},
                "target": {"kind": "item", "id": item["id"]}, "entered_by": "政策法规处"}
        assert httpx.post(f"{first}{API}/relations", json=body, headers=headers).status_code == 201
        seen = check(second)
        assert seen[("expert", expert_id)]["rule_id"] == "R-COI-2" and seen["policy"] == 1

        # the conflict policy changed through the second: the first checks under version 2
        policy = httpx.put(f"{second}{API}/conflict-policy", headers=headers,
                           json={"hierarchy_hops": 0, "reason": "本单位仅指直接任职单位", "by": "处长"})
        assert policy.status_code == 200, policy.text
        assert check(first)["policy"] == 2

        # a token revoked through one process is refused by the other at its next request
        token = httpx.post(f"{first}{API}/auth/login", json={"username": "clerk", "password": PASSWORD}).json()["token"]
        clerk = {"Authorization": f"Bearer {token}"}
        assert httpx.get(f"{second}{API}/auth/me", headers=clerk).status_code == 200
        assert httpx.post(f"{first}{API}/auth/logout", headers=clerk).status_code == 204
        assert httpx.get(f"{second}{API}/auth/me", headers=clerk).status_code == 401
