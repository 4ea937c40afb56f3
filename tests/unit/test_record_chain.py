"""The record's rules as pure functions (R-REC-1, R-REC-2): what a record keeps, how events chain, and how
a chain is judged. No database: rows are plain dicts as the event table gives them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from accounts import chain

KEY = b"k" * 32
AT = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)


def _chain(n: int, key: bytes = KEY) -> list[dict]:
    rows, prev = [], chain.GENESIS
    for seq in range(1, n + 1):
        data = {"request": {"n": seq}, "events": []}
        row: dict[str, Any] = {"seq": seq, "at": AT, "actor": "office:chief", "action": "POST /x",
                               "subject": f"item:{seq}", "reason": "", "data": data, "prev_hash": prev}
        row["hash"] = chain.event_hash(key, prev, seq, AT, row["actor"], row["action"], row["subject"], "", data)
        rows.append(row)
        prev = row["hash"]
    return rows


def test_a_whole_chain_has_no_broken_link_R_REC_2():
    assert chain.broken_link(KEY, _chain(5)) is None


def test_an_edited_event_is_named_R_REC_2():
    rows = _chain(5)
    rows[2]["reason"] = "改过的理由"
    report = chain.broken_link(KEY, rows)
    assert report is not None and report.first_bad_seq == 3 and "改动" in report.problem


def test_a_chain_rehashed_without_the_key_is_named_R_REC_2():
    forged = _chain(5, key=b"not the key" * 3)  # consistent in itself, but not under the service's key
    report = chain.broken_link(KEY, forged)
    assert report is not None and report.first_bad_seq == 1


def test_a_missing_event_is_named_R_REC_2():
    rows = _chain(5)
    del rows[1]
    report = chain.broken_link(KEY, rows)
    assert report is not None and report.first_bad_seq == 2 and "缺失" in report.problem


def _checkpoint(rows: list[dict], upto: int, key: bytes = KEY) -> dict:
    head = rows[upto - 1]["hash"]
    at = chain.at_text(AT)
    return {"seq": upto, "hash": head, "at": at, "mac": chain.checkpoint_mac(key, upto, head, at), "genuine": True}


def test_events_cut_after_a_checkpoint_are_named_R_REC_2():
    rows = _chain(6)
    report = chain.behind_checkpoint(rows[:4], [_checkpoint(rows, 6)])
    assert report is not None and report.first_bad_seq == 5 and "第 5..6 条记录缺失" in report.problem


def test_a_chain_rewritten_behind_a_checkpoint_is_named_R_REC_2():
    rows = _chain(4)
    checkpoint = _checkpoint(rows, 4)
    rewritten = _chain(4)
    rewritten[1]["data"] = {"request": {"n": 99}, "events": []}  # an insider with the key re-hashes from event 2
    prev = rewritten[0]["hash"]
    for row in rewritten[1:]:
        row["prev_hash"] = prev
        row["hash"] = chain.event_hash(KEY, prev, row["seq"], AT, row["actor"], row["action"], row["subject"],
                                       row["reason"], row["data"])
        prev = row["hash"]
    assert chain.broken_link(KEY, rewritten) is None  # consistent again...
    report = chain.behind_checkpoint(rewritten, [checkpoint])  # ...but not with what was anchored
    assert report is not None and report.first_bad_seq == 4 and "改写" in report.problem


def test_a_forged_checkpoint_line_is_named_R_REC_2():
    rows = _chain(3)
    line = '{"seq": 9, "hash": "00", "at": "2026-11-24T09:00:00.000000+00:00", "mac": "bad"}'
    parsed = chain.parse_checkpoints(KEY, [line, "not json"])
    assert [c["genuine"] for c in parsed] == [False]
    report = chain.behind_checkpoint(rows, parsed)
    assert report is not None and "伪造" in report.problem


def test_a_protected_row_changed_or_deleted_is_named_R_REC_2():
    rating = {"id": 5, "expert": 1, "reliability": 1}
    rows = [{"seq": 7, "data": {"rows": {"performance_rating:5": chain.row_digest(KEY, rating)}}}]
    latest = chain.recorded_rows(rows)
    assert chain.altered_row(KEY, latest, {"performance_rating:5": dict(rating)}) is None
    changed = chain.altered_row(KEY, latest, {"performance_rating:5": {**rating, "reliability": 5}})
    assert changed == (7, "数据行 performance_rating:5 在第 7 条记录登记后被绕过本服务改动")
    deleted = chain.altered_row(KEY, latest, {"performance_rating:5": None})
    assert deleted is not None and "被删除" in deleted[1]


def test_the_record_keeps_no_personal_data_and_a_bounded_copy_R_REC_1():
    body = {"expert": {"id_number": "110101199003074578", "name": "张三"}, "note": "电话 13800138000123456"}
    kept = chain.scrub(body)
    assert kept == {"expert": {"id_number": "***", "name": "张三"}, "note": "电话 ***"}
    large = chain.bounded({"title": "x" * 10_000, "opened_on": "2026-11-24"})
    assert large["truncated"] is True and large["fields"] == {"opened_on": "2026-11-24"}


@dataclass(frozen=True)
class _Drawn:
    panel_id: int
    seed: str


def test_a_domain_event_is_recorded_with_its_kind_and_fields_R_REC_1():
    assert chain.event_data(_Drawn(3, "7")) == {"event": "_Drawn", "panel_id": 3, "seed": "7"}
