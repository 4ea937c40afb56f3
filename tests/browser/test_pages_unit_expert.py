"""The drafting unit's and the expert's pages in a real headless Chromium (Playwright) against the service under
uvicorn: a unit from a new item through its conflict check and the live preview to a drawn panel and its ratings;
an expert from signing the commitment letter to accepting an invitation. Each main page is kept as a screenshot in
tests/artifacts/ (not committed)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.api.test_conflicts_api import ref, relate
from tests.browser.test_answer_page import browser, live_service  # noqa: F401 - fixtures (Chromium, uvicorn)
from tests.builders import appoint_expert, create_institution
from tests.support.app import PASSWORD, add_account

pytestmark = pytest.mark.slow

API = "/api/v1"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#login")
    page.wait_for_load_state()


@pytest.fixture
def people(client, pool):
    """A drafting unit's and an unsigned expert's accounts, made before Playwright runs its event loop."""
    own = create_institution(client, name="市交通运输局")
    add_account("unit1", "unit", unit_id=own["id"])
    made = appoint_expert(client, sign=False, specialties=["LAW.ADMIN"])
    add_account("expert1", "expert", expert_id=made["expert_id"])
    return {"unit": own, "expert": made}


def test_a_unit_from_a_new_item_to_a_drawn_panel_and_ratings(
        client, pool, people, live_service, browser):  # noqa: F811
    page = browser.new_page()
    log_in(page, live_service, "unit1")
    assert page.url.endswith("/unit") or page.url.endswith("/unit/")

    page.fill("#title", "城市公共交通票价调整方案")
    page.fill("#opened_on", "2026-11-01")
    page.click("#create-item")
    page.wait_for_selector("text=决策事项已登记")
    item_id = int(re.search(r"/unit/items/(\d+)", page.url).group(1))
    shot(page, "unit-item-empty")

    relate(client, "interest_in", ref("institution", pool["employers"][0]), ref("item", {"id": item_id}))
    page.reload()
    chain = page.locator("#conflicts .chain").first.inner_text()
    assert "任职于" in chain and "利害关系" in chain and pool["employers"][0]["name"] in chain
    shot(page, "unit-item-conflict-check")

    page.click("#request-panel")
    page.wait_for_selector("#eligible-total")
    page.fill("#min_LAW", "2")
    page.fill("#size", "5")
    page.locator("#size").blur()  # the change event: the preview asks again (htmx)
    page.wait_for_selector('#feasibility tr[data-code="LAW"]')
    page.wait_for_load_state("networkidle")
    assert page.locator('#feasibility tr[data-code="LAW"] td').nth(2).inner_text() == "3"  # one lawyer excluded
    shot(page, "unit-panel-request-form")
    with page.expect_navigation(timeout=120_000):  # a draw plans within PLAN_SECONDS; a busy machine takes longer
        page.locator("#submit-request").click()
    page.wait_for_selector("text=已完成抽取，邀请已发出")
    request_id = int(re.search(r"/unit/requests/(\d+)", page.url).group(1))
    assert page.locator("#members tbody tr").count() == 5
    assert page.locator(".cal td.deadline").count() == 1
    shot(page, "unit-drawn-panel")

    first = client.get(f"{API}/panel-requests/{request_id}").json()["invitations"][0]
    assert client.post(f"{API}/invitations/{first['id']}/answer", json={"accept": True}).status_code == 201
    page.reload()
    page.select_option(f"#participation-{first['id']}", "5")
    page.click(f"#rate-{first['id']}")
    assert page.locator(f"#rating-{first['id']} .field-error").count() >= 1  # reliability is missing: said beside it
    page.select_option(f"#participation-{first['id']}", "5")
    page.select_option(f"#reliability-{first['id']}", "4")
    page.click(f"#rate-{first['id']}")
    page.wait_for_selector("text=评价已保存")
    assert "已评价" in page.locator(f"#rating-{first['id']}").inner_text()
    shot(page, "unit-ratings")
    ratings = client.get(f"{API}/experts/{first['subject']['id']}/ratings").json()["items"]
    assert [(r["participation"], r["reliability"]) for r in ratings] == [(5, 4)]


def test_an_expert_signs_the_letter_then_accepts_an_invitation(
        client, pool, people, live_service, browser):  # noqa: F811
    made = people["expert"]
    page = browser.new_page()
    log_in(page, live_service, "expert1")
    assert page.locator("#letter-due").is_visible()
    shot(page, "expert-profile")

    page.goto(f"{live_service}/expert/letter")
    assert "本人自愿作为重大行政决策论证专家" in page.locator("#letter-text").inner_text()
    for commitment in ("independent", "impartial", "confidential"):
        page.check(f"#commit-{commitment}")
    page.click("#sign-letter")
    assert "须作出承诺" in page.locator('[data-field="commitments.lawful"]').inner_text()
    shot(page, "expert-letter-refused")
    page.check("#commit-lawful")
    page.click("#sign-letter")
    page.wait_for_selector("text=承诺书已签署")
    shot(page, "expert-letter-signed")

    unit = create_institution(client, name="市发展改革委")
    item = client.post(f"{API}/items", json={"title": "居民阶梯电价调整方案", "opened_on": "2026-10-01",
                                             "drafting_unit_id": unit["id"]}).json()
    view = client.post(f"{API}/panel-requests", json={
        "item_id": item["id"], "purpose": "argument", "mode": "meeting", "size": 11, "handover_on": "2026-11-24",
        "balance": {}}).json()
    mine = next(i for i in view["invitations"] if i["subject"]["id"] == made["expert_id"])

    page.goto(f"{live_service}/expert/invitations")
    assert "居民阶梯电价调整方案" in page.locator(f"#invitation-{mine['id']}").inner_text()
    shot(page, "expert-invitations")
    page.click(f"#accept-{mine['id']}")
    page.wait_for_selector("text=已确认参加")
    assert page.locator(f"#invitation-{mine['id']}").get_attribute("data-status") == "accepted"
    shot(page, "expert-invitation-accepted")
    page.goto(f"{live_service}/expert/inbox")
    shot(page, "expert-inbox")
    statuses = {i["id"]: i["status"] for i in client.get(f"{API}/panel-requests/{view['id']}").json()["invitations"]}
    assert statuses[mine["id"]] == "accepted"
