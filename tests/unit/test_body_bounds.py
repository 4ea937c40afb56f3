"""Every conflicts and panels request body is bounded (issue 12): decoding alone refuses a mapping,
list or string past its bound, and control characters in one-line fields, before any service runs."""

from __future__ import annotations

import msgspec
import pytest

from assignment.schemas import AnswerIn, PanelRequestIn
from conflicts.schemas import ImportIn, PolicyIn, RelationIn, TaskConfirmIn
from core.schemas import MAX_LIST, MAX_MAP

REQUEST = {"item_id": 1, "purpose": "argument", "size": 5, "handover_on": "2026-11-24", "requested_by": "市交通运输局"}
RELATION = {"kind": "interest_in", "source": {"kind": "expert", "id": 1}, "target": {"kind": "item", "id": 2},
            "entered_by": "处"}


def _decode(body: dict, shape: type):
    return msgspec.json.decode(msgspec.json.encode(body), type=shape)


def _refused(body: dict, shape: type) -> str:
    with pytest.raises(msgspec.ValidationError) as refused:
        _decode(body, shape)
    return str(refused.value)


def test_the_issue_case_five_thousand_region_keys_is_refused_by_decoding_issue_12():
    regions = {f"地区{n}": 1 for n in range(5000)}
    assert "$.balance.max_per_region" in _refused({**REQUEST, "balance": {"max_per_region": regions}}, PanelRequestIn)
    assert _decode({**REQUEST, "balance": {"max_per_region": {"杭州市": 2}}}, PanelRequestIn).balance.max_per_region


@pytest.mark.parametrize(("balance", "path"), [
    ({"min_per_specialty": {f"S{n}": 1 for n in range(MAX_MAP + 1)}}, "$.balance.min_per_specialty"),
    ({"max_per_region": {f"R{n}": 1 for n in range(MAX_MAP + 1)}}, "$.balance.max_per_region"),
    ({"max_per_region": {"杭\n州": 1}}, "$.balance.max_per_region"),
    ({"max_per_region": {"杭州\n": 1}}, "$.balance.max_per_region"),
    ({"dissenting_ids": list(range(MAX_LIST + 1))}, "$.balance.dissenting_ids"),
])
def test_balance_maps_and_lists_are_bounded_issue_12(balance, path):
    assert path in _refused({**REQUEST, "balance": balance}, PanelRequestIn)


def test_panel_request_text_is_one_line_and_bounded_issue_12():
    assert "$.requested_by" in _refused({**REQUEST, "requested_by": "局\r\nBcc: x"}, PanelRequestIn)
    assert "$.out_of_pool" in _refused({**REQUEST, "out_of_pool": [{"expert_id": i, "reason": "特殊问题"}
                                                                   for i in range(101)]}, PanelRequestIn)
    assert "$.reason" in _refused({"accept": False, "reason": "x" * 2001}, AnswerIn)
    assert _decode({"accept": False, "reason": "出差\n两周"}, AnswerIn).reason == "出差\n两周"
    assert "$.accept" in _refused({"accept": 0}, AnswerIn)


def test_conflict_bodies_are_bounded_issue_12():
    assert "$.entered_by" in _refused({**RELATION, "entered_by": "处\x00"}, RelationIn)
    assert "$.entered_by" in _refused({**RELATION, "entered_by": "处\n"}, RelationIn)  # not even at the end
    assert "$.role" in _refused({**RELATION, "role": "r" * 33}, RelationIn)
    assert "$.relations" in _refused({"relations": [RELATION] * (MAX_LIST + 1)}, ImportIn)
    assert "$.note" in _refused({"institution_id": 1, "by": "处", "note": "n" * 2001}, TaskConfirmIn)
    rule = {"rule_id": "X-1", "name": "x", "sentence": "{subject}", "purposes": ["argument"],
            "steps": [{"kinds": ["interest_in"] * 33}]}
    assert "$.rules[0].steps[0].kinds" in _refused({"rules": [rule], "reason": "试一下", "by": "处"}, PolicyIn)
    assert len(_decode({"relations": [RELATION] * 3}, ImportIn).relations) == 3
