"""Issue 11, hostile cases on answers, declines, submission dates, ratings and R-COI-3.

- Declines judge themselves no longer: the expert gives a reason, the office judges it (R-POOL-5(3)).
- Answering is one conditional transition: a second answer gets 409 and changes nothing, whatever the timing.
- Opinion and leader-report dates are the server's; the office records a paper one with a day and a reason.
- Ratings come only from the drafting unit whose panel the expert sat on, once per accepted invitation;
  the office corrects one with a recorded reason (R-POOL-6).
- Members of an item's argument and risk-assessment panels are barred from its post-decision evaluation,
  the path showing the panel record (R-COI-3).
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

import httpx
import pytest

from accounts.tables import AuditEvent
from assignment.services import invitations as panel_invitations
from assignment.tables import Invitation
from registry.tables import Decline
from tests.api.test_conflicts_api import make_item
from tests.builders import create_institution
from tests.support.app import account_headers as _token
from tests.support.live import live_service
from tests.support.panels import exclusions_of, post_request

API = "/api/v1"


def _unit(client, name: str) -> tuple[int, dict]:
    unit = create_institution(client, name=name, kind="government_body")
    return unit["id"], _token(client, f"unit{unit['id']}", "unit", unit_id=unit["id"])


def _panel(client, unit_id: int | None = None, **overrides) -> dict:
    item = make_item(client, **({"drafting_unit_id": unit_id} if unit_id else {}))
    response = post_request(client, item, **overrides)
    assert response.status_code == 201, response.text
    return {**response.json(), "item": item}


def _answer(client, invitation: dict, **body):
    return client.post(f"{API}/invitations/{invitation['id']}/answer", json=body)


def _declines(invitation_id: int) -> list[dict]:
    return asyncio.run(Decline.select().where(Decline.invitation == invitation_id).run())


def _review(client, expert_id: int) -> dict:
    response = client.post(f"{API}/experts/{expert_id}/annual-reviews",
                           json={"year": 2026, "review_date": "2026-12-20"})
    assert response.status_code == 201, response.text
    return response.json()


# --- declines: the expert gives the reason, the office judges it (R-POOL-5(3)) -------------------------------
def test_expert_cannot_judge_own_decline_good_reason_is_refused_R_POOL_5(client, pool):
    view = _panel(client)
    inv = view["invitations"][0]
    forged = _answer(client, inv, accept=False, reason="不想去", good_reason=True)
    assert forged.status_code == 400 and forged.json()["errors"][0]["field"] == "good_reason"
    silent = _answer(client, inv, accept=False)
    assert silent.status_code == 422 and silent.json()["errors"][0]["field"] == "reason"
    assert _answer(client, inv, accept=False, reason="x" * 501).status_code == 400  # bounded
    assert client.get(f"{API}/panel-requests/{view['id']}").json()["invitations"][0]["status"] == "pending"

    declined = _answer(client, inv, accept=False, reason="不想去")
    assert declined.status_code == 201, declined.text
    assert declined.json()["invitation"]["good_reason"] is None  # awaiting the office's judgement
    [row] = _declines(inv["id"])
    assert row["judged_good_reason"] is None and row["reason"] == "不想去"


def test_annual_review_counts_only_declines_the_office_judged_without_good_reason_R_POOL_5(client, pool):
    """Three declines by one expert: one unjudged (listed, counted neither way), one judged good, one not."""
    expert_id = pool["experts"][5]["expert_id"]
    invitations = []
    for _ in range(3):
        view = _panel(client, size=10, balance={})
        [inv] = [i for i in view["invitations"] if i["subject"]["id"] == expert_id]
        assert _answer(client, inv, accept=False, reason="不想去").status_code == 201
        invitations.append(inv)
    judge = f"{API}/invitations/{{}}/decline-judgement"
    good = client.post(judge.format(invitations[0]["id"]), json={"good_reason": True, "note": "出差，有证明"})
    assert good.status_code == 201 and good.json()["good_reason"] is True and good.json()["judged_by"] == "office"
    bad = client.post(judge.format(invitations[1]["id"]), json={"good_reason": False, "note": "不想去不是正当理由"})
    assert bad.status_code == 201, bad.text
    figures = _review(client, expert_id)
    assert figures["figures"]["declines_without_good_reason"] == 1
    assert figures["figures"]["declines_with_good_reason"] == 1
    assert figures["figures"]["declines_awaiting_judgement"] == 1
    [waiting] = _declines(invitations[2]["id"])
    assert figures["figures"]["declines_awaiting_judgement_ids"] == [waiting["id"]]
    assert "declines_awaiting_judgement" in [r["code"] for r in figures["reasons"]]


def test_decline_is_judged_once_a_correction_needs_a_reason_and_is_kept_R_POOL_5(client, pool):
    view = _panel(client)
    declined, accepted = view["invitations"][:2]
    assert _answer(client, declined, accept=False, reason="家中有事").status_code == 201
    assert _answer(client, accepted, accept=True).status_code == 201
    url = f"{API}/invitations/{declined['id']}/decline-judgement"
    assert client.post(url, json={"good_reason": True}).status_code == 201
    again = client.post(url, json={"good_reason": False})
    assert again.status_code == 409 and again.json()["errors"][0]["field"] == "correction_reason"
    corrected = client.post(url, json={"good_reason": False, "correction_reason": "核实后无出差证明"})
    assert corrected.status_code == 201, corrected.text
    body = corrected.json()
    assert body["good_reason"] is False
    assert [(j["good_reason"], j["correction_reason"]) for j in body["judgements"]] == [
        (True, ""), (False, "核实后无出差证明")]
    expert_view = client.get(f"{API}/experts/{declined['subject']['id']}/declines").json()["items"]
    assert expert_view[0]["good_reason"] is False and len(expert_view[0]["judgements"]) == 2
    not_declined = client.post(f"{API}/invitations/{accepted['id']}/decline-judgement", json={"good_reason": True})
    assert not_declined.status_code == 409


def test_only_the_office_judges_declines_R_POOL_5(client, pool):
    unit_id, unit = _unit(client, "市交通运输局")
    view = _panel(client, unit_id)
    inv = view["invitations"][0]
    expert = _token(client, "expert-a", "expert", expert_id=inv["subject"]["id"])
    assert client.post(f"{API}/invitations/{inv['id']}/answer", json={"accept": False, "reason": "出差"},
                       headers=expert).status_code == 201
    for header in (unit, expert):
        judged = client.post(f"{API}/invitations/{inv['id']}/decline-judgement", json={"good_reason": True},
                             headers=header)
        assert judged.status_code == 403
    assert _declines(inv["id"])[0]["judged_good_reason"] is None


def test_expired_invitation_counts_without_good_reason_unless_the_office_judges_otherwise_R_POOL_5(
        client, clock, pool):
    view = _panel(client, answer_working_days=2)
    clock.fixed = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
    assert client.post(f"{API}/invitations/expire-overdue").status_code == 201
    inv = view["invitations"][0]
    [row] = _declines(inv["id"])
    assert row["judged_good_reason"] is False and row["judged_by"] == "automatic"
    # the automatic judgement is a default: the office's first judgement needs no correction reason
    judged = client.post(f"{API}/invitations/{inv['id']}/decline-judgement",
                         json={"good_reason": True, "note": "邮件退信，专家未收到邀请"})
    assert judged.status_code == 201 and judged.json()["good_reason"] is True


# --- answers: one conditional transition (issue 11) -------------------------------------------------------
def test_a_decline_that_read_a_stale_pending_invitation_changes_nothing_issue_11(client, pool, monkeypatch):
    """The interleaving an accept outside the lock can produce: the decline read the invitation as pending, the
    accept committed, then the decline writes. It must be refused (409): no Decline row, no replacement, the
    invitation stays accepted, the panel keeps its size."""
    view = _panel(client)
    inv = view["invitations"][0]
    stale = asyncio.run(Invitation.objects().where(Invitation.id == inv["id"]).first().run())
    assert _answer(client, inv, accept=True).status_code == 201
    real_get = panel_invitations.get_or_404

    async def stale_read(table, row_id, what):
        return stale if table is Invitation and row_id == inv["id"] else await real_get(table, row_id, what)

    monkeypatch.setattr(panel_invitations, "get_or_404", stale_read)
    late = _answer(client, inv, accept=False, reason="出差")
    assert late.status_code == 409, late.text
    monkeypatch.undo()
    after = client.get(f"{API}/panel-requests/{view['id']}").json()
    assert [i["status"] for i in after["invitations"] if i["id"] == inv["id"]] == ["accepted"]
    assert len(after["invitations"]) == 5 and _declines(inv["id"]) == []
    assert len(client.get(f"{API}/panel-requests/{view['id']}/panels").json()) == 1


ANSWERS = {"accept": {"accept": True}, "decline": {"accept": False, "reason": "临时出差"}}


@pytest.mark.slow
def test_simultaneous_answers_across_two_processes_one_wins_the_other_gets_409_issue_11(client, clock, pool):
    """accept+decline, decline+decline and accept+accept sent at the same moment to two service processes on
    one database: exactly one 201, the other 409; at most one Decline row; the panel keeps its size."""
    token = client.headers["Authorization"]
    views = [_panel(client, size=5, balance={}) for _ in range(2)]
    targets = [(views[0], views[0]["invitations"][n]) for n in range(3)]
    targets += [(views[1], views[1]["invitations"][n]) for n in range(3)]
    pairs = [("accept", "decline"), ("decline", "decline"), ("accept", "accept")] * 2
    env = {"FIXED_CLOCK": clock.now().isoformat()}
    with live_service(**env) as first, live_service(**env) as second:
        for (view, inv), (one, two) in zip(targets, pairs, strict=True):
            barrier = threading.Barrier(2)

            def send(args: tuple[str, str, int, threading.Barrier]) -> httpx.Response:
                base, kind, invitation_id, start = args
                start.wait()  # both requests leave at the same moment
                return httpx.post(f"{base}/api/v1/invitations/{invitation_id}/answer", json=ANSWERS[kind],
                                  headers={"Authorization": token}, timeout=60)

            with ThreadPoolExecutor(max_workers=2) as threads:
                jobs = [(first, one, inv["id"], barrier), (second, two, inv["id"], barrier)]
                responses = list(threads.map(send, jobs))
            codes = sorted(r.status_code for r in responses)
            assert codes == [201, 409], (one, two, [r.text for r in responses])
            winner = next(r for r in responses if r.status_code == 201).json()
            stored = client.get(f"{API}/panel-requests/{view['id']}").json()
            [status] = [i["status"] for i in stored["invitations"] if i["id"] == inv["id"]]
            assert status == winner["invitation"]["status"]
            assert len(_declines(inv["id"])) == (1 if status == "declined" else 0)
            live_members = [i for i in stored["invitations"] if i["status"] in ("pending", "accepted")]
            assert len(live_members) <= 5  # never 6 on a panel of 5
            if status == "accepted":  # no replacement was drawn for an accepted member
                assert not any(i["replaced_by"] for i in stored["invitations"] if i["id"] == inv["id"])


# --- submission dates are the server's ---------------------------------------------------------------------
def test_opinion_date_is_the_servers_and_cannot_be_typed_issue_11(client, clock, pool):
    view = _panel(client)
    inv = view["invitations"][0]
    expert = _token(client, "expert-b", "expert", expert_id=inv["subject"]["id"])
    accepted = client.post(f"{API}/invitations/{inv['id']}/answer", json={"accept": True}, headers=expert)
    assert accepted.status_code == 201
    clock.fixed = datetime(2026, 12, 10, 9, 0, tzinfo=timezone.utc)  # after the deadline (2026-12-03)
    typed = client.post(f"{API}/invitations/{inv['id']}/opinion", json={"submitted_on": "2026-12-01"}, headers=expert)
    assert typed.status_code == 400 and typed.json()["errors"][0]["field"] == "submitted_on"
    paper = client.post(f"{API}/invitations/{inv['id']}/paper-opinion",
                        json={"received_on": "2026-12-01", "reason": "我按时交了"}, headers=expert)
    assert paper.status_code == 403  # only the office records a paper opinion
    sent = client.post(f"{API}/invitations/{inv['id']}/opinion", json={}, headers=expert)
    assert sent.status_code == 201, sent.text
    assert sent.json()["opinion_submitted_on"] == "2026-12-10" and sent.json()["opinion"] == "late"


def test_office_records_a_paper_opinion_with_its_day_and_reason_on_the_record_issue_11(client, clock, pool):
    view = _panel(client)
    inv = view["invitations"][0]
    assert _answer(client, inv, accept=True).status_code == 201
    clock.fixed = datetime(2026, 12, 10, 9, 0, tzinfo=timezone.utc)
    url = f"{API}/invitations/{inv['id']}/paper-opinion"
    assert client.post(url, json={"received_on": "2026-12-02"}).status_code == 400  # the reason is required
    future = client.post(url, json={"received_on": "2026-12-11", "reason": "纸质意见"})
    assert future.status_code == 422 and future.json()["errors"][0]["field"] == "received_on"
    paper = client.post(url, json={"received_on": "2026-12-02", "reason": "专家12月2日当面递交纸质意见"})
    assert paper.status_code == 201 and paper.json()["opinion"] == "on_time"
    events = asyncio.run(AuditEvent.select().order_by(AuditEvent.seq).output(load_json=True).run())
    assert any(e["reason"] == "专家12月2日当面递交纸质意见" for e in events if "paper-opinion" in e["action"])


# --- ratings: the unit whose panel it was, once per accepted invitation (R-POOL-6) ------------------------------
def test_ratings_come_only_from_the_units_own_panel_once_per_accepted_invitation_R_POOL_6(client, pool):
    unit_id, unit = _unit(client, "市交通运输局")
    other_id, other = _unit(client, "市生态环境局")
    view = _panel(client, unit_id)
    accepted, pending = view["invitations"][:2]
    assert _answer(client, accepted, accept=True).status_code == 201
    url = f"{API}/invitations/{accepted['id']}/rating"
    score = {"participation": 4, "reliability": 5, "comment": "意见扎实"}
    assert client.post(url, json=score, headers=other).status_code == 403  # another unit's panel
    assert client.post(url, json=score).status_code == 403  # the office corrects, it does not rate
    in_its_name = client.post(url, json={**score, "unit_id": other_id}, headers=unit)
    assert in_its_name.status_code == 400 and in_its_name.json()["errors"][0]["field"] == "unit_id"
    unanswered = client.post(f"{API}/invitations/{pending['id']}/rating", json=score, headers=unit)
    assert unanswered.status_code == 409
    rated = client.post(url, json=score, headers=unit)
    assert rated.status_code == 201, rated.text
    body = rated.json()
    assert body["unit_id"] == unit_id and body["invitation_id"] == accepted["id"]
    assert body["rated_on"] == "2026-11-24"  # the server's day
    again = client.post(url, json={"participation": 1, "reliability": 1}, headers=unit)
    assert again.status_code == 409
    assert client.get(f"{API}/experts/{accepted['subject']['id']}/ratings").json()["total"] == 1


def test_forged_one_point_ratings_no_longer_propose_dismissal_R_POOL_6(client, pool):
    """The attack of the issue: a unit rates an expert it never worked with, twice, 1 point each, in any name.
    Every path is closed, and the review proposes no dismissal."""
    _, attacker = _unit(client, "某区住建局")
    victim = pool["experts"][6]["expert_id"]
    forged = {"unit_id": 1, "assignment_ref": "论证-x", "participation": 1, "reliability": 1, "rated_on": "2026-06-01"}
    for _ in range(2):
        assert client.post(f"{API}/experts/{victim}/ratings", json=forged, headers=attacker).status_code == 403
    view = _panel(client, size=10, balance={})  # someone else's panel with the victim on it
    [inv] = [i for i in view["invitations"] if i["subject"]["id"] == victim]
    assert _answer(client, inv, accept=True).status_code == 201
    for _ in range(2):
        assert client.post(f"{API}/invitations/{inv['id']}/rating", json={"participation": 1, "reliability": 1},
                           headers=attacker).status_code == 403
    review = _review(client, victim)
    assert review["figures"]["ratings"] == 0 and review["proposal"] != "dismiss"


def test_office_corrects_a_rating_with_a_reason_the_original_stays_and_the_review_uses_the_correction_R_POOL_6(
        client, pool):
    unit_id, unit = _unit(client, "市交通运输局")
    view = _panel(client, unit_id)
    inv = view["invitations"][0]
    expert_id = inv["subject"]["id"]
    assert _answer(client, inv, accept=True).status_code == 201
    rating = client.post(f"{API}/invitations/{inv['id']}/rating", json={"participation": 1, "reliability": 1},
                         headers=unit).json()
    url = f"{API}/ratings/{rating['id']}/correction"
    assert client.post(url, json={"participation": 4}).status_code == 400  # a correction needs its reason
    assert client.post(url, json={"participation": 4, "reason": "单位误填"}, headers=unit).status_code == 403
    corrected = client.post(url, json={"participation": 4, "reliability": 5, "reason": "承办单位来函：误填分数"})
    assert corrected.status_code == 201, corrected.text
    [shown] = client.get(f"{API}/experts/{expert_id}/ratings").json()["items"]
    assert (shown["participation"], shown["reliability"]) == (1, 1)  # the original stays visible
    assert shown["corrections"][0]["reason"] == "承办单位来函：误填分数" and shown["corrections"][0]["by"] == "office"
    figures = _review(client, expert_id)["figures"]
    assert figures["mean_participation"] == 4 and figures["mean_reliability"] == 5 and figures["corrected_ratings"] == 1


# --- R-COI-3 from the system's own panel records -------------------------------------------------------------
def test_argument_panel_member_is_barred_from_the_items_post_evaluation_with_the_panel_on_the_path_R_COI_3(
        client, pool):
    view = _panel(client, size=5, balance={})
    item = view["item"]
    member, declined, unanswered = view["invitations"][:3]
    assert _answer(client, member, accept=True).status_code == 201
    assert _answer(client, declined, accept=False, reason="出差").status_code == 201

    def check(subject_id: int, purpose: str = "post_evaluation") -> dict:
        response = client.get(f"{API}/items/{item['id']}/conflicts/expert/{subject_id}", params={"purpose": purpose})
        assert response.status_code == 200, response.text
        return response.json()

    barred = check(member["subject"]["id"])
    assert barred["status"] == "excluded"
    [conflict] = barred["conflicts"]
    assert conflict["rule_id"] == "R-COI-3"
    assert f"panel-request:{view['id']}" in conflict["explanation"]
    assert conflict["path"][0]["origin"] == f"panel:{view['panel']['id']}"
    assert check(member["subject"]["id"], "argument")["status"] == "clear"  # only post-evaluation is barred
    assert check(declined["subject"]["id"])["status"] == "clear"  # did not take part
    assert check(unanswered["subject"]["id"])["status"] == "clear"

    evaluation = post_request(client, item, purpose="post_evaluation", size=5, balance={})
    assert evaluation.status_code == 201, evaluation.text
    drawn = evaluation.json()
    assert member["subject"]["id"] not in [m["subject"]["id"] for m in drawn["panel"]["members"]]
    [excluded] = [e for e in exclusions_of(client, drawn) if e["subject"]["id"] == member["subject"]["id"]]
    assert excluded["stage"] == "conflict" and excluded["reasons"][0]["rule_id"] == "R-COI-3"
    assert f"panel-request:{view['id']}" in excluded["reasons"][0]["explanation"]


def test_risk_assessment_members_are_barred_but_post_evaluation_members_bar_nothing_R_COI_3(client, pool):
    item = make_item(client)
    risk = post_request(client, item, purpose="risk_assessment", size=5, balance={}).json()
    assert _answer(client, risk["invitations"][0], accept=True).status_code == 201
    assessed = risk["invitations"][0]["subject"]["id"]
    one = client.get(f"{API}/items/{item['id']}/conflicts/expert/{assessed}", params={"purpose": "post_evaluation"})
    assert one.json()["status"] == "excluded" and one.json()["conflicts"][0]["rule_id"] == "R-COI-3"

    other = make_item(client)
    evaluation = post_request(client, other, purpose="post_evaluation", size=5, balance={}).json()
    assert _answer(client, evaluation["invitations"][0], accept=True).status_code == 201
    relations = client.get(f"{API}/relations", params={"kind": "argued_before"}).json()["items"]
    assert [r["origin"] for r in relations] == [f"panel:{risk['panel']['id']}"]
