"""The procedure's steps in a real headless Chromium against the service under uvicorn (issue 15 over issue 14): a
drafting unit takes an item from its drawn panel through the hand-over, the members' signed opinions, the
meeting's minutes, the argument report and its adoption (a refusal said beside the member) to the decision and
the filing. Each step's page is kept as a screenshot in tests/artifacts/ (not committed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.api.test_conflicts_api import make_item
from tests.browser.test_answer_page import browser, live_service  # noqa: F401 - fixtures (Chromium, uvicorn)
from tests.browser.test_pages_unit_expert import log_in, shot
from tests.builders import create_institution
from tests.support.app import account_headers, add_account
from tests.support.panels import post_request

pytestmark = pytest.mark.slow

API = "/api/v1"
PDF = b"%PDF-1.7\n" + "城市轨道交通票价调整方案（征求意见稿）".encode() + b"\n%%EOF\n"


@pytest.fixture
def drawn(client, pool, tmp_path):
    """A unit's item under argument with a drawn meeting panel; three members accepted, each with a login."""
    own = create_institution(client, name="市交通运输局")
    add_account("unit1", "unit", unit_id=own["id"])
    item = make_item(client, drafting_unit_id=own["id"])
    assert client.post(f"{API}/items/{item['id']}/transitions",
                       json={"to": "under_argument", "reason": "启动论证"}).status_code == 200
    view = post_request(client, item, mode="meeting", size=5).json()
    members = []
    for n, inv in enumerate(view["invitations"][:3]):
        headers = account_headers(client, f"member{n}", "expert", expert_id=inv["subject"]["id"])
        assert client.post(f"{API}/invitations/{inv['id']}/answer", json={"accept": True},
                           headers=headers).status_code == 201
        members.append({"invitation": inv["id"], "expert": inv["subject"]["id"], "headers": headers})
    material = tmp_path / "方案.pdf"
    material.write_bytes(PDF)
    return {"item": item, "request": view["id"], "members": members, "file": material}


def test_a_unit_takes_an_item_from_its_drawn_panel_to_filing(client, drawn, live_service, browser):  # noqa: F811
    base, request_id, item_id = live_service, drawn["request"], drawn["item"]["id"]
    members = drawn["members"]
    page = browser.new_page()
    log_in(page, base, "unit1")
    page.goto(f"{base}/unit/requests/{request_id}")
    assert "会议纪要尚未记录" in page.locator("#missing").inner_text()

    # hand-over: the file uploaded, listed with its digest
    page.set_input_files("#material-file", str(drawn["file"]))
    page.click("#upload-material")
    page.wait_for_selector("text=材料已移交")
    assert "方案.pdf" in page.locator("#materials").inner_text()
    shot(page, "procedure-unit-hand-over")

    # a member reads the material and signs the opinion on their own page; the others through the API
    member = browser.new_page()
    log_in(member, base, "member0")
    member.goto(f"{base}/expert/invitations")
    assert "方案.pdf" in member.locator(f"#argument-{request_id}").inner_text()
    member.fill(f"#text-{members[0]['invitation']}", "票价方案总体可行，建议分阶段实施。")
    member.check(f"#signed-{members[0]['invitation']}")
    member.click(f"#opinion-{members[0]['invitation']}")
    member.wait_for_selector("text=书面意见已提交")
    shot(member, "procedure-expert-opinion")
    for n, m in enumerate(members[1:], start=1):
        assert client.post(f"{API}/invitations/{m['invitation']}/opinion", json={"text": f"意见{n}", "signed": True},
                           headers=m["headers"]).status_code == 201

    # the meeting's minutes, then the report once nothing is missing
    page.reload()
    page.fill("#minutes-text-input", "论证会讨论了票价调整方案，与会专家逐项发表意见。")
    page.click("#record-minutes")
    page.wait_for_selector("text=会议纪要已记录")
    assert page.locator("#argument-complete").is_visible()
    shot(page, "procedure-unit-argument-complete")
    page.click("#issue-report")
    page.wait_for_selector("text=论证报告已形成")
    assert len(page.locator("#report-sha").inner_text()) == 64
    assert page.locator("#argument-report-pdf").is_visible()

    # adoption: not adopted without a reason is refused beside that member; then recorded
    first, second, third = (m["expert"] for m in members)
    page.check(f"#adopted-{first}-yes")
    page.check(f"#adopted-{second}-yes")
    page.check(f"#adopted-{third}-no")
    page.click("#record-adoption")
    assert "须写明理由" in page.locator(f'[data-field="reason_{third}"]').inner_text()
    shot(page, "procedure-unit-adoption-refused")
    assert page.locator(f"#adopted-{third}-no").is_checked()  # the choices are kept on the refused form
    page.fill(f"#reason-{third}", "成本测算已由财政部门另行审核")
    page.click("#record-adoption")
    page.wait_for_selector("text=采纳情况已记录")
    assert "成本测算已由财政部门另行审核" in page.locator("#adoption-table").inner_text()
    shot(page, "procedure-unit-adoption")

    # the decision and the filing on the item's page
    page.goto(f"{base}/unit/items/{item_id}")
    page.select_option("#to", "decided")
    page.fill("#transition-reason", "市政府常务会议审议通过")
    page.fill("#decided_on", "2026-11-24")
    page.fill("#document_number", "市政发〔2026〕21号")
    page.click("#move-item")
    page.wait_for_selector("text=事项状态已更新")
    assert page.locator("#filing-status").get_attribute("data-status") == "due"
    with page.expect_navigation(timeout=120_000):
        page.click("#file-item")
    page.wait_for_selector("text=全过程记录已归档")
    assert page.locator("#filing-status").get_attribute("data-status") == "filed_on_time"
    shot(page, "procedure-unit-filed")
    filing = client.get(f"{API}/items/{item_id}/filing").json()
    assert filing["status"] == "filed_on_time" and filing["package_sha256"] == page.locator("#package-sha").inner_text()
    assert Path(__file__).resolve().parents[1].joinpath("artifacts", "procedure-unit-filed.png").exists()
