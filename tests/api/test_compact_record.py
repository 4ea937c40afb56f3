"""Issue 17, a compact record (R-PANEL-2, R-REC-1): the frozen candidate list is stored once per request in a
canonical compressed form with its hash, the exclusions one row each; the panel answer carries their counts by
stage and rule id, and the rows are paged (and asked about one subject at a time) with the request's access."""

from __future__ import annotations

import asyncio
import importlib

from accounts.tables import AuditEvent
from assignment.selection.constraints import Candidate
from assignment.selection.frozen import pack_candidates, unpack_candidates
from assignment.tables import DrawRecord, Panel, PanelExclusion
from tests.api.test_conflicts_api import make_item, ref, relate
from tests.builders import create_institution
from tests.support.app import account_headers
from tests.support.panels import exclusions_of, post_request

API = "/api/v1"
MIGRATION = "assignment.piccolo_migrations.assignment_2026_12_27t00_00_01_000002"


def _drawn(client, pool, **item):
    """A draw of 5 for an item whose applicant is one of the pool (R-COI-1); the outsider has no term."""
    made = make_item(client, **item)
    conflicted = pool["experts"][9]["expert_id"]  # an economist: the lawyers' quota keeps its spare
    relate(client, "interest_in", ref("expert", {"id": conflicted}), ref("item", made), role="applicant")
    response = post_request(client, made)
    assert response.status_code == 201, response.text
    return response, conflicted


def _run(query):
    return asyncio.run(query.run())


def test_the_answer_carries_the_counts_not_the_lists_R_PANEL_2(client, pool):
    response, conflicted = _drawn(client, pool)
    view = response.json()
    panel = view["panel"]
    assert "exclusions" not in panel and panel["eligible"] == 9
    summary = panel["exclusions_summary"]
    assert summary["total"] == 2 and summary["by_stage"] == {"conflict": 1, "registry": 1}
    assert summary["by_rule"]["R-COI-1"] == 1
    assert "R-POOL-4" in panel["exclusions_summary"]["by_rule"]  # the outsider: no term of appointment
    # the panel record keeps the hash and no lists; the frozen list is stored once, compressed, for the request
    row = _run(Panel.select(Panel.candidates, Panel.exclusions, Panel.candidates_hash).where(
        Panel.id == panel["id"]).output(load_json=True).first())
    assert row["candidates"] == [] and row["exclusions"] == [] and row["candidates_hash"] == panel["candidates_hash"]
    stored = _run(DrawRecord.select().where(DrawRecord.request == view["id"]).first())
    frozen = unpack_candidates(stored["candidates"])
    assert [c.id for c in frozen] == sorted(c.id for c in frozen) and len(frozen) == 9 == stored["eligible"]
    assert conflicted not in {c.id for c in frozen} and stored["candidates_sha256"] == pack_candidates(frozen)[1]
    # the record entry of the draw keeps the hash and the counts, not the lists (R-REC-1)
    events = [e for row in _run(AuditEvent.select(AuditEvent.data).output(load_json=True))
              for e in (row["data"] or {}).get("events") or [] if e.get("event") == "PanelDrawn"]
    [drawn] = events
    assert drawn["candidates_hash"] == panel["candidates_hash"] and drawn["eligible"] == 9
    assert drawn["exclusions"] == panel["exclusions_summary"]
    assert client.get(f"{API}/panel-requests/{view['id']}").json()["panel"] == panel  # read back the same


