"""Panel requests through the API: size (R-PANEL-1), balance (R-PANEL-2), out-of-pool experts (R-PANEL-3),
working-day deadlines (R-PANEL-4), group leaders (R-PANEL-5), conflicts (R-COI-*), institutions for
evaluation (R-EVAL-1), invitations, declines (R-POOL-5), replacements and reproducible draws."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timezone

import pytest

from assignment.services import candidates as assignment_candidates
from core.settings import get_settings
from tests.api.test_conflicts_api import make_item, ref, relate
from tests.builders import create_institution
from tests.support.panels import exclusions_of, post_request

API = "/api/v1"


def member_ids(view) -> list[int]:
    return sorted(m["subject"]["id"] for m in view["panel"]["members"])


def test_balanced_panel_without_conflicted_or_ineligible_experts_R_PANEL_2_R_COI_1(client, pool):
    item = make_item(client)
    conflicted = pool["experts"][0]["expert_id"]
    relate(client, "interest_in", ref("expert", {"id": conflicted}), ref("item", item), role="applicant")
    response = post_request(client, item)
    assert response.status_code == 201, response.text
    view = response.json()
    members = member_ids(view)
    assert len(members) == 5 and conflicted not in members
    by_id = {e["expert_id"]: e for e in pool["experts"]}
    assert sum(by_id[m]["spec"].startswith("LAW") for m in members) >= 2
    assert len({by_id[m]["employer"] for m in members}) == 5  # one per employer
    sectors = [client.get(f"{API}/experts/{m}").json()["sector"] for m in members]
    assert max(sectors.count(s) for s in set(sectors)) <= 3  # a mix of sectors
    exclusions = {(e["subject"]["id"], e["stage"]): e for e in exclusions_of(client, view)}
    assert exclusions[(conflicted, "conflict")]["reasons"][0]["rule_id"] == "R-COI-1"
    assert (pool["outsider"]["id"], "registry") in exclusions  # no term, no letter
    assert view["panel"]["eligible"] == 9 and view["minimum_size"] == 5
    assert all(m["probability"] > 0 for m in view["panel"]["members"])
    assert len(view["invitations"]) == 5 and {i["status"] for i in view["invitations"]} == {"pending"}


def test_size_below_minimum_is_refused_R_PANEL_1(client, pool):
    plain = make_item(client)
    refused = post_request(client, plain, size=4)
    assert refused.status_code == 422
    assert refused.json()["errors"][0] == {"field": "size", "rule_id": "R-PANEL-1",
                                           "reason": "至少需要 5 名专家（专家论证一律如此）；本次请求 4 名"}
    hard = make_item(client, title="生活垃圾分类管理办法", controversial=True)
    refused = post_request(client, hard, size=5)
    assert refused.status_code == 422 and "至少需要 7 名" in refused.json()["errors"][0]["reason"]
    assert client.get(f"{API}/panel-requests").json()["total"] == 0  # nothing stored


def test_deadline_counts_chinese_working_days_R_PANEL_4(client, pool):
    item = make_item(client)
    early = post_request(client, item, handover_on="2026-09-28", deadline="2026-10-12")
    assert early.status_code == 422
    error = early.json()["errors"][0]
    assert error["field"] == "deadline" and error["rule_id"] == "R-PANEL-4"
    assert "最早的研究期限为 2026-10-13" in error["reason"]  # National Day and 调休 Saturday counted
    ok = post_request(client, item, handover_on="2026-09-28")
    assert ok.status_code == 201 and ok.json()["deadline"] == "2026-10-13"
    assert ok.json()["deadline_provisional"] is False


def test_infeasible_request_says_which_constraint_and_how_many_R_PANEL_2(client, pool):
    item = make_item(client)
    relate(client, "interest_in", ref("expert", {"id": pool["experts"][1]["expert_id"]}), ref("item", item))
    refused = post_request(client, item, balance={"min_per_specialty": {"LAW": 4}})
    assert refused.status_code == 422
    body = refused.json()
    [short] = body["shortfalls"]
    assert short["field"] == "min_per_specialty.LAW" and short["needed"] == 4 and short["eligible"] == 3
    assert "该专业因利益冲突排除 1 名" in short["message"]


def test_recorded_draw_reruns_to_the_same_panel_and_never_changes(client, pool):
    """The seed is the service's (R-PANEL-2): the record alone re-runs the draw to the same members."""
    item = make_item(client)
    first = post_request(client, item).json()
    panel_id = first["panel"]["id"]
    verified = client.get(f"{API}/panels/{panel_id}/verification").json()
    assert verified["candidates_hash_matches"] and verified["same_members"]
    probabilities = client.get(f"{API}/panels/{panel_id}/probabilities").json()
    assert len(probabilities) == 10 and sum(probabilities.values()) == pytest.approx(5)  # the outsider is not eligible


