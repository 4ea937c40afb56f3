"""Issue 17: a panel request draws from the specialty sub-pools it names, or those of its item, else the whole pool
(R-POOL-1); the balance applies within; the universe is stored on the request and in the record, and the
verification re-runs the draw from it (R-PANEL-2)."""

from __future__ import annotations

from tests.api.test_conflicts_api import make_expert, make_item, ref, relate
from tests.support.panels import exclusions_of, post_request

API = "/api/v1"


def _ids(pool, spec: str) -> set[int]:
    return {e["expert_id"] for e in pool["experts"] if e["spec"].startswith(spec)}


def test_a_request_draws_only_from_its_sub_pools_R_POOL_1(client, pool):
    item = make_item(client)
    lawyer = sorted(_ids(pool, "LAW"))[0]
    relate(client, "interest_in", ref("expert", {"id": lawyer}), ref("item", item), role="applicant")
    unappointed = make_expert(client, specialties=["ECON.FISCAL"])  # in the sub-pool, no term
    response = post_request(client, item, sub_pools=["ECON"], balance={})
    assert response.status_code == 201, response.text
    view = response.json()
    economists = _ids(pool, "ECON")
    assert {m["subject"]["id"] for m in view["panel"]["members"]} <= economists
    assert view["sub_pools"] == ["ECON"] and view["panel"]["constraints"]["universe"] == ["ECON"]
    assert view["panel"]["eligible"] == len(economists)  # the six economists, nobody else
    excluded = {(e["subject"]["id"], e["stage"]) for e in exclusions_of(client, view)}
    assert excluded == {(unappointed["id"], "registry")}  # the conflicted lawyer and the outsider are not in it
    assert client.get(f"{API}/panel-requests/{view['id']}").json()["sub_pools"] == ["ECON"]


def test_the_balance_applies_within_the_sub_pool_R_PANEL_2(client, pool):
    item = make_item(client)
    refused = post_request(client, item, sub_pools=["ECON"], balance={"min_per_specialty": {"LAW": 1}})
    assert refused.status_code == 422  # no lawyer in the universe
    assert "R-PANEL-2" in {e["rule_id"] for e in refused.json()["errors"]}


def test_a_request_inherits_the_items_sub_pools_R_POOL_1(client, pool):
    item = make_item(client, sub_pools=["ECON"])
    assert item["sub_pools"] == ["ECON"]
    view = post_request(client, item, balance={}).json()
    assert view["sub_pools"] == ["ECON"]
    assert {m["subject"]["id"] for m in view["panel"]["members"]} <= _ids(pool, "ECON")
    assert pool["outsider"]["id"] not in {e["subject"]["id"] for e in exclusions_of(client, view)}


def test_the_items_sub_pools_are_changed_and_a_named_one_wins_R_POOL_1(client, pool):
    item = make_item(client, sub_pools=["ECON"])
    changed = client.patch(f"{API}/items/{item['id']}", json={"sub_pools": ["LAW"]})
    assert changed.status_code == 200, changed.text
    assert changed.json()["sub_pools"] == ["LAW"]
    view = post_request(client, item, sub_pools=["ECON", "LAW"], size=5).json()
    assert view["sub_pools"] == ["ECON", "LAW"]
    assert view["panel"]["eligible"] == 10  # both sub-pools: everyone appointed


def test_no_sub_pool_is_the_whole_pool(client, pool):
    view = post_request(client, make_item(client)).json()
    assert view["sub_pools"] == [] and "universe" not in view["panel"]["constraints"]
    assert view["panel"]["eligible"] == 10


def test_an_unknown_sub_pool_is_refused_422_R_POOL_1(client, pool):
    item = make_item(client)
    refused = post_request(client, item, sub_pools=["ECON", "NOPE"], balance={})
    assert refused.status_code == 422
    assert refused.json()["errors"] == [{"field": "sub_pools[1]", "rule_id": "R-POOL-1",
                                         "reason": "未知的专业分库「NOPE」，见 GET /api/v1/specialties"}]
    repeated = post_request(client, item, sub_pools=["ECON", "ECON"], balance={})
    assert repeated.status_code == 422 and repeated.json()["errors"][0]["field"] == "sub_pools"
    bad_item = client.post(f"{API}/items", json={"title": "某事项", "opened_on": "2026-10-01", "sub_pools": ["NOPE"]})
    assert bad_item.status_code == 422 and bad_item.json()["errors"][0]["field"] == "sub_pools[0]"
    too_many = post_request(client, item, sub_pools=["ECON"] * 51)
    assert too_many.status_code == 400  # bounded before any database work
    assert client.get(f"{API}/panel-requests").json()["total"] == 0


def test_institutions_are_not_drawn_from_sub_pools_R_POOL_8(client, pool):
    refused = post_request(client, make_item(client), subject_kind="institution", purpose="post_evaluation",
                           size=1, sub_pools=["ECON"], balance={})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "sub_pools"


def test_the_verification_of_a_sub_pool_draw_passes_R_PANEL_2(client, pool):
    view = post_request(client, make_item(client), sub_pools=["ECON"], balance={}).json()
    verified = client.get(f"{API}/panels/{view['panel']['id']}/verification").json()
    assert verified["verified"] is True and verified["same_members"] is True
    checks = {c["name"]: c["passed"] for c in verified["checks"]}
    assert checks["universe"] is True and checks["candidates_hash"] is True
