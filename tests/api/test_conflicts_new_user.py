"""Issue 13, conflicts as a new user meets them: the hierarchy switched off and on again, weak name guesses
that must not block, names matched again when their institution is registered or renamed, relatives' own
interests (R-DUTY-2) through people who are not experts, and a drafting unit entering the interested
parties of its own items."""

from __future__ import annotations

import asyncio

from conflicts.tables import Person
from tests.api.test_conflicts_api import by_subject, conflicts_of, employed, make_expert, make_item, ref, relate
from tests.builders import citizen_id, create_institution
from tests.support.app import add_account, login

API = "/api/v1"


def status_of(client, item, expert) -> str:
    response = client.get(f"{API}/items/{item['id']}/conflicts/expert/{expert['id']}", params={"purpose": "argument"})
    assert response.status_code == 200, response.text
    return response.json()["status"]


def set_hops(client, hops: int) -> dict:
    changed = client.put(f"{API}/conflict-policy", json={"hierarchy_hops": hops, "reason": f"层级调整为 {hops}"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["hierarchy_hops"] == hops and changed.json()["changed_by"] == "office"
    return changed.json()


def test_hierarchy_hops_zero_can_be_undone_R_COI_2(client):
    uni = create_institution(client, name="浙江大学")
    college = create_institution(client, name="浙江大学光华法学院", parent_id=uni["id"])
    lab = create_institution(client, name="光华法学院数据法治研究所", parent_id=college["id"])
    at_college = make_expert(client, name="黄教授", employments=employed(college))
    at_lab = make_expert(client, name="陆研究员", employments=employed(lab))
    item = make_item(client)
    relate(client, "interest_in", ref("institution", uni), ref("item", item))
    seen = []
    for hops in (0, 1, 2, 0, 1):
        set_hops(client, hops)
        seen.append((status_of(client, item, at_college), status_of(client, item, at_lab)))
    assert seen == [("clear", "clear"), ("excluded", "clear"), ("excluded", "excluded"), ("clear", "clear"),
                    ("excluded", "clear")]
    versions = client.get(f"{API}/conflict-policy/versions", params={"limit": 2}).json()
    assert versions["total"] == 6 and len(versions["items"]) == 2 and versions["limit"] == 2


def test_a_weak_guess_does_not_block_and_waits_as_unmatched(client):
    fujian = create_institution(client, name="福建科技大学")
    item = make_item(client)
    relate(client, "interest_in", ref("institution", fujian), ref("item", item))
    expert = make_expert(client, name="郑老师", employments=[{"employer_name": "浙江大学", "start": "2012-01-01"}])
    assert status_of(client, item, expert) == "clear"  # a score-40 guess is no possible conflict
    [task] = client.get(f"{API}/name-matches", params={"status": "open"}).json()["items"]
    assert task["text"] == "浙江大学" and task["candidates"][0]["score"] < 75  # a suggestion only
    declared = client.post(f"{API}/experts/{expert['id']}/declarations",
                           json={"kind": "adviser_of", "target_text": "浙江大学"})
    assert declared.status_code == 201, declared.text
    assert declared.json()["target"] is None and declared.json()["match"]["status"] == "none"
    assert declared.json()["entered_by"] == "office"
    assert status_of(client, item, expert) == "clear"


def test_a_strong_unsure_guess_is_a_possible_conflict(client):
    zjgs = create_institution(client, name="浙江工商大学")
    item = make_item(client)
    relate(client, "interest_in", ref("institution", zjgs), ref("item", item))
    expert = make_expert(client, name="冯老师", employments=[{"employer_name": "浙江商大学", "start": "2012-01-01"}])
    assert status_of(client, item, expert) == "possible"


def test_names_are_matched_again_when_the_institution_is_registered_or_renamed(client):
    item = make_item(client)
    expert = make_expert(client, name="卫老师", employments=[{"employer_name": "之江实验室", "start": "2020-01-01"}])
    declared = client.post(f"{API}/experts/{expert['id']}/declarations",
                           json={"kind": "director_of", "target_text": "杭州城投咨询有限公司"})
    assert declared.status_code == 201 and declared.json()["target"] is None
    assert client.get(f"{API}/name-matches", params={"status": "open"}).json()["total"] == 2

    lab = create_institution(client, name="之江实验室")  # registered later: the employment links
    relate(client, "interest_in", ref("institution", lab), ref("item", item))
    check = by_subject(conflicts_of(client, item))[("expert", expert["id"])]
    assert check["status"] == "excluded" and check["rule_id"] == "R-COI-2"
    assert client.get(f"{API}/experts/{expert['id']}").json()["employments"][0]["institution_id"] == lab["id"]

    other = make_item(client, title="城投咨询项目")
    firm = create_institution(client, name="杭州城投咨询公司")  # not the name declared: no sure match yet
    relate(client, "interest_in", ref("institution", firm), ref("item", other))
    renamed = client.patch(f"{API}/institutions/{firm['id']}", json={"name": "杭州城投咨询有限公司"})
    assert renamed.status_code == 200, renamed.text
    assert status_of(client, other, expert) == "excluded"  # the renamed institution fits the declared name
    tasks = client.get(f"{API}/name-matches", params={"status": "confirmed"}).json()["items"]
    assert {t["text"] for t in tasks} == {"之江实验室", "杭州城投咨询有限公司"}
    assert {t["decided_by"] for t in tasks} == {"system"}
    relation = client.get(f"{API}/relations", params={"node_kind": "expert", "node_id": expert["id"]}).json()
    assert relation["items"][0]["target"]["id"] == firm["id"] and relation["items"][0]["confirmed"] is True


def test_a_relatives_directorship_excludes_through_a_person_R_DUTY_2(client):
    item = make_item(client)
    company = create_institution(client, name="某轨道交通建设有限公司", kind="enterprise")
    relate(client, "interest_in", ref("institution", company), ref("item", item), role="applicant")
    expert = make_expert(client, name="褚教授")
    number = citizen_id(male=False)
    spouse = client.post(f"{API}/people", json={"name": "蒋女士", "id_number": number, "note": "褚教授之配偶"})
    assert spouse.status_code == 201, spouse.text
    person = spouse.json()
    assert person["id_number"] != number and "*" in person["id_number"] and person["created_by"] == "office"
    stored = asyncio.run(Person.select().where(Person.id == person["id"]).first().run())
    assert number not in str(stored) and stored["id_number_digest"]  # never in clear

    relate(client, "relative_of", ref("expert", expert), ref("person", person), role="spouse")
    assert status_of(client, item, expert) == "clear"  # a relative without interests: clear
    relate(client, "director_of", ref("person", person), ref("institution", company))
    conflict = by_subject(conflicts_of(client, item))[("expert", expert["id"])]
    assert conflict["rule_id"] == "R-DUTY-2" and conflict["rule_name"] == "relative_affiliation_interest"
    assert conflict["explanation"] == ("褚教授 —亲属→ 蒋女士 —任职董事或高管→ 某轨道交通建设有限公司 "
                                       "—利害关系→ 城市轨道交通票价调整方案")
    assert ("person", person["id"]) not in by_subject(conflicts_of(client, item))  # never a candidate

    listed = client.get(f"{API}/people", params={"name": "蒋"}).json()
    assert listed["total"] == 1 and listed["items"][0]["name"] == "蒋女士"
    again = client.post(f"{API}/people", json={"name": "蒋女士", "id_number": number})
    assert again.status_code == 409 and again.json()["errors"][0]["field"] == "id_number"
    bad = client.post(f"{API}/people", json={"name": "某人", "id_number": "123"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "id_number"
    refused = client.post(f"{API}/relations", json={"kind": "co_worked", "source": ref("person", person),
                                                    "target": ref("expert", expert)})
    assert refused.status_code == 422 and "起点" in refused.json()["errors"][0]["reason"]


def test_a_drafting_unit_enters_the_interested_parties_of_its_own_item(client):
    unit = create_institution(client, name="市交通运输局", kind="government_body")
    other_unit = create_institution(client, name="市住房和城乡建设局", kind="government_body")
    own = make_item(client, drafting_unit_id=unit["id"])
    foreign = make_item(client, title="另一事项", drafting_unit_id=other_unit["id"])
    company = create_institution(client, name="某公交集团有限公司", kind="enterprise")
    expert = make_expert(client, name="秦董事", employments=employed(company))
    add_account("unit1", "unit", unit_id=unit["id"])
    office = client.headers["Authorization"]
    login(client, "unit1")

    body = {"kind": "interest_in", "source": ref("institution", company), "role": "regulated_party",
            "detail": "本事项的票价调整直接影响该公司"}
    entered = client.post(f"{API}/relations", json={**body, "target": ref("item", own)})
    assert entered.status_code == 201, entered.text
    assert (entered.json()["entered_by"], entered.json()["entered_by_unit"], entered.json()["origin"]) == (
        "unit1", unit["id"], "unit")
    elsewhere = client.post(f"{API}/relations", json={**body, "target": ref("item", foreign)})
    assert elsewhere.status_code == 403 and elsewhere.json()["errors"][0]["field"] == "target"
    other_kind = client.post(f"{API}/relations", json={"kind": "director_of", "source": ref("expert", expert),
                                                       "target": ref("institution", company)})
    assert other_kind.status_code == 403 and other_kind.json()["errors"][0]["field"] == "kind"
    assert client.post(f"{API}/relations/import", json={"relations": [{**body, "target": ref("item", own)}]}
                       ).status_code == 403
    assert client.get(f"{API}/relations").status_code == 403  # the list is the office's

    client.headers["Authorization"] = office
    listed = client.get(f"{API}/relations", params={"entered_by_unit": unit["id"]}).json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == entered.json()["id"]
    assert client.get(f"{API}/relations", params={"entered_by_unit": other_unit["id"]}).json()["total"] == 0
    assert by_subject(conflicts_of(client, own))[("expert", expert["id"])]["rule_id"] == "R-COI-2"


def test_the_actor_is_the_login_and_old_names_are_notes(client):
    item = make_item(client)
    expert = make_expert(client)
    plain = relate(client, "interest_in", ref("expert", expert), ref("item", item))  # sends entered_by 政策法规处
    assert plain["entered_by"] == "office" and "请求中填写的经办人：政策法规处" in plain["detail"]
    bare = client.post(f"{API}/relations", json={"kind": "interest_in", "source": ref("expert", expert),
                                                 "target": ref("item", make_item(client, title="事项二"))})
    assert bare.status_code == 201 and bare.json()["entered_by"] == "office" and bare.json()["detail"] == ""
    withdrawn = client.post(f"{API}/relations/{plain['id']}/withdrawal", json={"reason": "录入错误"})
    assert withdrawn.status_code == 201 and withdrawn.json()["withdrawn_reason"] == "录入错误（office）"
    page = client.get(f"{API}/relations", params={"limit": 1}).json()
    assert (page["total"], len(page["items"]), page["offset"], page["limit"]) == (2, 1, 0, 1)
