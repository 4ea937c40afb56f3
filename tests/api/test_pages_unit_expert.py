"""Pages of the drafting unit and of the expert (issue 15): access per page and role (200 / 403 / redirect to the
log-in), own records only, the services' refusals shown beside the field in Chinese, and each page's work done
through the same services as the API (the API reads the result back)."""

from __future__ import annotations

import re
from typing import Annotated

import msgspec
import pytest

from tests.api.test_conflicts_api import conflicts_of, make_expert, make_item, ref, relate
from tests.builders import appoint_expert, create_institution
from tests.support.app import add_account
from tests.support.pages import csrf, page_login
from tests.support.panels import post_request

API = "/api/v1"


def as_page_user(client, username: str) -> None:
    """Log in with the page form, keeping the office's bearer token for the API calls that set the scene."""
    token = client.headers["Authorization"]
    page_login(client, username)
    client.headers["Authorization"] = token


def submit(client, path: str, data: dict, page: str, **kwargs):
    """POST a page's form with the CSRF token read from ``page`` (as the browser has it)."""
    return client.post(path, data={**data, "_csrf_token": csrf(client, page)}, follow_redirects=False, **kwargs)


def beside(html: str, field: str) -> list[str]:
    """The messages shown beside ``field`` (``field_error`` in macros.html)."""
    return re.findall(rf'<span class="field-error" data-field="{re.escape(field)}">([^<]*)</span>', html)


@pytest.fixture
def unit(client):
    """A drafting unit (an institution with a unit account) and one of its items; another unit and its item."""
    own, other = create_institution(client, name="市交通运输局"), create_institution(client, name="市财政局")
    add_account("unit1", "unit", unit_id=own["id"])
    add_account("unit2", "unit", unit_id=other["id"])
    return {"id": own["id"], "item": make_item(client, drafting_unit_id=own["id"]),
            "other_item": make_item(client, title="另一单位的事项", drafting_unit_id=other["id"])}


@pytest.fixture
def expert(client):
    """An appointed expert who has not signed the commitment letter yet, with an account; a second expert."""
    made = appoint_expert(client, sign=False, specialties=["LAW.ADMIN"])
    add_account("expert1", "expert", expert_id=made["expert_id"])
    add_account("expert2", "expert", expert_id=appoint_expert(client)["expert_id"])
    add_account("auditor1", "auditor")
    return made


# --- access per page and role ------------------------------------------------------------------------------------
def test_unit_pages_per_role_and_only_the_units_own_item(client, pool, unit, expert):
    view = post_request(client, unit["item"], balance={}).json()
    pages = ["/unit/", f"/unit/items/{unit['item']['id']}", f"/unit/items/{unit['item']['id']}/panel-request",
             f"/unit/requests/{view['id']}"]
    client.headers.pop("Authorization")
    for path in pages:
        anonymous = client.get(path, follow_redirects=False)
        assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login?next=")
    for username, status in (("unit1", 200), ("office", 403), ("expert1", 403), ("auditor1", 403)):
        page_login(client, username)
        for path in pages:
            answer = client.get(path)
            assert answer.status_code == status, (username, path)
            assert answer.headers["content-type"].startswith("text/html") and "Traceback" not in answer.text
    page_login(client, "unit2")  # another unit: its own list is empty, the first unit's records are refused (403)
    assert unit["item"]["title"] not in client.get("/unit/").text
    for path in pages[1:]:
        answer = client.get(path)
        assert answer.status_code == 403 and "本单位" in answer.text
    assert client.get("/unit/items/999999").status_code == 403  # none at all: the API answers 403 too


def test_expert_pages_per_role(client, expert):
    pages = ["/expert/", "/expert/letter", "/expert/invitations", "/expert/declarations", "/expert/inbox"]
    add_account("unit9", "unit", unit_id=create_institution(client)["id"])
    client.headers.pop("Authorization")
    for path in pages:
        assert client.get(path, follow_redirects=False).headers["location"].startswith("/login?next=")
    for username, status in (("expert1", 200), ("office", 403), ("unit9", 403), ("auditor1", 403)):
        page_login(client, username)
        for path in pages:
            assert client.get(path).status_code == status, (username, path)


