"""Issue 13: deciding that two flagged records are the same merges them. The duplicate's employments,
relations and history move to the record kept (so an employee of a duplicate institution is excluded where
the kept one has an interest, R-COI-2), the merge is recorded with every row it moved, and undoing it puts
back exactly those rows."""

from __future__ import annotations

from litestar.testing import TestClient

from app import create_app
from conflicts.live import LiveGraph
from tests.builders import appoint_expert, create_institution, expert_payload
from tests.support.app import add_account, login
from tests.support.panels import exclusions_of, post_request

API = "/api/v1"


def items(body):
    """A list answer: a page ({items, ...}) or, before lists became pages, the bare list."""
    return body["items"] if isinstance(body, dict) else body


def make_item(client) -> dict:
    response = client.post(f"{API}/items", json={"title": "城市轨道交通票价调整方案", "opened_on": "2026-10-01"})
    assert response.status_code == 201, response.text
    return response.json()


def make_expert(client, **overrides) -> dict:
    response = client.post(f"{API}/experts", json=expert_payload(**overrides))
    assert response.status_code == 201, response.text
    return response.json()


def relate(client, kind, source, target, **extra) -> dict:
    response = client.post(f"{API}/relations", json={"kind": kind, "source": source, "target": target,
                                                      "entered_by": "政策法规处", **extra})
    assert response.status_code == 201, response.text
    return response.json()


def ref(kind, row) -> dict:
    return {"kind": kind, "id": row["id"]}


def conflict_of(client, item, kind, row) -> dict:
    response = client.get(f"{API}/items/{item['id']}/conflicts/{kind}/{row['id']}", params={"purpose": "argument"})
    assert response.status_code == 200, response.text
    return response.json()


def flag_of(client, kind) -> dict:
    [flag] = items(client.get(f"{API}/possible-duplicates", params={"kind": kind}).json())
    return flag


def decide(client, flag, status, note=""):
    return client.post(f"{API}/possible-duplicates/{flag['id']}/decision", json={"status": status, "note": note,
                                                                             "by": "别人的名字"})


def merges_of(client, record_id, kind) -> list[dict]:
    response = client.get(f"{API}/record-merges", params={"record_id": record_id, "kind": kind})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == len(body["items"])
    return body["items"]


def test_same_institution_merges_and_unmerge_restores_R_COI_2(client):
    kept = create_institution(client, name="浙江大学")
    duplicate = create_institution(client, name="浙江大學")
    college = create_institution(client, name="浙江大學醫學院", parent_id=duplicate["id"])
    flag = flag_of(client, "institution")
    assert (flag["first_id"], flag["second_id"]) == (kept["id"], duplicate["id"])
    item = make_item(client)
    relate(client, "interest_in", ref("institution", kept), ref("item", item), role="applicant")
    staff = make_expert(client, name="孙一", employments=[
        {"employer_name": "浙江大學", "institution_id": duplicate["id"], "start": "2015-01-01"}])
    assert conflict_of(client, item, "expert", staff)["status"] == "clear"  # the bug: the duplicate has no interest

    decided = decide(client, flag, "same", "同一所大学，繁体录入")
    assert decided.status_code == 201, decided.text
    assert decided.json()["status"] == "same"
    found = conflict_of(client, item, "expert", staff)
    assert found["status"] == "excluded" and found["conflicts"][0]["rule_id"] == "R-COI-2"
    assert found["conflicts"][0]["explanation"] == "孙一 —任职于→ 浙江大学 —利害关系→ 城市轨道交通票价调整方案"
    assert client.get(f"{API}/experts/{staff['id']}").json()["employments"][0]["institution_id"] == kept["id"]
    assert client.get(f"{API}/institutions/{college['id']}").json()["parent_id"] == kept["id"]
    assert "浙江大學" in client.get(f"{API}/institutions/{kept['id']}").json()["aliases"]

    [merge] = merges_of(client, kept["id"], "institution")
    assert (merge["kept_id"], merge["merged_id"], merge["flag_id"], merge["in_force"]) == (
        kept["id"], duplicate["id"], flag["id"], True)
    moved = {(m["table"], m["column"], m["id"]) for m in merge["moved"]}
    assert ("employment", "institution", staff["employments"][0]["id"]) in moved
    assert ("institution", "parent", college["id"]) in moved
    assert merge["merged_by"] == "office"  # the login, not a name sent in the body
    listed = items(client.get(f"{API}/institutions", params={"limit": 100}).json())
    assert duplicate["id"] not in {i["id"] for i in listed}  # the duplicate leaves the lists

    undone = client.post(f"{API}/possible-duplicates/{flag['id']}/unmerge", json={"reason": "其实是两个单位"})
    assert undone.status_code == 201, undone.text
    assert undone.json()["in_force"] is False and undone.json()["reversal_reason"] == "其实是两个单位"
    assert undone.json()["not_restored"] == []
    assert conflict_of(client, item, "expert", staff)["status"] == "clear"
    assert client.get(f"{API}/experts/{staff['id']}").json()["employments"][0]["institution_id"] == duplicate["id"]
    assert client.get(f"{API}/institutions/{college['id']}").json()["parent_id"] == duplicate["id"]
    assert "浙江大學" not in client.get(f"{API}/institutions/{kept['id']}").json()["aliases"]
    assert flag_of(client, "institution")["status"] == "distinct"
    # the history of both records keeps the merge and its reversal
    for record in (kept, duplicate):
        [kept_history] = merges_of(client, record["id"], "institution")
        assert kept_history["id"] == merge["id"] and kept_history["reversed_by"] == "office"
    again = client.post(f"{API}/possible-duplicates/{flag['id']}/unmerge", json={"reason": "再撤销一次"})
    assert again.status_code == 409 and again.json()["errors"][0]["rule_id"] == "R-REC-1"