def test_the_exclusions_page_filter_and_add_up_to_the_counts_R_PANEL_2(client, pool):
    response, conflicted = _drawn(client, pool)
    view = response.json()
    summary = view["panel"]["exclusions_summary"]
    url = f"{API}/panel-requests/{view['id']}/exclusions"
    pages = [client.get(url, params={"offset": n, "limit": 1}).json() for n in range(3)]
    assert [p["total"] for p in pages] == [2, 2, 2] and [len(p["items"]) for p in pages] == [1, 1, 0]
    assert pages[0]["offset"] == 0 and pages[1]["limit"] == 1
    assert sum(len(p["items"]) for p in pages) == summary["total"]
    assert pages[0]["items"][0]["subject"]["id"] != pages[1]["items"][0]["subject"]["id"]
    for stage, count in summary["by_stage"].items():
        assert client.get(url, params={"stage": stage}).json()["total"] == count
    for rule, count in summary["by_rule"].items():
        assert client.get(url, params={"rule_id": rule}).json()["total"] == count
    [barred] = client.get(url, params={"rule_id": "R-COI-1"}).json()["items"]
    assert barred["subject"]["id"] == conflicted and barred["stage"] == "conflict"
    assert barred["reasons"][0]["rule_id"] == "R-COI-1" and barred["reasons"][0]["explanation"]
    assert client.get(url, params={"rule_id": "R-COI-2"}).json() == {"items": [], "total": 0, "offset": 0, "limit": 50}
    outsider = client.get(url, params={"subject_id": pool["outsider"]["id"]}).json()["items"]
    assert [e["stage"] for e in outsider] == ["registry"]
    assert client.get(url, params={"stage": "workload"}).json()["total"] == 0


def test_why_one_expert_was_left_out_R_PANEL_2(client, pool):
    response, conflicted = _drawn(client, pool)
    view = response.json()
    url = f"{API}/panel-requests/{view['id']}/exclusions"
    excluded = client.get(f"{url}/{conflicted}").json()
    assert excluded["status"] == "excluded" and excluded["exclusion"]["stage"] == "conflict"
    assert "R-COI-1" in excluded["explanation"] and excluded["subject"]["id"] == conflicted
    members = {m["subject"]["id"] for m in view["panel"]["members"]}
    spare = next(e["expert_id"] for e in pool["experts"][:9] if e["expert_id"] not in members)
    candidate = client.get(f"{url}/{spare}").json()
    assert candidate["status"] == "candidate" and candidate["exclusion"] is None
    assert "入选概率" in candidate["explanation"]
    assert client.get(f"{url}/999999").json()["status"] == "not_in_pool"
    assert client.get(f"{API}/panel-requests/999999/exclusions").status_code == 404


def test_exclusions_are_read_with_the_requests_access_and_bad_filters_refused_R_PANEL_2(client, pool):
    unit = create_institution(client, name="市交通运输局", kind="government_body")
    other = create_institution(client, name="市财政局", kind="government_body")
    response, conflicted = _drawn(client, pool, drafting_unit_id=unit["id"])
    url = f"{API}/panel-requests/{response.json()['id']}/exclusions"
    own = account_headers(client, "unit-own", "unit", unit_id=unit["id"])
    stranger = account_headers(client, "unit-other", "unit", unit_id=other["id"])
    expert = account_headers(client, "an-expert", "expert", expert_id=conflicted)
    assert client.get(url, headers=own).json()["total"] == 2
    assert client.get(f"{url}/{conflicted}", headers=own).json()["status"] == "excluded"
    for headers in (stranger, expert):
        assert client.get(url, headers=headers).status_code == 403
        assert client.get(f"{url}/{conflicted}", headers=headers).status_code == 403
    bad_stage = client.get(url, params={"stage": "lottery"})
    assert bad_stage.status_code == 422, bad_stage.text
    [error] = bad_stage.json()["errors"]
    assert error["field"] == "stage" and "排除环节" in error["reason"] and error["rule_id"] == "R-PANEL-2"
    bad_rule = client.get(url, params={"rule_id": "drop table"})
    assert bad_rule.status_code == 422 and bad_rule.json()["errors"][0]["field"] == "rule_id"
    assert "规则编号" in bad_rule.json()["errors"][0]["reason"]
    assert client.get(url, params={"limit": 0}).status_code == 400
    assert client.get(url, params={"limit": 501}).status_code == 400