def test_dissenting_expert_is_included_R_PANEL_2(client, pool):
    dissenter = pool["experts"][7]["expert_id"]
    for _ in range(3):  # three items: one live draw per item and purpose (R-PANEL-2)
        view = post_request(client, make_item(client), balance={"dissenting_ids": [dissenter]}).json()
        assert dissenter in member_ids(view)
    none = post_request(client, make_item(client), balance={"dissenting_ids": [pool["outsider"]["id"]]}).json()
    assert "所列持不同意见的候选人均不符合入选条件" in none["panel"]["notes"]


def test_decline_counts_for_review_and_draws_a_constraint_keeping_replacement_R_POOL_5(client, pool):
    item = make_item(client)
    view = post_request(client, item).json()
    first_panel = view["panel"]
    lawyers = {e["expert_id"] for e in pool["experts"] if e["spec"].startswith("LAW")}
    lawyer_invites = [i for i in view["invitations"] if i["subject"]["id"] in lawyers]
    leaving = lawyer_invites[0]
    answer = client.post(f"{API}/invitations/{leaving['id']}/answer",
                         json={"accept": False, "reason": "出差"})
    assert answer.status_code == 201, answer.text
    result = answer.json()
    assert result["invitation"]["status"] == "declined" and result["replacement"] is not None
    new_panel = result["panel"]
    assert new_panel["supersedes"] == first_panel["id"] and "谢绝邀请：出差" in new_panel["change_reason"]
    members = sorted(m["subject"]["id"] for m in new_panel["members"])
    by_id = {e["expert_id"]: e for e in pool["experts"]}
    assert leaving["subject"]["id"] not in members and len(members) == 5
    assert sum(by_id[m]["spec"].startswith("LAW") for m in members) >= 2  # the quota still holds
    declines = client.get(f"{API}/experts/{leaving['subject']['id']}/declines").json()["items"]
    # the office judges the reason, not the expert (issue 11, R-POOL-5(3)): not judged yet
    assert declines[0]["good_reason"] is None and declines[0]["assignment_ref"] == f"panel-request:{view['id']}"
    # the issued record is unchanged; the history shows both
    assert client.get(f"{API}/panels/{first_panel['id']}").json()["members"] == first_panel["members"]
    assert [p["id"] for p in client.get(f"{API}/panel-requests/{view['id']}/panels").json()] == [
        first_panel["id"], new_panel["id"]]
    again = client.post(f"{API}/invitations/{leaving['id']}/answer", json={"accept": True})
    assert again.status_code == 409


def test_missed_answer_deadline_is_a_decline_with_replacement(client, clock, pool):
    item = make_item(client)
    view = post_request(client, item, answer_working_days=2).json()
    accepted = view["invitations"][0]
    client.post(f"{API}/invitations/{accepted['id']}/answer", json={"accept": True})
    clock.fixed = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)  # past the answer date (2026-11-26)
    expired = client.post(f"{API}/invitations/expire-overdue").json()
    assert len(expired) == 4 and {e["invitation"]["status"] for e in expired} == {"expired"}
    # only five members can be replaced from ten: four replacements while candidates last
    replaced = [e for e in expired if e["replacement"]]
    assert replaced and all(e["replacement"]["status"] == "pending" for e in replaced)