def test_same_expert_carries_the_duplicates_relations_and_history(client):
    item = make_item(client)
    kept = make_expert(client, name="张伟", email="zhangwei@zju.edu.cn",
                       employments=[{"employer_name": "某研究院", "start": "2010-01-01", "end": "2014-12-31"}])
    duplicate = make_expert(client, name="張偉", email="zhangwei@zju.edu.cn", specialties=["ECON"],
                            employments=[{"employer_name": "某咨询公司", "start": "2015-01-01"}])
    relation = relate(client, "interest_in", ref("expert", duplicate), ref("item", item), role="beneficiary")
    assert conflict_of(client, item, "expert", kept)["status"] == "clear"
    assert conflict_of(client, item, "expert", duplicate)["conflicts"][0]["rule_id"] == "R-COI-1"
    flag = flag_of(client, "expert")

    assert decide(client, flag, "same").status_code == 201
    assert conflict_of(client, item, "expert", kept)["conflicts"][0]["rule_id"] == "R-COI-1"
    shown = client.get(f"{API}/experts/{kept['id']}").json()
    assert {e["employer_name"] for e in shown["employments"]} == {"某研究院", "某咨询公司"}  # both histories
    assert "ECON" in shown["specialties"]
    listed = items(client.get(f"{API}/experts", params={"limit": 100}).json())
    assert {e["id"] for e in listed} == {kept["id"]}
    # the duplicate's current employer now finds the record kept (its search key follows the merge)
    found = items(client.get(f"{API}/experts", params={"q": "某咨询公司"}).json())
    assert [e["id"] for e in found] == [kept["id"]]
    [merge] = merges_of(client, kept["id"], "expert")
    assert ("relation", "source_id", relation["id"]) in {(m["table"], m["column"], m["id"]) for m in merge["moved"]}

    # a new record like the merged one is compared with the record kept only
    make_expert(client, name="张伟", email="zhangwei@zju.edu.cn")
    open_flags = items(client.get(f"{API}/possible-duplicates", params={"kind": "expert", "status": "open"}).json())
    assert {(f["first_id"], f["second_id"]) for f in open_flags} == {(kept["id"], open_flags[0]["second_id"])}

    # deciding the flag "distinct" afterwards undoes the merge as well
    assert decide(client, flag, "distinct", "两个人").status_code == 201
    assert conflict_of(client, item, "expert", kept)["status"] == "clear"
    assert conflict_of(client, item, "expert", duplicate)["conflicts"][0]["rule_id"] == "R-COI-1"
    shown = client.get(f"{API}/experts/{duplicate['id']}").json()
    assert [e["employer_name"] for e in shown["employments"]] == ["某咨询公司"]
    found = items(client.get(f"{API}/experts", params={"q": "某咨询公司"}).json())
    assert [e["id"] for e in found] == [duplicate["id"]]
    assert merges_of(client, kept["id"], "expert")[0]["in_force"] is False