# --- the drafting unit ---------------------------------------------------------------------------------------------
def test_a_unit_registers_an_item_and_an_empty_title_is_said_beside_the_field(client, unit):
    as_page_user(client, "unit1")
    refused = submit(client, "/unit/items", {"title": "", "opened_on": "2026-11-01"}, "/unit/")
    assert refused.status_code == 422 and beside(refused.text, "title")
    assert all(re.search(r"[\u4e00-\u9fff]", m) for m in beside(refused.text, "title"))
    made = submit(client, "/unit/items", {"title": "公共停车收费标准调整", "opened_on": "2026-11-01",
                                          "specialty_codes": "ECON", "sensitive": "on"}, "/unit/")
    assert made.status_code == 303
    item_id = int(made.headers["location"].rsplit("/", 1)[1])
    stored = client.get(f"{API}/items/{item_id}").json()
    assert stored["drafting_unit_id"] == unit["id"] and stored["sensitive"] and stored["specialty_codes"] == ["ECON"]
    page = client.get(made.headers["location"])
    assert "公共停车收费标准调整" in page.text and "决策事项已登记" in page.text


def test_the_item_page_draws_each_conflict_as_a_chain_of_names_and_relations(client, pool, unit):
    employer = pool["employers"][0]
    relate(client, "interest_in", ref("institution", employer), ref("item", unit["item"]), role="applicant")
    name = client.get(f"{API}/experts/{pool['experts'][0]['expert_id']}").json()["name"]
    as_page_user(client, "unit1")
    page = client.get(f"/unit/items/{unit['item']['id']}").text
    chain = re.search(r'<div class="chain">(.*?)</div>', page, re.S)
    assert chain is not None
    steps = re.sub(r"\s+", "", re.sub(r"<[^>]+>", "", chain.group(1)))
    assert steps == f"{name}—任职于→{employer['name']}—利害关系→{unit['item']['title']}"
    check = conflicts_of(client, unit["item"])  # the API's check: the page shows the same, each with its rule
    assert f'id="excluded-count">{check["excluded"]}<' in page and check["excluded"] >= 1
    assert all(c["rule_id"] in page and c["subject"]["name"] in page for c in check["conflicts"])


def test_a_possible_conflict_is_marked_with_its_unconfirmed_link(client, unit):
    zjut = create_institution(client, name="浙江工业大学", aliases=["浙工大"])
    relate(client, "interest_in", ref("institution", zjut), ref("item", unit["item"]))
    make_expert(client, name="钱七", employments=[{"employer_name": "浙江工大", "start": "2012-01-01"}])
    as_page_user(client, "unit1")
    page = client.get(f"/unit/items/{unit['item']['id']}").text
    row = re.search(r'<tr class="possible">(.*?)</tr>', page, re.S)
    assert row is not None and "钱七" in row.group(1) and "可能存在冲突" in row.group(1)
    assert re.search(r'class="rel unconfirmed"[^>]*>\s*—任职于（待确认）→', row.group(1))
    assert 'id="possible-count">1<' in page


def test_the_live_preview_counts_the_eligible_experts_per_sub_pool(client, pool, unit):
    as_page_user(client, "unit1")
    path = f"/unit/items/{unit['item']['id']}/feasibility"
    answer = client.get(path, params={"purpose": "argument", "size": "5", "min_LAW": "2", "min_ECON": "7"},
                        headers={"HX-Request": "true"})
    assert answer.status_code == 200 and "<html" not in answer.text  # a partial for htmx
    counts = dict(re.findall(r'<tr data-code="(\w+)"><td>[^<]*</td><td>\d+</td>\s*<td class="\w+">(\d+)</td>',
                             answer.text))
    assert counts == {"LAW": "4", "ECON": "6"}  # four lawyers, six economists in the pool
    assert 'id="eligible-total">10<' in answer.text
    relate(client, "interest_in", ref("institution", pool["employers"][0]), ref("item", unit["item"]))
    again = client.get(path, params={"min_LAW": "2"})
    assert re.search(r'<tr data-code="LAW">.*?<td class="\w+">3</td>', again.text, re.S)  # the conflicted lawyer
    assert "利益冲突回避 1 人" in again.text
    page_login(client, "unit2")
    assert client.get(path).status_code == 403


