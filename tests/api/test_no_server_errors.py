"""No 500 on any input: schemathesis against the live OpenAPI document of the running service, as the
pool office, on a database with records in it (malformed JSON, wrong types, huge numbers, unknown
fields all must get 4xx)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.api.test_conflicts_api import make_item
from tests.support.live import live_service
from tests.support.panels import post_request

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def test_schemathesis_finds_no_server_error(client, clock, pool):
    item = make_item(client)
    post_request(client, item)
    token = client.headers["Authorization"]
    with live_service(FIXED_CLOCK=clock.now().isoformat()) as base:
        result = subprocess.run(
            [sys.executable, "-m", "schemathesis.cli", "run", f"{base}/schema/openapi.json", "--checks",
             "not_a_server_error", "--header", f"Authorization: {token}", "--max-examples", "15", "--seed", "2026",
             "--exclude-path", "/api/v1/auth/logout", "--exclude-path-regex", "deactivation",
             "--request-timeout", "30"],
            cwd=ROOT, env=os.environ, capture_output=True, text=True, timeout=900)
    summary = result.stdout[-1500:]
    assert result.returncode == 0, summary
    assert "passed" in summary and "Server error" not in summary
