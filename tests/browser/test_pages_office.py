"""The office's and the auditor's pages in a real headless Chromium (Playwright) against the service under uvicorn
(issue 15): the office from a recruitment call to an eligible expert, every step a button of the pipeline
(R-POOL-2), the expert drawable once the letter is signed (R-DUTY-1); the auditor verifying a panel (R-PANEL-2).
Each main page is kept as a screenshot in tests/artifacts/ (not committed)."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import Workbook

from tests.api.test_conflicts_api import make_item
from tests.api.test_spreadsheet_import import HEADER, person_id
from tests.browser.test_answer_page import browser, live_service  # noqa: F401 - fixtures (Chromium, uvicorn)
from tests.browser.test_pages_unit_expert import log_in, shot
from tests.builders import LETTER_COMMITMENTS, appoint_expert, citizen_id, create_institution
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


@pytest.fixture
def registry_world(client):
    """An appointed expert and an institution in the evaluator pool, made before Playwright runs its event loop."""
    expert = appoint_expert(client, name="龚宣")
    body = create_institution(client, name="浙江省发展规划研究院", kind="research_institute")
    admitted = client.post(f"{API}/institutions/{body['id']}/evaluator-pool", json={
        "qualifications": ["工程咨询甲级"], "staff_competences": ["law", "policy", "administration",
                                                              "evaluation_methods"], "has_facilities": True})
    assert admitted.status_code == 201, admitted.text
    return {"expert_id": expert["expert_id"], "institution_id": body["id"]}


def _experts_file() -> bytes:
    workbook = Workbook()
    workbook.active.append(HEADER)
    workbook.active.append([1, "李明", "男", person_id(3), "13800001113", "", "浙江大学", "教授", "行政法", "",
                            "高校及科研院所", "2026-01-01", "2028-12-31", "聘字9"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_the_office_walks_records_pool_relations_policy_imports_and_the_chain_R_POOL_5_R_COI_1(
        registry_world, live_service, browser):  # noqa: F811
    expert_id, institution_id = registry_world["expert_id"], registry_world["institution_id"]
    page = browser.new_page()
    log_in(page, live_service, "office")
    assert "尚未进行全量校验" in page.locator("#chain").inner_text()
    page.click("#verify-chain")
    page.wait_for_selector("text=全量校验通过")
    assert "完好" in page.locator("#chain-state").inner_text()
    shot(page, "office-home-chain-verified")

    page.goto(f"{live_service}/office/experts/{expert_id}")
    page.click("#dismiss-link")
    page.wait_for_selector("#dismiss")
    page.fill("#dismiss-explanation", "")
    page.select_option("#dismiss-reason", "4")
    page.fill("#dismiss-explanation", "年度考核不称职")
    page.click("#do-dismiss")
    page.wait_for_selector("text=已解聘")
    assert "经考核不称职" in page.locator("#dismissal-list").inner_text()
    shot(page, "office-records")

    page.goto(f"{live_service}/office/institutions")
    page.select_option("#pool", "in")
    page.click("#find")
    page.wait_for_selector("text=浙江省发展规划研究院")
    shot(page, "office-institutions")
    page.click("text=浙江省发展规划研究院")
    page.wait_for_selector("#eligibility")
    assert "可受委托开展评估" in page.locator("#eligibility").inner_text()
    shot(page, "office-institution")

    page.goto(f"{live_service}/office/relations")
    page.select_option("#rel-source-kind", "expert")
    page.fill("#rel-source-id", str(expert_id))
    page.select_option("#rel-kind", "adviser_of")
    page.select_option("#rel-target-kind", "institution")
    page.fill("#rel-target-id", str(institution_id))
    page.fill("#rel-role", "法律顾问")
    page.click("#do-add-relation")
    page.wait_for_selector("text=关系已登记")
    assert "担任顾问" in page.locator("#relations").inner_text()
    shot(page, "office-relations")

    page.goto(f"{live_service}/office/policy")
    page.fill("#policy-hops", "9")
    page.fill("#policy-reason", "调整追溯层级")
    page.click("#do-change-policy")
    page.wait_for_selector('.field-error[data-field="hierarchy_hops"]')
    page.fill("#policy-hops", "2")
    page.click("#do-change-policy")
    page.wait_for_selector("text=回避规则第 2 版已生效")
    shot(page, "office-policy")

    page.goto(f"{live_service}/office/imports")
    page.set_input_files("#file-experts", files=[{"name": "专家名单.xlsx", "buffer": _experts_file(),
                                                  "mimeType": "application/octet-stream"}])
    page.click("#upload-experts")
    page.wait_for_selector("text=已处理 1 / 1 行")
    assert "李明" in page.locator("#report-rows").inner_text()
    assert page.locator("#report-xlsx").count() == 1
    shot(page, "office-import-report")
    page.goto(f"{live_service}/office/imports")
    shot(page, "office-imports")
