"""The commissioned organiser's page (issue 15 over issue 14, R-PANEL-8): its commission, the commission's item, the
item's panel requests with what the argument still lacks, its outside experts; refused to every other role."""

from __future__ import annotations

from tests.api import test_commissioned_organiser as commissioned
from tests.support.app import add_account
from tests.support.pages import page_login

API = "/api/v1"
units, organiser = commissioned.units, commissioned.organiser  # the commission and its login (fixtures)


def test_the_organiser_lands_on_its_commission_and_its_items_requests_R_PANEL_8(client, pool, units, organiser):
    created = client.post(f"{API}/panel-requests", json={
        "item_id": units["item"]["id"], "purpose": "argument", "mode": "meeting", "size": 5,
        "handover_on": "2026-11-24", "balance": {"min_per_specialty": {"LAW": 2}}}, headers=organiser["token"])
    assert created.status_code == 201, created.text
    members = [inv["subject"]["name"] for inv in created.json()["invitations"]]
    page_login(client, "zhijiang")
    home = client.get("/")
    assert home.status_code == 200 and str(home.url).endswith("/organiser")
    text = home.text
    assert "之江评估咨询有限公司" in text and units["item"]["title"] in text and 'id="in-force"' in text
    assert f"抽取申请 #{created.json()['id']}" in text and all(name in text for name in members)
    assert "尚缺" in text and "R-PANEL-5" in text  # no minutes yet: the argument is not complete
    assert "未经委托单位同意，不得转委托" in text


def test_a_revoked_commission_is_shown_as_such_R_PANEL_8(client, units, organiser):
    revoked = client.post(f"{API}/commissions/{organiser['commission']['id']}/revocation",
                          json={"reason": "机构人员变动，无法按期组织"}, headers=units["unit1"])
    assert revoked.status_code == 200, revoked.text
    page_login(client, "zhijiang")
    text = client.get("/organiser").text
    assert 'id="not-in-force"' in text and "机构人员变动，无法按期组织" in text and 'id="in-force"' not in text


def test_only_the_organiser_sees_its_page(client, units, organiser):
    client.headers.pop("Authorization", None)
    anonymous = client.get("/organiser", follow_redirects=False)
    assert anonymous.status_code in (302, 303) and "/login" in anonymous.headers["location"]
    add_account("office-page", "office")
    for username in ("unit1", "auditor1", "office-page"):
        page_login(client, username)
        answer = client.get("/organiser")
        assert answer.status_code == 403 and "无权查看此页面" in answer.text, username
