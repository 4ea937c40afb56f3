"""Issue 12 (R-REC-1, R-REC-2): a service process killed (SIGKILL) in the middle of a burst of panel
requests leaves no panel without its record. Each draw stores the panel and writes the record event
naming it in one transaction: after the kill, every panel row in the database is named by a record
event ("panel:<id>" in its rows), and the chain verifies."""

from __future__ import annotations

import asyncio
import signal
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from accounts import audit
from accounts.tables import AuditEvent
from assignment.tables import Invitation, Panel, PanelRequest
from tests.api.test_conflicts_api import make_item
from tests.support.live import live_process
from tests.support.panels import request_body

pytestmark = pytest.mark.slow

BURST = 16
KILL_AFTER = 3  # answers before the kill: the burst is well under way, most requests still in flight


async def _stored() -> tuple[list[int], list[int], list[int], set[str]]:
    panels = [r["id"] for r in await Panel.select(Panel.id)]
    requests = [r["id"] for r in await PanelRequest.select(PanelRequest.id)]
    invitations = [r["id"] for r in await Invitation.select(Invitation.id)]
    named = set()
    for event in await AuditEvent.select(AuditEvent.data).output(load_json=True):
        named |= set((event["data"] or {}).get("rows") or {})
    return panels, requests, invitations, named


def test_a_killed_process_leaves_no_panel_without_its_record_issue_12(client, clock, pool, tmp_path):
    items = [make_item(client) for _ in range(BURST)]  # one live draw per item and purpose (R-PANEL-2)
    token = client.headers["Authorization"]
    env = {"FIXED_CLOCK": clock.now().isoformat(), "MAX_ACTIVE_PANELS": "1000", "MAX_PANELS_PER_YEAR": "1000"}
    with live_process(**env) as (base, process):
        def send(n: int) -> int:
            response = httpx.post(f"{base}/api/v1/panel-requests", json=request_body(items[n]),
                                  headers={"Authorization": token}, timeout=60)
            return response.status_code

        with ThreadPoolExecutor(max_workers=8) as threads:
            futures = [threads.submit(send, n) for n in range(BURST)]
            while sum(f.done() for f in futures) < KILL_AFTER:
                time.sleep(0.01)
            process.send_signal(signal.SIGKILL)  # mid-burst: the others are planning, waiting or writing
            process.wait(timeout=10)
        answered = [f.result() for f in futures if f.exception() is None]
        cut = [f for f in futures if f.exception() is not None]
    assert 201 in answered and cut, (answered, len(cut))

    panels, requests, invitations, named = asyncio.run(_stored())
    assert len(panels) >= answered.count(201), "every answered draw is stored"
    assert {f"panel:{i}" for i in panels} <= named  # no panel without the record event that names it
    assert {f"panel_request:{i}" for i in requests} <= named
    assert {f"invitation:{i}" for i in invitations} <= named
    report = asyncio.run(audit.verify(tmp_path / "no-checkpoints.jsonl"))
    assert report.ok, report
