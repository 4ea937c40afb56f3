"""The README's API tour runs as written against a fresh service started as `bin/serve` starts it (demo data,
the printed demo-office password), so the README cannot drift from the API again (issue 13)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.support.live import free_port, wait_until_up

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def tour_block() -> str:
    """The shell block of the README's "API tour" section."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## API tour", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, flags=re.S)
    assert blocks, "the API tour has no sh block"
    return max(blocks, key=len)


def test_the_readme_tour_runs_as_written_on_a_fresh_demo_service(client, tmp_path):
    # ``client`` empties the test database; the service then loads the demo into it, as bin/serve does
    port = free_port()
    env = {**os.environ, "RUN_SCHEDULER": "0", "DATA_DIR": str(tmp_path)}
    serve = subprocess.Popen([sys.executable, "-m", "app.serve", "--demo", "--port", str(port)], cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        password = None
        for line in serve.stdout:
            if found := re.search(r"demo login: username demo-office, password (\S+)", line):
                password = found.group(1)
            if "Registry service on" in line:
                break
        assert password, "bin/serve printed no demo-office password"
        threading.Thread(target=serve.stdout.read, daemon=True).start()  # keep the pipe drained
        wait_until_up(f"http://127.0.0.1:{port}/health", seconds=60)
        tour = tour_block()
        result = subprocess.run(["bash", "-e", "-c", tour], cwd=tmp_path, capture_output=True, text=True,
                                timeout=300, env={**os.environ, "B": f"http://127.0.0.1:{port}/api/v1",
                                                  "PASSWORD": password})
    finally:
        serve.terminate()
        serve.wait(timeout=20)
    assert result.returncode == 0, result.stderr[-3000:] + result.stdout[-2000:]
    assert "refused:" not in result.stderr
    out = result.stdout
    assert out.count('"verified":true') >= 2  # the draw and its replacement reproduce from the record
    assert '"draw_number":1' in out and '"status":"accepted"' in out
    assert out.rstrip().endswith('"problem":""}') and '"ok":true' in out  # the record checks out (R-REC-2)