def test_opinions_on_time_late_missing_and_leader_report_R_PANEL_5(client, clock, pool):
    item = make_item(client)
    view = post_request(client, item, mode="group").json()
    leaders = [m for m in view["panel"]["members"] if m["leader"]]
    assert len(leaders) == 1 and sum(i["leader"] for i in view["invitations"]) == 1
    leader = next(i for i in view["invitations"] if i["leader"])
    a, b, c = [i for i in view["invitations"] if not i["leader"]][:3]
    for inv in (a, b, c, leader):  # the leader's report needs the leader to have accepted (R-PANEL-5)
        client.post(f"{API}/invitations/{inv['id']}/answer", json={"accept": True})
    clock.fixed = datetime(2026, 12, 2, 9, 0, tzinfo=timezone.utc)  # the server's date is the submission's
    on_time = client.post(f"{API}/invitations/{a['id']}/opinion", json={})
    assert on_time.json()["opinion"] == "on_time"
    clock.fixed = datetime(2026, 12, 10, 9, 0, tzinfo=timezone.utc)
    late = client.post(f"{API}/invitations/{b['id']}/opinion", json={})
    assert late.json()["opinion"] == "late"
    statuses = {i["id"]: i["opinion"] for i in client.get(f"{API}/panel-requests/{view['id']}").json()["invitations"]}
    assert statuses[c["id"]] == "missing"
    assert client.get(f"{API}/panel-requests/{view['id']}").json()["leader_report"] == "missing"
    report = client.post(f"{API}/panel-requests/{view['id']}/paper-leader-report",
                         json={"received_on": "2026-12-03", "reason": "组长报告12月3日纸质送达"})
    assert report.status_code == 201 and report.json()["leader_report"] == "on_time"
    meeting = post_request(client, make_item(client)).json()
    assert client.post(f"{API}/panel-requests/{meeting['id']}/leader-report", json={}).status_code == 409


def test_out_of_pool_expert_with_reason_passes_the_same_check_R_PANEL_3(client, pool):
    item = make_item(client)
    outsider = pool["outsider"]["id"]
    out_of_pool = [{"expert_id": outsider, "reason": "轨道交通票价专门问题，库内无此领域专家"}]
    view = post_request(client, item, out_of_pool=out_of_pool).json()
    extra = [m for m in view["panel"]["members"] if m["subject"]["id"] == outsider]
    assert extra and extra[0]["out_of_pool_reason"].startswith("轨道交通") and extra[0]["probability"] is None
    other = make_item(client)  # one live draw per item and purpose (R-PANEL-2)
    relate(client, "interest_in", ref("expert", {"id": outsider}), ref("item", other))
    refused = post_request(client, other, out_of_pool=[{"expert_id": outsider, "reason": "专门问题"}])
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "out_of_pool[0].expert_id"
    assert refused.json()["errors"][0]["rule_id"] == "R-COI-1"


def test_workload_cap_excludes_busy_experts(client, pool, monkeypatch):
    capped = dataclasses.replace(get_settings(), max_active_panels=1)
    monkeypatch.setattr(assignment_candidates, "get_settings", lambda: capped)
    item = make_item(client)
    first = post_request(client, item, size=5, balance={}).json()
    second = post_request(client, make_item(client), size=6, balance={})
    assert second.status_code == 422  # ten eligible, five busy: five left for six seats
    assert "已达工作量上限 5 名" in second.json()["shortfalls"][0]["message"]
    assert len(member_ids(first)) == 5


def test_institutions_for_risk_assessment_respect_independence_R_COI_4_R_EVAL_1(client):
    item = make_item(client)
    firms = []
    for n in range(4):
        firm = create_institution(client, name=f"评估机构{n}", kind="consultancy")
        admitted = client.post(f"{API}/institutions/{firm['id']}/evaluator-pool", json={
            "has_facilities": True, "staff_competences": ["law", "policy", "administration", "evaluation_methods"]})
        assert admitted.status_code == 201, admitted.text
        firms.append(firm)
    owner = create_institution(client, name="某交通投资集团", kind="enterprise")
    relate(client, "interest_in", ref("institution", owner), ref("item", item))
    relate(client, "controlled_by", ref("institution", firms[0]), ref("institution", owner))
    relate(client, "argued_before", ref("institution", firms[1]), ref("item", item))
    view = post_request(client, item, subject_kind="institution", purpose="post_evaluation", size=1, balance={}).json()
    [member] = view["panel"]["members"]
    assert member["subject"]["kind"] == "institution" and member["subject"]["id"] in (firms[2]["id"], firms[3]["id"])
    reasons = {e["subject"]["id"]: e["reasons"][0]["rule_id"] for e in exclusions_of(client, view)}
    assert reasons[firms[0]["id"]] == "R-COI-4" and reasons[firms[1]["id"]] == "R-COI-3"
    assert member["probability"] == pytest.approx(0.5)