def test_a_panel_request_from_the_form_then_the_drawn_panel_its_deadline_and_ratings(client, pool, unit):
    as_page_user(client, "unit1")
    form_page = f"/unit/items/{unit['item']['id']}/panel-request"
    base = {"purpose": "argument", "mode": "meeting", "handover_on": "2026-11-24", "answer_working_days": "3",
            "max_per_employer": "1", "min_LAW": "2"}
    too_small = submit(client, form_page, {**base, "size": "2"}, form_page)
    assert too_small.status_code == 422 and any("R-PANEL-1" in m for m in beside(too_small.text, "size"))
    bad_date = submit(client, form_page, {**base, "size": "5", "handover_on": "2026-13-40"}, form_page)
    assert bad_date.status_code == 422 and beside(bad_date.text, "handover_on")
    drawn = submit(client, form_page, {**base, "size": "5"}, form_page)
    assert drawn.status_code == 303 and drawn.headers["location"].startswith("/unit/requests/")
    request_id = int(drawn.headers["location"].rsplit("/", 1)[1])
    view = client.get(f"{API}/panel-requests/{request_id}").json()
    assert len(view["invitations"]) == 5 and view["requested_by"].startswith("unit1")
    page = client.get(drawn.headers["location"]).text
    for inv in view["invitations"]:
        assert f'id="invitation-{inv["id"]}"' in page and inv["subject"]["name"] in page
    assert "%" in page and "研究截止" in page
    assert 'class="deadline' in page and 'class="handover' in page  # the small calendar marks both days

    first, second = view["invitations"][:2]
    answered = client.post(f"{API}/invitations/{first['id']}/answer", json={"accept": True})
    assert answered.status_code == 201, answered.text
    declined = client.post(f"{API}/invitations/{second['id']}/answer", json={"accept": False, "reason": "出差"})
    replacement = declined.json()["replacement"]
    page = client.get(drawn.headers["location"]).text
    assert replacement and f"由 {replacement['subject']['name']} 替补" in page

    rating = f"/unit/requests/{request_id}/invitations/{first['id']}/rating"
    missing = submit(client, rating, {"participation": "5"}, drawn.headers["location"])
    assert missing.status_code == 422 and beside(missing.text, "reliability")
    rated = submit(client, rating, {"participation": "5", "reliability": "4", "comment": "意见详实"},
                   drawn.headers["location"])
    assert rated.status_code == 303
    ratings = client.get(f"{API}/experts/{first['subject']['id']}/ratings").json()["items"]
    assert [(r["participation"], r["reliability"]) for r in ratings] == [(5, 4)]
    assert "已评价" in client.get(drawn.headers["location"]).text
    again = submit(client, rating, {"participation": "1", "reliability": "1"}, drawn.headers["location"])
    assert again.status_code == 409 and "R-POOL-6" in again.text


# --- the expert ----------------------------------------------------------------------------------------------------
def test_the_letter_is_shown_in_full_and_signed_only_with_all_four_ticks(client, expert):
    as_page_user(client, "expert1")
    page = client.get("/expert/letter").text
    assert "本人自愿作为重大行政决策论证专家" in page and page.count('type="checkbox"') == 4
    three = {"term_id": str(expert["term_id"]), "commitments.independent": "on", "commitments.impartial": "on",
             "commitments.confidential": "on"}
    refused = submit(client, "/expert/letter", three, "/expert/letter")
    assert refused.status_code == 422
    assert beside(refused.text, "commitments.lawful") and "须作出承诺" in beside(refused.text, "commitments.lawful")[0]
    assert not beside(refused.text, "commitments.independent")
    signed = submit(client, "/expert/letter", {**three, "commitments.lawful": "on"}, "/expert/letter")
    assert signed.status_code == 303
    letters = client.get(f"{API}/experts/{expert['expert_id']}/commitment-letters").json()["items"]
    assert len(letters) == 1 and all(letters[0]["commitments"].values()) and letters[0]["signed_on"] == "2026-11-24"
    assert "已签署" in client.get("/expert/letter").text
    other_term = submit(client, "/expert/letter", {**three, "commitments.lawful": "on", "term_id": "999999"},
                        "/expert/letter")
    assert other_term.status_code in (404, 422)  # no such term: refused, nothing signed


