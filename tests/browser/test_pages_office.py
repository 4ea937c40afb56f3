"""The office's and the auditor's pages in a real headless Chromium (Playwright) against the service under uvicorn
(issue 15): the office from a recruitment call to an eligible expert, every step a button of the pipeline
(R-POOL-2), the expert drawable once the letter is signed (R-DUTY-1); the auditor verifying a panel (R-PANEL-2).
Each main page is kept as a screenshot in tests/artifacts/ (not committed)."""

from __future__ import annotations

import re

import pytest

from tests.api.test_conflicts_api import make_item
from tests.browser.test_answer_page import browser, live_service  # noqa: F401 - fixtures (Chromium, uvicorn)
from tests.browser.test_pages_unit_expert import log_in, shot
from tests.builders import LETTER_COMMITMENTS, citizen_id
from tests.support.app import add_account
from tests.support.panels import post_request

pytestmark = pytest.mark.slow

API = "/api/v1"
CONDITIONS = ["political_reliability", "academic_standing", "practical_experience", "credibility",
              "time_and_willingness"]


@pytest.fixture
def auditor(client):
    """The auditor's account, made before Playwright runs its event loop."""
    add_account("auditor1", "auditor")
    return "auditor1"


def test_the_office_from_a_recruitment_call_to_an_eligible_expert_R_POOL_2(client, live_service, browser):  # noqa: F811
    page = browser.new_page()
    log_in(page, live_service, "office")
    shot(page, "office-home")

    page.goto(f"{live_service}/office/recruitment")
    page.fill("#call-title", "2026年度重大行政决策论证专家公开遴选")
    page.select_option("#call-specialties", ["LAW"])
    page.fill("#call-opens", "2026-11-01")
    page.fill("#call-closes", "2026-12-31")
    page.click("#publish")
    page.wait_for_selector("text=遴选公告已发布")
    shot(page, "office-recruitment-call")

    page.fill("#app-name", "龚宣")
    page.select_option("#app-gender", "male")
    page.fill("#app-id-number", citizen_id())
    page.fill("#app-phone", "13800001111")
    page.select_option("#app-sector", "academia")
    page.select_option("#app-specialties", ["LAW.ADMIN"])
    page.fill("#app-employer", "浙江大学")
    page.click("#submit-application")
    page.wait_for_selector("text=报名已登记")
    assert page.locator("#qualification-review").count() == 1 and page.locator("#appointment").count() == 0

    for condition in CONDITIONS:
        page.check(f"#met-{condition}")
    page.click("#do-qualification-review")
    page.wait_for_selector("text=资格审查通过")
    page.fill("#meeting-on", "2026-11-20")
    page.click("#do-collective-decision")
    page.wait_for_selector("text=集体讨论通过")
    page.fill("#term-start", "2026-11-01")
    page.fill("#term-end", "2029-10-31")
    page.fill("#certificate-no", "聘字2026001")
    page.click("#do-appointment")
    page.wait_for_selector("text=已聘任")
    shot(page, "office-application-appointed")

    page.click("#expert-link")
    page.wait_for_selector("#eligibility")
    assert "暂不可抽取" in page.locator("#eligibility").inner_text()  # no commitment letter yet (R-DUTY-1)
    expert_id = int(re.search(r"/office/experts/(\d+)", page.url).group(1))
    term_id = client.get(f"{API}/experts/{expert_id}").json()["terms"][0]["id"]
    signed = client.post(f"{API}/experts/{expert_id}/commitment-letters", json={
        "term_id": term_id, "text_version": "NMG-E-2020", "commitments": LETTER_COMMITMENTS,
        "signed_on": "2026-11-01"})
    assert signed.status_code == 201, signed.text
    page.reload()
    eligibility = page.locator("#eligibility").inner_text()
    assert "可抽取" in eligibility and "暂不可抽取" not in eligibility
    assert "聘字2026001" in page.content() and "2029年10月31日" in page.content()
    shot(page, "office-expert")

    page.goto(f"{live_service}/office/experts?q=gx")  # pinyin initials find her
    assert "龚宣" in page.locator("main").inner_text()
    shot(page, "office-experts-search")


def test_the_auditor_verifies_a_panel_R_PANEL_2(client, pool, auditor, live_service, browser):  # noqa: F811
    item = make_item(client)
    view = post_request(client, item, balance={}).json()
    panel_id = client.get(f"{API}/panel-requests/{view['id']}/panels").json()[0]["id"]
    page = browser.new_page()
    log_in(page, live_service, auditor)
    page.wait_for_selector(f'a[href="/auditor/panels/{panel_id}"]')
    shot(page, "auditor-home")
    page.click(f'a[href="/auditor/panels/{panel_id}"]')
    page.wait_for_selector("text=核验通过")
    shot(page, "auditor-panel-verification")
    page.goto(f"{live_service}/auditor/chain")
    assert "完好" in page.locator("main").inner_text()
    shot(page, "auditor-chain")
