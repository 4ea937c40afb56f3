"""The answer page behind an invitation e-mail, in a real headless Chromium (Playwright) against the
service running under uvicorn on 127.0.0.1."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.api.test_conflicts_api import make_item
from tests.support.links import expert_links
from tests.support.live import live_service as running
from tests.support.panels import post_request

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
API = "/api/v1"

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError("CI needs Chromium for the browser tests: apt-get install chromium")
    pytest.skip("Chromium is not installed (apt-get install chromium); CI installs it", allow_module_level=True)


@pytest.fixture
def live_service(clock):
    """The app under uvicorn, on the same database, at the test clock's time."""
    with running(FIXED_CLOCK=clock.now().isoformat()) as base:
        yield base


@pytest.fixture
def browser():
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        yield chromium
        chromium.close()


def links(client, expert_id: int) -> tuple[str, str]:
    return expert_links(client, expert_id)  # read by the expert: only the expert sees the live link (issue 11)


def test_expert_accepts_and_another_declines_in_a_browser(client, pool, live_service, browser):
    item = make_item(client)
    view = post_request(client, item, balance={}).json()
    first, second = view["invitations"][:2]
    accept, _ = links(client, first["subject"]["id"])
    _, decline = links(client, second["subject"]["id"])

    page = browser.new_page()
    page.goto(live_service + accept)
    assert page.locator("h1").inner_text() == "确认参加论证"
    assert item["title"] in page.content()
    page.click("#submit")
    page.wait_for_selector("text=已确认参加")
    page.goto(live_service + accept)  # the same link again: a clear page, no action
    assert page.locator("h1").inner_text() == "邀请已答复"

    page.goto(live_service + decline)
    assert page.locator("h1").inner_text() == "谢绝论证邀请"
    page.fill("#reason", "同期在外地参加评审")
    page.click("#submit")
    page.wait_for_selector("text=已谢绝")
    page.goto(live_service + accept.replace("/respond/", "/respond/x"))  # an altered token
    assert page.locator("h1").inner_text() == "链接无效"

    statuses = {i["id"]: i["status"] for i in client.get(f"{API}/panel-requests/{view['id']}").json()["invitations"]}
    assert statuses[first["id"]] == "accepted" and statuses[second["id"]] == "declined"