def test_verification_passes_and_a_tampered_frozen_list_or_exclusion_fails_R_PANEL_2(client, pool):
    response, _ = _drawn(client, pool)
    view = response.json()
    panel_id, request_id = view["panel"]["id"], view["id"]
    verified = client.get(f"{API}/panels/{panel_id}/verification").json()
    assert verified["verified"] is True and {c["name"]: c["passed"] for c in verified["checks"]}["exclusions"]
    stored = _run(DrawRecord.select(DrawRecord.candidates).where(DrawRecord.request == request_id).first())
    honest = stored["candidates"]
    frozen = unpack_candidates(honest)
    widened = pack_candidates([*frozen, Candidate(999, frozenset({"LAW"}), None, "academia", "")])[0]
    for tampered in (widened, "not a candidate list"):
        _run(DrawRecord.update({DrawRecord.candidates: tampered}).where(DrawRecord.request == request_id))
        response = client.get(f"{API}/panels/{panel_id}/verification")
        assert response.status_code == 200, response.text
        assert response.json()["verified"] is False and response.json()["candidates_hash_matches"] is False
    _run(DrawRecord.update({DrawRecord.candidates: honest}).where(DrawRecord.request == request_id))
    assert client.get(f"{API}/panels/{panel_id}/verification").json()["verified"] is True
    _run(PanelExclusion.delete().where((PanelExclusion.request == request_id) & (PanelExclusion.stage == "conflict")))
    quiet = client.get(f"{API}/panels/{panel_id}/verification").json()
    assert quiet["verified"] is False and {c["name"]: c["passed"] for c in quiet["checks"]}["exclusions"] is False


def test_a_replacement_is_drawn_from_the_frozen_list_R_PANEL_2(client, pool):
    response, _ = _drawn(client, pool)
    view = response.json()
    frozen = {c.id for c in unpack_candidates(_run(DrawRecord.select(DrawRecord.candidates).where(
        DrawRecord.request == view["id"]).first())["candidates"])}
    lawyers = {e["expert_id"] for e in pool["experts"] if e["spec"].startswith("LAW")}
    leaving = next(i for i in view["invitations"] if i["subject"]["id"] in lawyers)
    answer = client.post(f"{API}/invitations/{leaving['id']}/answer", json={"accept": False, "reason": "出差在外"})
    assert answer.status_code == 201, answer.text
    replacement = answer.json()["replacement"]
    assert replacement is not None, answer.json()["shortfall"]
    assert replacement["subject"]["id"] in frozen
    new_panel = answer.json()["panel"]
    assert new_panel["eligible"] == 9 and new_panel["exclusions_summary"] == view["panel"]["exclusions_summary"]
    assert _run(DrawRecord.count().where(DrawRecord.request == view["id"])) == 1  # stored once per request
    assert client.get(f"{API}/panels/{new_panel['id']}/verification").json()["verified"] is True


def test_a_request_stored_before_issue_17_reads_and_migrates_R_PANEL_2(client, pool):
    """A panel row that kept its lists, as stored before: read back from them, then copied by the migration."""
    response, conflicted = _drawn(client, pool)
    view = response.json()
    request_id, panel_id = view["id"], view["panel"]["id"]
    frozen = unpack_candidates(_run(DrawRecord.select(DrawRecord.candidates).where(
        DrawRecord.request == request_id).first())["candidates"])
    listed = exclusions_of(client, view)
    old_lists = [{"kind": e["subject"]["kind"], "id": e["subject"]["id"], "stage": e["stage"],
                  "reasons": e["reasons"]} for e in listed]
    _run(Panel.update({Panel.candidates: [c.as_dict() for c in frozen], Panel.exclusions: old_lists}).where(
        Panel.id == panel_id))
    _run(PanelExclusion.delete().where(PanelExclusion.request == request_id))
    _run(DrawRecord.delete().where(DrawRecord.request == request_id))
    before = client.get(f"{API}/panel-requests/{request_id}").json()["panel"]
    assert before["eligible"] == 9 and before["exclusions_summary"] == view["panel"]["exclusions_summary"]
    assert client.get(f"{API}/panel-requests/{request_id}/exclusions", params={"stage": "conflict"}).json()[
        "items"][0]["subject"]["id"] == conflicted
    assert client.get(f"{API}/panels/{panel_id}/verification").json()["verified"] is True
    migration = importlib.import_module(MIGRATION)
    asyncio.run(migration._copy())
    asyncio.run(migration._copy())  # twice: a request already copied is left alone
    assert _run(DrawRecord.count().where(DrawRecord.request == request_id)) == 1
    assert _run(PanelExclusion.count().where(PanelExclusion.request == request_id)) == len(listed)
    assert exclusions_of(client, view) == listed
    assert client.get(f"{API}/panel-requests/{request_id}").json()["panel"] == before
    verified = client.get(f"{API}/panels/{panel_id}/verification").json()
    assert verified["verified"] is True and "exclusions" in {c["name"] for c in verified["checks"]}
