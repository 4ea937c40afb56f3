"""The service under uvicorn in its own process, on the test database; a free port, and waiting for a
service to answer (the load benchmark uses these too)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on at this moment."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, seconds: float = 120) -> None:
    """Poll ``url`` until it answers 200; TimeoutError when it has not after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url} did not answer within {seconds} s")
        time.sleep(0.2)


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
        wait_until_up(f"{base}/health")
        yield base, process
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait(timeout=10)