def test_an_expert_answers_own_invitations_and_hands_in_a_signed_opinion(client, pool, unit, expert):
    signed = client.post(f"{API}/experts/{expert['expert_id']}/commitment-letters",
                         json={"term_id": expert["term_id"], "text_version": "NMG-E-2020", "signed_on": "2026-11-20",
                               "commitments": {"independent": True, "impartial": True, "confidential": True,
                                               "lawful": True}})
    assert signed.status_code == 201, signed.text
    # everyone eligible is drawn (the pool's ten, this expert and the second one): the expert is surely invited
    # (size 11 left one of twelve out at random, and one run in twelve failed)
    drawn = post_request(client, unit["item"], size=12, balance={"max_per_sector": 12})
    assert drawn.status_code == 201, drawn.text
    view = drawn.json()
    mine = next(i for i in view["invitations"] if i["subject"]["id"] == expert["expert_id"])
    as_page_user(client, "expert1")
    page = client.get("/expert/invitations").text
    assert unit["item"]["title"] in page and f'id="accept-{mine["id"]}"' in page

    answer = f"/expert/invitations/{mine['id']}/answer"
    no_reason = submit(client, answer, {"action": "decline", "reason": ""}, "/expert/invitations")
    assert no_reason.status_code == 422 and beside(no_reason.text, "reason")
    accepted = submit(client, answer, {"action": "accept"}, "/expert/invitations")
    assert accepted.status_code == 303
    statuses = {i["id"]: i["status"] for i in client.get(f"{API}/panel-requests/{view['id']}").json()["invitations"]}
    assert statuses[mine["id"]] == "accepted"

    opinion = f"/expert/invitations/{mine['id']}/opinion"
    unsigned = submit(client, opinion, {"text": "建议分阶段实施。"}, "/expert/invitations")
    assert unsigned.status_code == 422 and "R-DUTY-2" in unsigned.text
    handed = submit(client, opinion, {"text": "建议分阶段实施。", "signed": "on"}, "/expert/invitations")
    assert handed.status_code == 303
    stored = client.get(f"{API}/invitations/{mine['id']}/opinion").json()
    assert stored["text"] == "建议分阶段实施。"

    assert client.post(f"{API}/outbox/delivery").status_code == 201  # the inbox copies of the notices
    inbox = client.get("/expert/inbox").text  # the invitation's notice, its answer links masked
    message_id = int(re.search(r'id="message-(\d+)"', inbox).group(1))
    unread = int(re.search(r'id="unread">(\d+)<', inbox).group(1))
    assert unread >= 1 and unit["item"]["title"] in inbox and "/respond/" not in inbox
    assert submit(client, f"/expert/inbox/{message_id}/read", {}, "/expert/inbox").status_code == 303
    assert f'id="unread">{unread - 1}<' in client.get("/expert/inbox").text

    someone_else = next(i for i in view["invitations"] if i["subject"]["id"] != expert["expert_id"])
    refused = submit(client, f"/expert/invitations/{someone_else['id']}/answer", {"action": "accept"},
                     "/expert/invitations")
    assert refused.status_code == 403
    assert client.get(f"{API}/panel-requests/{view['id']}").json()["invitations"][
        view["invitations"].index(someone_else)]["status"] == "pending"


def test_an_expert_adds_an_employment_and_a_declaration_and_reads_the_inbox(client, expert):
    as_page_user(client, "expert1")
    missing = submit(client, "/expert/employments", {"employer_name": "浙江工业大学"}, "/expert/")
    assert missing.status_code == 422 and beside(missing.text, "start")
    added = submit(client, "/expert/employments", {"employer_name": "浙江工业大学", "position": "教授",
                                                   "start": "2020-09-01"}, "/expert/")
    assert added.status_code == 303
    names = [e["employer_name"] for e in client.get(f"{API}/experts/{expert['expert_id']}").json()["employments"]]
    assert "浙江工业大学" in names

    declared = submit(client, "/expert/declarations", {"kind": "shareholder_of", "target_text": "某某交通科技有限公司",
                                                       "start": "2024-01-01"}, "/expert/declarations")
    assert declared.status_code == 303
    listed = client.get(f"{API}/experts/{expert['expert_id']}/declarations").json()["items"]
    assert [(r["kind"], r["target_text"]) for r in listed] == [("shareholder_of", "某某交通科技有限公司")]
    assert "某某交通科技有限公司" in client.get("/expert/declarations").text
    bad_kind = submit(client, "/expert/declarations", {"kind": "nonsense", "target_text": "x"}, "/expert/declarations")
    assert bad_kind.status_code == 422 and beside(bad_kind.text, "kind")

    inbox = client.get("/expert/inbox")
    assert inbox.status_code == 200 and 'id="unread"' in inbox.text



class _TickedBody(msgspec.Struct, kw_only=True):
    title: str
    controversial: Annotated[bool, msgspec.Meta(description="有争议")] = False
    complex: bool = False


def test_a_ticked_box_is_true_for_an_annotated_bool_field():
    """A form's ticked checkbox ("on") reaches a Flag field (Annotated[bool, Meta]) as True, as a plain bool."""
    from web.forms import to_input

    parsed = to_input(_TickedBody, {"title": "票价调整", "controversial": "on", "complex": "on"})
    assert parsed.controversial is True and parsed.complex is True
