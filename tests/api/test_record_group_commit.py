"""Recorded reads without serialising (issue 17, R-REC-1): concurrent conflict checks are appended to the chain
together (``accounts.audit.GroupRecorder``: one transaction, one turn at the head), each still its own chained
row; a read is answered only once its record has committed, and a batch that cannot be written answers 503."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

import pytest

from accounts import audit
from accounts.tables import AuditEvent
from core.uow import write_transaction
from tests.api.test_conflicts_api import make_item, ref, relate

API = "/api/v1"
CHECK = "GET /api/v1/items/{item_id}/conflicts/{subject_kind}/{subject_id}"
AT = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)


def chain_rows() -> list[dict]:
    return asyncio.run(AuditEvent.select().order_by(AuditEvent.seq).output(load_json=True).run())


def test_concurrent_checks_each_recorded_once_with_their_answer_in_one_verified_chain_R_REC_1(client, pool):
    item = make_item(client)
    experts = [e["expert_id"] for e in pool["experts"]]
    relate(client, "interest_in", ref("expert", {"id": experts[0]}), ref("item", item))  # one check excludes
    before = len(chain_rows())
    paths = [f"{API}/items/{item['id']}/conflicts/expert/{experts[n % len(experts)]}?purpose=argument&n={n}"
             for n in range(20)]
    with ThreadPoolExecutor(max_workers=20) as threads:  # 20 requests at once in the app's event loop
        responses = list(threads.map(client.get, paths))
    assert [r.status_code for r in responses] == [200] * 20
    rows = chain_rows()
    checks = [r for r in rows[before:] if r["action"] == CHECK]
    assert len(checks) == 20 == len(rows) - before  # each check once, nothing else
    assert [r["seq"] for r in rows] == list(range(1, len(rows) + 1))  # no gap, no sequence number twice
    by_query = {r["data"]["query"]: r for r in checks}
    assert len(by_query) == 20
    for path, response in zip(paths, responses, strict=True):
        recorded = by_query[path.partition("?")[2]]
        assert recorded["data"]["answer"] == response.json()  # recorded with the answer it gave
        assert recorded["subject"] == f"item:{item['id']}" and recorded["actor"] == "office:office"
    assert {r["data"]["answer"]["status"] for r in checks} == {"excluded", "clear"}
    assert client.get(f"{API}/audit/verification").json()["ok"] is True


def test_grouped_events_are_chained_in_order_and_an_altered_one_is_named_R_REC_2(client):
    async def record_together() -> tuple[list[int], int]:
        recorder = audit.recorder()
        seqs = await asyncio.gather(*(audit.record("office:office", "GET /api/v1/panels/{panel_id}/verification",
                                                   f"panel:{n}", "", {"n": n}, AT) for n in range(12)))
        return list(seqs), recorder.batches

    seqs, batches = asyncio.run(record_together())
    assert seqs == list(range(seqs[0], seqs[0] + 12))  # in the order they were handed over
    assert batches == 1  # all twelve waited for the same commit: one transaction
    rows = chain_rows()
    assert [r["data"]["n"] for r in rows if r["subject"].startswith("panel:")] == list(range(12))
    assert all(later["prev_hash"] == earlier["hash"] for earlier, later in zip(rows, rows[1:], strict=False))
    assert client.get(f"{API}/audit/verification").json()["ok"] is True
    asyncio.run(AuditEvent.update({AuditEvent.subject: "panel:99"}).where(AuditEvent.seq == seqs[5]).run())
    report = client.get(f"{API}/audit/verification").json()
    assert report["ok"] is False and report["first_bad_seq"] == seqs[5]


def test_a_check_whose_record_fails_is_not_answered_R_REC_1(client, pool, monkeypatch):
    item = make_item(client)
    expert = pool["experts"][0]["expert_id"]
    before = len(chain_rows())

    async def broken_head() -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(audit, "_take_the_head", broken_head)
    with ThreadPoolExecutor(max_workers=5) as threads:
        responses = list(threads.map(client.get, [f"{API}/items/{item['id']}/conflicts/expert/{expert}"
                                                  f"?purpose=argument&n={n}" for n in range(5)]))
    assert [r.status_code for r in responses] == [503] * 5
    body = responses[0].json()
    assert "clear" not in responses[0].text and body["errors"][0]["rule_id"] == "R-REC-1"
    assert "全过程记录" in body["detail"]
    assert len(chain_rows()) == before  # nothing half-written
    monkeypatch.undo()
    answered = client.get(f"{API}/items/{item['id']}/conflicts/expert/{expert}", params={"purpose": "argument"})
    assert answered.status_code == 200 and len(chain_rows()) == before + 1  # the recorder goes on after a failure
    assert client.get(f"{API}/audit/verification").json()["ok"] is True


def test_a_failed_batch_fails_every_waiting_request_and_the_next_batch_is_written(client):
    calls = {"n": 0}
    original = audit.append_many

    async def first_fails(events):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("serialisation failure")
        return await original(events)

    async def scenario() -> tuple[list, int]:
        outcomes = await asyncio.gather(*(audit.record("office:office", "GET /x", "", "", {"n": n}, AT)
                                          for n in range(6)), return_exceptions=True)
        again = await audit.record("office:office", "GET /x", "", "", {"n": 6}, AT)
        return list(outcomes), again

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(audit, "append_many", first_fails)
        outcomes, again = asyncio.run(scenario())
    assert all(isinstance(o, RuntimeError) for o in outcomes)  # the whole batch failed together
    rows = chain_rows()
    assert [r["data"]["n"] for r in rows if r["action"] == "GET /x"] == [6] and rows[-1]["seq"] == again
    assert client.get(f"{API}/audit/verification").json()["ok"] is True


def test_a_one_candidate_check_of_an_unknown_item_or_subject_is_refused_and_not_recorded(client, pool):
    item = make_item(client)
    expert = pool["experts"][0]["expert_id"]
    before = len(chain_rows())
    no_expert = client.get(f"{API}/items/{item['id']}/conflicts/expert/999999", params={"purpose": "argument"})
    assert no_expert.status_code == 404 and no_expert.json()["errors"][0]["field"] == "expert_id"
    no_unit = client.get(f"{API}/items/{item['id']}/conflicts/institution/999999", params={"purpose": "argument"})
    assert no_unit.status_code == 404 and no_unit.json()["errors"][0]["field"] == "institution_id"
    no_item = client.get(f"{API}/items/999999/conflicts/expert/{expert}", params={"purpose": "argument"})
    assert no_item.status_code == 404 and no_item.json()["errors"][0]["field"] == "item_id"
    assert len(chain_rows()) == before  # refused requests are not recorded


def test_a_record_inside_a_transaction_joins_it_instead_of_waiting_for_its_head(client):
    """A caller already holding the chain's head (its transaction appended) records in that same transaction: a
    separate group commit would wait for the head it holds. Rolled back, neither event is in the chain."""
    before = len(chain_rows())

    async def inside() -> list[int]:
        async with write_transaction():
            first = await audit.append("office:office", "POST /x", "", "", {"n": 1}, AT)
            second = await audit.record("office:office", "GET /x", "", "", {"n": 2}, AT)
            if [first, second] != [before + 1, before + 2]:
                return [first, second]
            raise LookupError("roll back")

    with pytest.raises(LookupError):
        asyncio.run(asyncio.wait_for(inside(), 20))
    assert len(chain_rows()) == before


def test_a_flush_waits_for_reads_still_being_answered_so_one_commit_serves_them_R_REC_1(client):
    """Issue 17: a read that has begun (``answering``) but not yet handed over its event is waited for a moment,
    so concurrent reads share a commit; one refused before handing over, or one that is slow, holds nobody up
    beyond ``GATHER_SECONDS``."""
    async def scenario() -> dict:
        recorder = audit.recorder()
        before = recorder.batches
        handed: list[int] = []

        async def read(n: int, work: float, refused: bool = False) -> None:
            with recorder.answering():
                await asyncio.sleep(work)  # the handler's own reads
                if refused:
                    return  # a 404: nothing to record
                handed.append(await audit.record("office:office", "GET /x", "", "", {"n": n}, AT))

        await asyncio.gather(read(0, 0), read(1, 0.002), read(2, 0.004), read(3, 0.003, refused=True))
        together = recorder.batches - before
        slow_started = recorder.batches
        slow = asyncio.ensure_future(read(4, 5))  # still being answered long after the others
        await asyncio.sleep(0)
        await asyncio.wait_for(read(5, 0), 2)  # answered within the deadline, not after the slow one
        alone = recorder.batches - slow_started
        slow.cancel()
        await asyncio.gather(slow, return_exceptions=True)
        return {"together": together, "alone": alone, "handed": len(handed), "coming": recorder.coming}

    outcome = asyncio.run(scenario())
    assert outcome["together"] == 1 and outcome["handed"] == 4  # three reads and the fast one; the refused none
    assert outcome["alone"] == 1  # the fast read was appended without waiting for the slow one
    assert outcome["coming"] == 0  # the cancelled read and the refused one are no longer waited for
    rows = [r for r in chain_rows() if r["action"] == "GET /x"]
    assert sorted(r["data"]["n"] for r in rows) == [0, 1, 2, 5]
    assert client.get(f"{API}/audit/verification").json()["ok"] is True


def test_a_check_handed_over_from_its_own_task_counts_once_and_a_cancelled_gather_fails_its_waiters_R_REC_1(client):
    """The announced check is handed over once, even when its record is written from a task the request starts
    (a copy of its context); a flush cancelled while it waits for announced checks fails those waiting (they are
    answered 503 by the caller), as a flush cancelled in its transaction does, instead of leaving them hanging."""
    async def scenario() -> dict:
        recorder = audit.recorder()
        with recorder.answering():
            await asyncio.wait_for(audit.record("office:office", "GET /x", "", "", {"n": 1}, AT), 5)
        counted_once = recorder.coming

        async def slow() -> None:
            with recorder.answering():  # a check still being answered: the next flush waits for it
                await asyncio.sleep(1)

        slow_task = asyncio.ensure_future(slow())
        await asyncio.sleep(0)
        waiter = asyncio.ensure_future(audit.record("office:office", "GET /x", "", "", {"n": 2}, AT))
        await asyncio.sleep(0.001)
        assert recorder.flushing is not None
        recorder.flushing.cancel()
        outcome = await asyncio.gather(waiter, return_exceptions=True)
        slow_task.cancel()
        await asyncio.gather(slow_task, return_exceptions=True)
        return {"coming": counted_once, "waiter": type(outcome[0]).__name__, "left": len(recorder.waiting),
                "after": recorder.coming}

    assert asyncio.run(scenario()) == {"coming": 0, "waiter": "RuntimeError", "left": 0, "after": 0}  # a 503
    assert [r["data"]["n"] for r in chain_rows() if r["action"] == "GET /x"] == [1]
