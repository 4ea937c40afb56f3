"""The events appended after a full verification, checked alone from the verified head (R-REC-1): the office's home
links them to the hash it verified, without walking the whole record again."""

from __future__ import annotations

from accounts import chain
from tests.unit.test_record_chain import KEY, _chain


def test_a_tail_links_to_the_verified_head_R_REC_1():
    rows = _chain(8)
    head = rows[4]
    assert chain.broken_link(KEY, rows[5:], prev=head["hash"], expected=head["seq"] + 1) is None


def test_a_tail_that_does_not_follow_the_verified_head_is_named_R_REC_1():
    rows = _chain(8)
    report = chain.broken_link(KEY, rows[5:], prev=rows[3]["hash"], expected=6)  # the head verified was not #5
    assert report is not None and report.first_bad_seq == 6 and "前序哈希不符" in report.problem


def test_an_edited_event_in_the_tail_is_named_R_REC_1():
    rows = _chain(8)
    rows[6]["reason"] = "改过"
    report = chain.broken_link(KEY, rows[5:], prev=rows[4]["hash"], expected=6)
    assert report is not None and report.first_bad_seq == 7 and "改动" in report.problem


def test_a_gap_in_the_tail_is_named_R_REC_1():
    rows = _chain(8)
    report = chain.broken_link(KEY, rows[6:], prev=rows[4]["hash"], expected=6)
    assert report is not None and report.first_bad_seq == 6 and "缺失" in report.problem