def test_merge_reaches_another_process_through_the_change_log(client):
    kept = create_institution(client, name="浙江工业大学")
    duplicate = create_institution(client, name="浙江工業大學")
    item = make_item(client)
    relate(client, "interest_in", ref("institution", kept), ref("item", item))
    staff = make_expert(client, name="周二", employments=[
        {"employer_name": "浙江工業大學", "institution_id": duplicate["id"], "start": "2015-01-01"}])
    with client.portal() as portal:
        other = LiveGraph()
        portal.call(other.load)
        assert decide(client, flag_of(client, "institution"), "same").status_code == 201
        portal.call(other.sync)
        assert other.edge(f"employment:{staff['employments'][0]['id']}").target == ("institution", kept["id"])


def test_merge_refusals(client):
    a = create_institution(client, name="杭州市规划院")
    b = create_institution(client, name="杭州市規劃院")
    c = create_institution(client, name="杭州市规划院 ")
    flags = items(client.get(f"{API}/possible-duplicates", params={"kind": "institution"}).json())
    by_pair = {(f["first_id"], f["second_id"]): f for f in flags}
    assert decide(client, by_pair[(a["id"], b["id"])], "same").status_code == 201
    # b is merged into a: a flag that would merge into b, or merge b again, waits for that merge to be undone
    later = by_pair[(b["id"], c["id"])]
    refused = decide(client, later, "same")
    assert refused.status_code == 409, refused.text
    assert refused.json()["errors"][0]["rule_id"] == "R-REC-1"
    assert flag_of_id(client, later["id"])["status"] == "open"  # nothing changed
    assert merges_of(client, c["id"], "institution") == []
    not_merged = client.post(f"{API}/possible-duplicates/999999/unmerge", json={"reason": "没有这个标记"})
    assert not_merged.status_code == 404
    blank = client.post(f"{API}/possible-duplicates/{by_pair[(a['id'], b['id'])]['id']}/unmerge", json={"reason": ""})
    assert blank.status_code == 400 and blank.json()["errors"][0]["field"] == "reason"


def flag_of_id(client, flag_id) -> dict:
    found = items(client.get(f"{API}/possible-duplicates", params={"limit": 100}).json())
    return next(f for f in found if f["id"] == flag_id)


def test_unmerge_is_the_offices_alone(client, clock):
    add_account("auditor1", "auditor")
    with TestClient(create_app(clock=clock, migrate_on_start=False)) as other:
        login(other, "auditor1")
        refused = other.post(f"{API}/possible-duplicates/1/unmerge", json={"reason": "审计不能改"})
        assert refused.status_code == 403
        assert other.get(f"{API}/record-merges").status_code == 200


def test_merged_expert_leaves_the_draw_and_its_term_counts_for_the_record_kept(client, pool):
    registered = make_expert(client, name="王芳", email="wangfang@example.cn", specialties=["LAW.ADMIN"])
    appointed = appoint_expert(client, name="王芳", email="wangfang@example.cn", specialties=["LAW.ADMIN"])
    flag = flag_of(client, "expert")
    assert (flag["first_id"], flag["second_id"]) == (registered["id"], appointed["expert_id"])
    eligible = lambda record_id: client.get(f"{API}/experts/{record_id}/eligibility").json()["eligible"]  # noqa: E731
    assert (eligible(registered["id"]), eligible(appointed["expert_id"])) == (False, True)

    assert decide(client, flag, "same").status_code == 201
    # the term and its commitment letter moved: the record kept is the appointed expert now
    assert (eligible(registered["id"]), eligible(appointed["expert_id"])) == (True, False)
    drawn = post_request(client, make_item(client), size=5)
    assert drawn.status_code == 201, drawn.text
    panel = drawn.json()["panel"]
    excluded = exclusions_of(client, drawn.json())
    seen = {m["subject"]["id"] for m in panel["members"]} | {e["subject"]["id"] for e in excluded}
    assert appointed["expert_id"] not in seen  # the duplicate is neither drawn nor listed as excluded
    assert panel["eligible"] == 11  # the pool's ten and the record kept
