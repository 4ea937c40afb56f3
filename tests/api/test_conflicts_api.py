"""Conflict checking through the API: rule ids R-COI-1..5 and R-DUTY-2..3 on records entered as a user
would, free-text names, the confirmation queue, dismissals, the policy, and the graph's rebuild."""

from __future__ import annotations

import asyncio

from litestar.testing import TestClient

from app import create_app
from conflicts.live import LiveGraph
from tests.builders import create_institution, expert_payload

API = "/api/v1"


def make_item(client, **overrides) -> dict:
    body = {"title": "城市轨道交通票价调整方案", "opened_on": "2026-10-01"}
    body.update(overrides)
    response = client.post(f"{API}/items", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def make_expert(client, **overrides) -> dict:
    response = client.post(f"{API}/experts", json=expert_payload(**overrides))
    assert response.status_code == 201, response.text
    return response.json()


def relate(client, kind, source, target=None, target_text=None, **extra) -> dict:
    body = {"kind": kind, "source": source, "entered_by": "政策法规处", **extra}
    if target is not None:
        body["target"] = target
    if target_text is not None:
        body["target_text"] = target_text
    response = client.post(f"{API}/relations", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def ref(kind, row) -> dict:
    return {"kind": kind, "id": row["id"]}


def conflicts_of(client, item, purpose="argument", **params) -> dict:
    response = client.get(f"{API}/items/{item['id']}/conflicts", params={"purpose": purpose, **params})
    assert response.status_code == 200, response.text
    return response.json()


def by_subject(check: dict) -> dict:
    return {(c["subject"]["kind"], c["subject"]["id"]): c for c in check["conflicts"]}


def employed(at: dict, start="2015-01-01", end=None) -> list[dict]:
    return [{"employer_name": at["name"], "institution_id": at["id"], "start": start, "end": end}]


def test_employer_interest_excludes_staff_with_path_R_COI_2(client):
    zju = create_institution(client, name="浙江大学")
    item = make_item(client)
    zhang = make_expert(client, name="张三", employments=employed(zju))
    other = make_expert(client, name="李四")
    relate(client, "interest_in", ref("institution", zju), ref("item", item), role="applicant")

    check = conflicts_of(client, item)
    conflict = by_subject(check)[("expert", zhang["id"])]
    assert conflict["rule_id"] == "R-COI-2" and conflict["status"] == "excluded"
    assert conflict["explanation"] == "张三 —任职于→ 浙江大学 —利害关系→ 城市轨道交通票价调整方案"
    assert [h["kind"] for h in conflict["path"]] == ["employed_by", "interest_in"]
    assert conflict["policy_version"] == check["policy_version"] == 1
    # the institution itself has the direct interest (R-COI-1)
    assert by_subject(check)[("institution", zju["id"])]["rule_id"] == "R-COI-1"

    one = client.get(f"{API}/items/{item['id']}/conflicts/expert/{other['id']}", params={"purpose": "argument"}).json()
    assert one["clear"] is True and one["status"] == "clear" and one["conflicts"] == []
    one = client.get(f"{API}/items/{item['id']}/conflicts/expert/{zhang['id']}", params={"purpose": "argument"}).json()
    assert one["status"] == "excluded" and one["conflicts"][0]["rule_id"] == "R-COI-2"


def test_new_employment_updates_the_graph_at_once_R_COI_2(client):
    zju = create_institution(client, name="浙江大学")
    item = make_item(client)
    wang = make_expert(client, name="王五")
    relate(client, "interest_in", ref("institution", zju), ref("item", item))
    assert ("expert", wang["id"]) not in by_subject(conflicts_of(client, item))
    response = client.post(f"{API}/experts/{wang['id']}/employments",
                           json={"employer_name": "浙江大学", "institution_id": zju["id"], "start": "2020-09-01"})
    assert response.status_code == 201
    assert by_subject(conflicts_of(client, item))[("expert", wang["id"])]["rule_id"] == "R-COI-2"


def test_traditional_characters_link_surely_R_COI_2(client):
    zju = create_institution(client, name="浙江大学", aliases=["浙大"])
    item = make_item(client)
    relate(client, "interest_in", ref("institution", zju), ref("item", item))
    zhao = make_expert(client, name="趙六", employments=[{"employer_name": "浙江大學", "start": "2010-01-01"}])
    assert zhao["employments"][0]["institution_id"] == zju["id"]  # linked without asking anyone
    conflict = by_subject(conflicts_of(client, item))[("expert", zhao["id"])]
    assert conflict["status"] == "excluded"
    assert conflict["explanation"] == "趙六 —任职于→ 浙江大学 —利害关系→ 城市轨道交通票价调整方案"


def test_unsure_employer_is_a_possible_conflict_until_confirmed_R_COI_2(client):
    zjut = create_institution(client, name="浙江工业大学", aliases=["浙工大"])
    item = make_item(client)
    relate(client, "interest_in", ref("institution", zjut), ref("item", item))
    qian = make_expert(client, name="钱七", employments=[{"employer_name": "浙江工大", "start": "2012-01-01"}])
    assert qian["employments"][0]["institution_id"] is None

    [task] = client.get(f"{API}/name-matches", params={"status": "open"}).json()["items"]
    assert task["text"] == "浙江工大" and task["candidates"][0]["institution_id"] == zjut["id"]
    conflict = by_subject(conflicts_of(client, item))[("expert", qian["id"])]
    assert conflict["status"] == "possible"  # reported, not passed silently
    assert "（待确认）" in conflict["explanation"]
    one = client.get(f"{API}/items/{item['id']}/conflicts/expert/{qian['id']}", params={"purpose": "argument"}).json()
    assert one["status"] == "possible" and one["clear"] is False

    confirmed = client.post(f"{API}/name-matches/{task['id']}/confirmation",
                            json={"institution_id": zjut["id"], "by": "政策法规处 王科长"})
    assert confirmed.status_code == 201 and confirmed.json()["status"] == "confirmed"
    assert by_subject(conflicts_of(client, item))[("expert", qian["id"])]["status"] == "excluded"
    assert client.get(f"{API}/experts/{qian['id']}").json()["employments"][0]["institution_id"] == zjut["id"]
    again = client.post(f"{API}/name-matches/{task['id']}/rejection", json={"by": "x", "note": "不是这个单位"})
    assert again.status_code == 409


def test_rejected_match_leaves_the_name_unlinked_and_clear_R_COI_2(client):
    zjut = create_institution(client, name="浙江工业大学")
    item = make_item(client)
    relate(client, "interest_in", ref("institution", zjut), ref("item", item))
    sun = make_expert(client, name="孙八",
                      employments=[{"employer_name": "浙江工业大学之江学院", "start": "2012-01-01"}])
    [task] = client.get(f"{API}/name-matches", params={"status": "open"}).json()["items"]
    rejected = client.post(f"{API}/name-matches/{task['id']}/rejection",
                           json={"by": "政策法规处", "note": "之江学院已独立设置，不是浙江工业大学"})
    assert rejected.status_code == 201 and rejected.json()["status"] == "rejected"
    assert ("expert", sun["id"]) not in by_subject(conflicts_of(client, item))
    detail = client.get(f"{API}/experts/{sun['id']}").json()
    assert detail["employments"][0]["employer_name"] == "浙江工业大学之江学院"  # kept as typed


def test_declared_relative_with_interest_R_DUTY_2(client):
    item = make_item(client)
    husband = make_expert(client, name="周九")
    wife = make_expert(client, name="吴十")
    declared = client.post(f"{API}/experts/{husband['id']}/declarations",
                           json={"kind": "relative_of", "target": ref("expert", wife), "role": "spouse"})
    assert declared.status_code == 201, declared.text
    assert declared.json()["origin"] == "declaration"
    relate(client, "interest_in", ref("expert", wife), ref("item", item), role="beneficiary")
    check = by_subject(conflicts_of(client, item))
    assert check[("expert", husband["id"])]["rule_id"] == "R-DUTY-2"
    assert check[("expert", husband["id"])]["explanation"] == "周九 —亲属→ 吴十 —利害关系→ 城市轨道交通票价调整方案"
    assert check[("expert", wife["id"])]["rule_id"] == "R-COI-1"
    listed = client.get(f"{API}/experts/{husband['id']}/declarations").json()
    assert [d["kind"] for d in listed["items"]] == ["relative_of"] and listed["total"] == 1


def test_coauthor_counts_only_within_window_R_DUTY_2(client):
    item = make_item(client)
    a, b, c = (make_expert(client) for _ in range(3))
    relate(client, "interest_in", ref("expert", a), ref("item", item))
    recent = relate(client, "co_worked", ref("expert", b), ref("expert", a), start="2021-01-01", end="2024-06-30")
    relate(client, "co_worked", ref("expert", c), ref("expert", a), start="2012-01-01", end="2018-06-30")
    found = by_subject(conflicts_of(client, item))
    assert found[("expert", b["id"])]["rule_id"] == "R-DUTY-2"
    assert ("expert", c["id"]) not in found  # ended long ago: outside the three-year window
    # the office records an earlier end: now outside the window too
    ended = client.post(f"{API}/relations/{recent['id']}/end", json={"end": "2023-01-31", "entered_by": "政策法规处"})
    assert ended.status_code == 201
    assert ("expert", b["id"]) not in by_subject(conflicts_of(client, item))


def test_legal_adviser_of_interested_firm_R_DUTY_3(client):
    firm = create_institution(client, name="某某置业有限公司", kind="enterprise")
    item = make_item(client)
    lawyer = make_expert(client, name="郑律师")
    relate(client, "interest_in", ref("institution", firm), ref("item", item), role="regulated_party")
    relate(client, "adviser_of", ref("expert", lawyer), target_text="某某置业有限责任公司", start="2024-01-01")
    conflict = by_subject(conflicts_of(client, item))[("expert", lawyer["id"])]
    assert conflict["rule_id"] == "R-DUTY-3"
    assert conflict["explanation"] == "郑律师 —担任顾问→ 某某置业有限公司 —利害关系→ 城市轨道交通票价调整方案"


def test_pre_decision_argument_bars_post_evaluation_only_R_COI_3(client):
    institute = create_institution(client, name="省发展规划研究院", kind="research_institute")
    staff = make_expert(client, employments=employed(institute))
    item = make_item(client)
    relate(client, "argued_before", ref("institution", institute), ref("item", item))
    post = by_subject(conflicts_of(client, item, "post_evaluation"))
    assert post[("institution", institute["id"])]["rule_id"] == "R-COI-3"
    assert post[("expert", staff["id"])]["rule_id"] == "R-COI-3"
    assert by_subject(conflicts_of(client, item, "argument")) == {}


def test_evaluator_funded_by_interested_party_is_not_independent_R_COI_4(client):
    evaluator = create_institution(client, name="之江评估咨询有限公司", kind="consultancy")
    funder = create_institution(client, name="某交通投资集团有限公司", kind="enterprise")
    item = make_item(client)
    relate(client, "interest_in", ref("institution", funder), ref("item", item), role="contractor")
    relate(client, "funded_by", ref("institution", evaluator), ref("institution", funder))
    risk = by_subject(conflicts_of(client, item, "risk_assessment"))
    assert risk[("institution", evaluator["id"])]["rule_id"] == "R-COI-4"
    assert ("institution", evaluator["id"]) not in by_subject(conflicts_of(client, item, "argument"))


def test_commission_subcontracting_and_hired_experts_R_COI_5(client):
    evaluator = create_institution(client, name="之江评估咨询有限公司", kind="consultancy")
    helper = create_institution(client, name="钱塘数据服务有限公司", kind="enterprise")
    item = make_item(client)
    hired = make_expert(client, name="冯十一")
    clean = make_expert(client, name="陈十二")
    relate(client, "interest_in", ref("expert", hired), ref("item", item))
    body = {"institution_id": evaluator["id"], "purpose": "post_evaluation",
            "hired_expert_ids": [hired["id"], clean["id"]],
            "subcontractors": [{"institution_id": helper["id"], "consent_given": False}]}
    result = client.post(f"{API}/items/{item['id']}/commission-checks", json=body).json()
    assert result["clear"] is False
    assert [(f["field"], f["rule_id"]) for f in result["findings"]] == [("subcontractors[0].consent_given", "R-COI-5")]
    assert {(c["subject"]["id"], c["rule_id"]) for c in result["conflicts"]} == {(hired["id"], "R-COI-1")}
    body.update(hired_expert_ids=[clean["id"]],
                subcontractors=[{"institution_id": helper["id"], "consent_given": True}])
    assert client.post(f"{API}/items/{item['id']}/commission-checks", json=body).json()["clear"] is True
    body["hired_expert_ids"] = [999999]
    refused = client.post(f"{API}/items/{item['id']}/commission-checks", json=body)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "hired_expert_ids[0]"


def test_dismissal_of_a_false_positive_is_shown_and_reversible_R_COI_1(client):
    item = make_item(client)
    namesake = make_expert(client, name="刘洋")
    relate(client, "interest_in", ref("expert", namesake), ref("item", item), detail="申请人名单中的刘洋")
    body = {"subject_kind": "expert", "subject_id": namesake["id"], "rule_name": "direct_interest",
            "reason": "申请人刘洋为同名的另一人（身份证号不同）", "by": "政策法规处 王科长"}
    dismissed = client.post(f"{API}/items/{item['id']}/conflict-dismissals", json=body)
    assert dismissed.status_code == 201, dismissed.text
    conflict = by_subject(conflicts_of(client, item))[("expert", namesake["id"])]
    assert conflict["status"] == "dismissed"
    assert conflict["dismissal"]["reason"].startswith("申请人刘洋为同名")
    assert conflict["dismissal"]["dismissed_by"] == "office"  # the login, not the name sent (issue 13)
    assert "请求中填写的经办人：政策法规处 王科长" in conflict["dismissal"]["reason"]
    assert conflict["explanation"] == "刘洋 —利害关系→ 城市轨道交通票价调整方案"  # the path stays beside it
    assert client.post(f"{API}/items/{item['id']}/conflict-dismissals", json=body).status_code == 409

    reversed_ = client.post(f"{API}/conflict-dismissals/{dismissed.json()['id']}/reversal",
                            json={"reason": "核实后确为本人", "by": "政策法规处 李处长"})
    assert reversed_.status_code == 201 and reversed_.json()["active"] is False
    assert by_subject(conflicts_of(client, item))[("expert", namesake["id"])]["status"] == "excluded"
    history = client.get(f"{API}/items/{item['id']}/conflict-dismissals").json()
    assert history["total"] == 1 and history["items"][0]["reversed_by"] == "office"
    wrong = dict(body, rule_name="employer_interest")
    assert client.post(f"{API}/items/{item['id']}/conflict-dismissals", json=wrong).status_code == 409


def test_policy_change_changes_results_and_is_versioned_R_COI_2(client):
    zju = create_institution(client, name="浙江大学")
    law = create_institution(client, name="浙江大学光华法学院", parent_id=zju["id"])
    staff = make_expert(client, name="黄教授", employments=employed(zju))
    item = make_item(client)
    relate(client, "interest_in", ref("institution", law), ref("item", item))
    conflict = by_subject(conflicts_of(client, item))[("expert", staff["id"])]
    assert conflict["explanation"] == ("黄教授 —任职于→ 浙江大学 ←隶属— 浙江大学光华法学院 "
                                       "—利害关系→ 城市轨道交通票价调整方案")

    changed = client.put(f"{API}/conflict-policy",
                         json={"hierarchy_hops": 0, "reason": "本单位仅指直接任职单位", "by": "处长"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["version"] == 2
    check = conflicts_of(client, item)
    assert check["policy_version"] == 2 and ("expert", staff["id"]) not in by_subject(check)

    # a shorter window for past employers, sent as full rules
    rules = client.get(f"{API}/conflict-policy").json()["rules"]
    assert [v["version"] for v in client.get(f"{API}/conflict-policy/versions").json()["items"]] == [1, 2]
    for rule in rules:
        if rule["name"] == "employer_interest":
            rule["steps"][0]["lookback_days"] = 30
    changed = client.put(f"{API}/conflict-policy", json={"rules": rules, "reason": "窗口改为30天", "by": "处长"})
    assert changed.json()["version"] == 3


def test_bad_policies_get_422_with_the_field(client):
    rules = client.get(f"{API}/conflict-policy").json()["rules"]
    rules[1]["steps"][0]["kinds"] = ["employed_by", "friend_of"]
    rules[2]["steps"][0]["max_repeat"] = -1
    refused = client.put(f"{API}/conflict-policy", json={"rules": rules, "reason": "试一下", "by": "处长"})
    assert refused.status_code == 422
    assert {e["field"] for e in refused.json()["errors"]} == {"rules[1].steps[0].kinds", "rules[2].steps[0].max_repeat"}
    negative = client.put(f"{API}/conflict-policy", json={"hierarchy_hops": -1, "reason": "试一下", "by": "处长"})
    assert negative.status_code == 422 and negative.json()["errors"][0]["field"] == "hierarchy_hops"
    assert client.get(f"{API}/conflict-policy").json()["version"] == 1  # nothing stored


def test_bad_relations_are_refused_whole_with_fields(client):
    item = make_item(client)
    expert = make_expert(client)
    zju = create_institution(client, name="浙江大学")
    cases = [
        ({"kind": "interest_in", "source": ref("expert", expert), "target": ref("institution", zju)}, "target.kind"),
        ({"kind": "adviser_of", "source": ref("expert", expert), "target": ref("institution", zju),
          "target_text": "浙大"}, "target"),
        ({"kind": "relative_of", "source": ref("expert", expert), "target": {"kind": "expert", "id": 424242}},
         "target.id"),
        ({"kind": "interest_in", "source": ref("expert", expert), "target": ref("item", item), "role": "friend"},
         "role"),
        ({"kind": "co_worked", "source": ref("expert", expert), "target_text": "张三"}, "target_text"),
    ]
    for body, field in cases:
        response = client.post(f"{API}/relations", json={**body, "entered_by": "处"})
        assert response.status_code == 422, (body, response.text)
        assert response.json()["errors"][0]["field"] == field
    good = {"kind": "interest_in", "source": ref("expert", expert), "target": ref("item", item), "entered_by": "处"}
    bad = {"kind": "funded_by", "source": ref("expert", expert), "target": ref("institution", zju), "entered_by": "处"}
    refused = client.post(f"{API}/relations/import", json={"relations": [good, bad]})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "relations[1].source.kind"
    assert client.get(f"{API}/relations").json()["items"] == []  # the good one was not stored either
    unknown = client.post(f"{API}/relations", json={**good, "kind": "friend_of"})
    assert unknown.status_code == 400 and unknown.json()["errors"][0]["field"] == "kind"
    imported = client.post(f"{API}/relations/import", json={"relations": [good]})
    assert imported.status_code == 201 and imported.json()[0]["origin"] == "import"


def test_withdrawn_relation_no_longer_excludes_but_is_kept(client):
    item = make_item(client)
    expert = make_expert(client)
    wrong = relate(client, "interest_in", ref("expert", expert), ref("item", item))
    assert ("expert", expert["id"]) in by_subject(conflicts_of(client, item))
    response = client.post(f"{API}/relations/{wrong['id']}/withdrawal",
                           json={"reason": "录入错误：应为另一事项", "entered_by": "处"})
    assert response.status_code == 201 and response.json()["withdrawn_at"] is not None
    assert conflicts_of(client, item)["conflicts"] == []
    assert [r["id"] for r in client.get(f"{API}/relations").json()["items"]] == [wrong["id"]]


def test_graph_rebuilds_at_start_up_and_follows_other_processes(client, clock):
    zju = create_institution(client, name="浙江大学")
    item = make_item(client)
    staff = make_expert(client, name="何教授", employments=employed(zju))
    relate(client, "interest_in", ref("institution", zju), ref("item", item))
    before = conflicts_of(client, item)

    # a second process: built from the database at start-up, it gives the same answer
    with TestClient(create_app(clock=clock, migrate_on_start=False)) as second:
        second.headers.update(client.headers)  # the same login
        assert conflicts_of(second, item) == before

    # a process that loaded earlier picks up writes made by another one through the change log
    other = LiveGraph()
    asyncio.run(other.load())
    edges = len(other.graph)
    later = make_expert(client, name="吕教授", employments=employed(zju))
    asyncio.run(other.sync())
    assert len(other.graph) == edges + 1
    assert other.graph.name(("expert", later["id"])) == "吕教授"
    assert staff["id"] != later["id"]


def test_conflict_writes_reach_another_process_through_the_change_log(client):
    """Relations entered, ended and withdrawn, a name match decided and a policy changed are each
    logged by the bus handler in the writer's transaction; a graph loaded earlier follows them."""
    zjut = create_institution(client, name="浙江工业大学", aliases=["浙工大"])
    item = make_item(client)
    expert = make_expert(client, name="许教授")
    other = LiveGraph()
    asyncio.run(other.load())
    interest = relate(client, "interest_in", ref("institution", zjut), ref("item", item))
    unsure = relate(client, "adviser_of", ref("expert", expert), target_text="浙江工大", start="2024-01-01")
    assert unsure["match"]["status"] == "unsure" and unsure["target"]["id"] == zjut["id"]
    asyncio.run(other.sync())
    assert other.edge(f"relation:{interest['id']}") is not None
    assert other.edge(f"relation:{unsure['id']}").confirmed is False

    ended = client.post(f"{API}/relations/{interest['id']}/end", json={"end": "2026-01-31", "entered_by": "处"})
    assert ended.status_code == 201, ended.text
    asyncio.run(other.sync())
    assert other.edge(f"relation:{interest['id']}").end.isoformat() == "2026-01-31"
    withdrawn = client.post(f"{API}/relations/{interest['id']}/withdrawal",
                            json={"reason": "录入错误", "entered_by": "处"})
    assert withdrawn.status_code == 201, withdrawn.text
    asyncio.run(other.sync())
    assert other.edge(f"relation:{interest['id']}") is None

    rejected = client.post(f"{API}/name-matches/{unsure['match']['task_id']}/rejection",
                           json={"by": "政策法规处", "note": "不是这所学校"})
    assert rejected.status_code == 201, rejected.text
    asyncio.run(other.sync())
    assert other.edge(f"relation:{unsure['id']}") is None

    changed = client.put(f"{API}/conflict-policy", json={"hierarchy_hops": 0, "reason": "仅直接任职单位", "by": "处长"})
    assert changed.status_code == 200, changed.text
    asyncio.run(other.sync())
    assert (other.policy.version, other.policy.hierarchy_hops) == (2, 0)


def test_duplicates_are_flagged_on_entry(client):
    first = create_institution(client, name="浙江大学")
    second = create_institution(client, name="浙江大學")
    assert second["possible_duplicate_ids"] == [first["id"]]
    a = make_expert(client, name="张伟", email="zhangwei@zju.edu.cn")
    b = make_expert(client, name="張偉", email="zhangwei@zju.edu.cn")
    assert b["possible_duplicate_ids"] == [a["id"]]
    [flag] = client.get(f"{API}/possible-duplicates", params={"kind": "expert"}).json()["items"]
    decided = client.post(f"{API}/possible-duplicates/{flag['id']}/decision",
                          json={"status": "distinct", "by": "政策法规处", "note": "两人，共用课题组邮箱"})
    assert decided.status_code == 201 and decided.json()["status"] == "distinct"
    assert client.get(f"{API}/experts/{b['id']}").json()["possible_duplicate_ids"] == []
    scan = client.post(f"{API}/possible-duplicates/scan").json()
    assert scan["experts_scanned"] == 2 and scan["new_flags"] == 0  # known pairs are not flagged twice


def test_a_dismissal_and_its_reversal_are_recorded_with_their_rows_and_race_to_one_R_REC_2(client):
    """A dismissal decides that a person is no longer excluded: it and its reversal are written in a unit of work
    with their record (the row's digest in the event, "atomic"), and two offices dismissing the same conflict at
    once write one dismissal (the other is told it exists)."""
    import concurrent.futures

    item = make_item(client)
    namesake = make_expert(client, name="刘海")
    relate(client, "interest_in", ref("expert", namesake), ref("item", item), detail="同名")
    body = {"subject_kind": "expert", "subject_id": namesake["id"], "rule_name": "direct_interest",
            "reason": "申请人刘海为同名的另一人（身份证号不同）"}
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda _: client.post(f"{API}/items/{item['id']}/conflict-dismissals", json=body),
                                range(2)))
    assert sorted(a.status_code for a in answers) == [201, 409]
    dismissal = next(a.json() for a in answers if a.status_code == 201)
    assert client.get(f"{API}/items/{item['id']}/conflict-dismissals").json()["total"] == 1
    client.post(f"{API}/conflict-dismissals/{dismissal['id']}/reversal", json={"reason": "核实后确为本人"})
    log = client.get(f"{API}/audit/events", params={"limit": 500}).json()["items"]
    written = [e for e in log if e["action"].startswith("POST") and "conflict-dismissal" in e["action"]]
    assert len(written) == 2 and all(e["data"].get("atomic", True) for e in written)
    assert all(f"conflict_dismissal:{dismissal['id']}" in e["data"]["rows"] for e in written)
    assert client.get(f"{API}/audit/verification").json()["ok"] is True
