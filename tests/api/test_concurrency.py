"""Two service processes on one database, many panel requests at the same moment: nobody goes past
the workload cap, and nobody sits twice on one panel (R-PANEL-1/2 with the workload caps)."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.api.test_conflicts_api import make_item
from tests.support.live import live_service
from tests.support.panels import request_body

pytestmark = pytest.mark.slow


def test_concurrent_requests_across_two_processes_respect_the_workload_cap(client, clock, pool):
    items = [make_item(client) for _ in range(6)]  # one live draw per item and purpose (R-PANEL-2)
    token = client.headers["Authorization"]
    env = {"MAX_ACTIVE_PANELS": "1", "FIXED_CLOCK": clock.now().isoformat()}
    with live_service(**env) as first, live_service(**env) as second:
        bodies = [request_body(item, balance={}) for item in items]

        def send(n: int) -> httpx.Response:
            base = (first, second)[n % 2]
            return httpx.post(f"{base}/api/v1/panel-requests", json=bodies[n], headers={"Authorization": token},
                              timeout=60)

        with ThreadPoolExecutor(max_workers=6) as pool_of_threads:
            responses = list(pool_of_threads.map(send, range(6)))
    codes = Counter(r.status_code for r in responses)
    assert set(codes) <= {201, 422} and codes[201] == 2  # ten experts, cap 1, five per panel: two panels
    members = [m["subject"]["id"] for r in responses if r.status_code == 201 for m in r.json()["panel"]["members"]]
    assert len(members) == 10 and len(set(members)) == 10  # nobody twice, on one panel or across them
    refused = [r.json() for r in responses if r.status_code == 422]
    assert all("已达工作量上限" in r["detail"] for r in refused)

