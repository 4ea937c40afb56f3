"""The service under uvicorn in its own process, on the test database."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.support.mail import free_port

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def live_service(**env_overrides: str):
    with live_process(**env_overrides) as (base, _process):
        yield base


@contextmanager
def live_process(**env_overrides: str):
    """As ``live_service``, also handing over the process (to kill it mid-request); (base URL, process)."""
    port = free_port()
    env = {**os.environ, "MIGRATE_ON_START": "0", "RUN_SCHEDULER": "0", **env_overrides}
    process = subprocess.Popen([sys.executable, "-m", "uvicorn", "app:create_app", "--factory", "--host", "127.0.0.1",
                                "--port", str(port), "--log-level", "warning"], cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield base, process
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait(timeout=10)
