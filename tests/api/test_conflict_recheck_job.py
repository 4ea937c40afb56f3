"""The nightly re-check of every panel at work (issue 17, R-COI-1): a member who gains a conflict after the draw is
reported to the office once; a conflict the office dismissed, or a cancelled request, is not reported."""

from __future__ import annotations

import asyncio

from conflicts.live import LiveGraph
from notifications import jobs
from notifications.tables import Outbox
from tests.api.test_conflicts_api import make_item, ref, relate
from tests.support.panels import post_request

API = "/api/v1"


def recheck(clock) -> dict:
    return asyncio.run(jobs.conflict_recheck(jobs.JobDay(clock.today(), clock.now(), LiveGraph())))


def office_notices() -> list[dict]:
    return asyncio.run(Outbox.select(Outbox.recipient, Outbox.subject, Outbox.body, Outbox.dedupe_key).where(
        Outbox.template == "conflict_recheck").run())


def test_a_member_who_gains_a_conflict_is_reported_once_R_COI_1(client, clock, pool):
    item, other = make_item(client), make_item(client)
    view = post_request(client, item).json()
    assert view["panel"] is not None, view
    cancelled = post_request(client, other).json()
    assert recheck(clock) == {"requests": 2, "members": 10, "items": 2, "conflicts": 0}
    member = view["panel"]["members"][0]["subject"]["id"]
    relate(client, "interest_in", ref("expert", {"id": member}), ref("item", item))
    assert recheck(clock)["conflicts"] == 1
    told = office_notices()
    assert [n["recipient"] for n in told] == ["office"]
    assert f"抽取申请 {view['id']}" in told[0]["body"] and "R-COI-1" in told[0]["body"]
    assert recheck(clock)["conflicts"] == 1 and len(office_notices()) == 1  # the next night: not told twice

    dismissed = client.post(f"{API}/items/{item['id']}/conflict-dismissals", json={
        "subject_kind": "expert", "subject_id": member, "rule_name": "direct_interest",
        "reason": "同名的另一人", "by": "政策法规处"})
    assert dismissed.status_code == 201, dismissed.text
    assert recheck(clock)["conflicts"] == 0

    other_member = cancelled["panel"]["members"][0]["subject"]["id"]
    relate(client, "interest_in", ref("expert", {"id": other_member}), ref("item", other))
    assert recheck(clock)["conflicts"] == 1
    asked = client.post(f"{API}/panel-requests/{cancelled['id']}/cancellation", json={"reason": "事项撤回，重新抽取"})
    assert asked.status_code == 201, asked.text
    approved = client.post(f"{API}/panel-requests/{cancelled['id']}/cancellation/decision",
                           json={"approve": True, "reason": "同意撤回重新抽取"})
    assert approved.status_code == 201, approved.text
    assert recheck(clock) == {"requests": 1, "members": 5, "items": 1, "conflicts": 0}