def test_bad_requests_name_the_field(client, pool):
    item = make_item(client)
    cases = [({"balance": {"min_per_specialty": {"NOPE": 1}}}, "balance.min_per_specialty"),
             ({"balance": {"dissenting_ids": [424242]}}, "balance.dissenting_ids[0]"),
             ({"out_of_pool": [{"expert_id": 424242, "reason": "特殊"}]}, "out_of_pool[0].expert_id"),
             ({"item_id": 424242}, "item_id")]
    for overrides, field in cases:
        response = post_request(client, item, **overrides)
        assert response.status_code in (404, 422), response.text
        assert response.json()["errors"][0]["field"].startswith(field)
    wrong_mode = post_request(client, item, mode="party")
    assert wrong_mode.status_code == 400 and wrong_mode.json()["errors"][0]["field"] == "mode"


def test_recheck_after_the_draw_finds_new_conflicts(client, pool):
    item = make_item(client)
    view = post_request(client, item).json()
    member = view["panel"]["members"][0]["subject"]["id"]
    assert client.get(f"{API}/panel-requests/{view['id']}/conflict-recheck").json()["conflicts"] == []
    relate(client, "interest_in", ref("expert", {"id": member}), ref("item", item))
    recheck = client.get(f"{API}/panel-requests/{view['id']}/conflict-recheck").json()
    assert [(c["subject"]["id"], c["rule_id"]) for c in recheck["conflicts"]] == [(member, "R-COI-1")]


def test_participation_feeds_the_annual_review_R_POOL_6(client, clock, pool):
    item = make_item(client)
    view = post_request(client, item).json()
    accepted, declined = view["invitations"][0], view["invitations"][1]
    client.post(f"{API}/invitations/{accepted['id']}/answer", json={"accept": True})
    client.post(f"{API}/invitations/{declined['id']}/answer",
                json={"accept": False, "reason": "身体原因"})
    judged = client.post(f"{API}/invitations/{declined['id']}/decline-judgement", json={"good_reason": True})
    assert judged.status_code == 201, judged.text
    clock.fixed = datetime(2026, 12, 20, 9, 0, tzinfo=timezone.utc)
    client.post(f"{API}/invitations/{accepted['id']}/opinion", json={})
    review = client.post(f"{API}/experts/{accepted['subject']['id']}/annual-reviews",
                         json={"year": 2026, "review_date": "2026-12-20"})
    assert review.status_code == 201, review.text
    figures = review.json()["figures"]
    assert figures["invitations"] == 1 and figures["accepted"] == 1 and figures["opinions_late"] == 1
    other = client.post(f"{API}/experts/{declined['subject']['id']}/annual-reviews",
                        json={"year": 2026, "review_date": "2026-12-20"}).json()["figures"]
    assert other["declined"] == 1 and other["declines_with_good_reason"] == 1


def test_panel_api_is_in_the_openapi_document(client):
    paths = client.get("/schema/openapi.json").json()["paths"]
    for path in ("/api/v1/panel-requests", "/api/v1/panel-requests/{request_id}",
                 "/api/v1/panels/{panel_id}/verification", "/api/v1/panels/{panel_id}/probabilities",
                 "/api/v1/invitations/{invitation_id}/answer", "/api/v1/invitations/expire-overdue",
                 "/api/v1/items/{item_id}/conflicts", "/api/v1/conflict-policy"):
        assert path in paths, path
