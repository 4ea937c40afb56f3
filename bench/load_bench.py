"""Load benchmark: the running service on 127.0.0.1 under 32 concurrent clients, beside a bare Litestar
endpoint measured in the same run.

The service runs under uvicorn (one process) on a fresh SQLite database with the demo data (about 300
experts, 60 decision items) and a pool-office account. Each client loops for the duration: an
expert's record (50%), a list page (35%), or a panel request (15%). Requests per second, p50 and p99
latency and errors (5xx or no answer; a 422 for a panel that can no longer be drawn, and a 409 for an item
that already has a live draw for the purpose (R-PANEL-2), are counted apart as refused)
go to bench/results/load.json.

Run: python -m bench.load_bench [--seconds 30] [--clients 32]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import httpx

from tests.support.live import free_port, wait_until_up

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "benchmark passphrase 2026"

BARE_APP = '''
from litestar import Litestar, get

@get("/")
async def index() -> dict[str, str]:
    return {"status": "ok"}

app = Litestar([index])
'''


def start(args: list[str], env: dict, health: str, seconds: float = 60) -> subprocess.Popen:
    process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_up(health, seconds=seconds)
    except TimeoutError:
        process.kill()
        raise RuntimeError(f"{args} did not start") from None
    return process


def prepare(env: dict) -> None:
    script = (
        "import asyncio\n"
        "from datetime import date, datetime, timezone\n"
        "from core.migrate import migrate\n"
        "from registry.services.specialties import ensure_default_specialties\n"
        "from app.demo import load_demo\n"
        "from accounts.services import create_account\n"
        "async def main():\n"
        "    await migrate()\n"
        "    await ensure_default_specialties()\n"
        "    await load_demo(date(2026, 11, 24))\n"
        f"    await create_account('bench', {PASSWORD!r}, 'office', datetime.now(timezone.utc))\n"
        "asyncio.run(main())\n")
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True, capture_output=True)


async def drive(base: str, headers: dict, clients: int, seconds: float, pick) -> dict:
    latencies: dict[str, list[float]] = defaultdict(list)
    outcomes: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    stop = time.monotonic() + seconds

    async def client(n: int) -> None:
        rng = random.Random(n)
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as http:
            while time.monotonic() < stop:
                kind, method, url, body = pick(rng)
                started = time.perf_counter()
                try:
                    response = await http.request(method, url, json=body)
                    code = response.status_code
                except httpx.HTTPError:
                    code = 0
                latencies[kind].append(time.perf_counter() - started)
                label = "ok" if code < 400 else "refused" if code in (409, 422) else "error"
                outcomes[kind][label] += 1

    started = time.monotonic()
    await asyncio.gather(*(client(n) for n in range(clients)))
    elapsed = time.monotonic() - started
    report = {}
    for kind, values in latencies.items():
        ordered = sorted(values)
        report[kind] = {
            "requests": len(values), "per_second": round(len(values) / elapsed, 1),
            "p50_ms": round(statistics.median(ordered) * 1000, 1),
            "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 1),
            **dict(outcomes[kind]),
        }
    report["all"] = {"requests": sum(len(v) for v in latencies.values()),
                     "per_second": round(sum(len(v) for v in latencies.values()) / elapsed, 1),
                     "errors": sum(o.get("error", 0) for o in outcomes.values()), "seconds": round(elapsed, 1)}
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--clients", type=int, default=32)
    args = parser.parse_args()
    seconds = min(args.seconds, 120)  # bounded
    data = Path(tempfile.mkdtemp(prefix="registry-load-"))
    env = {**os.environ, "DATA_DIR": str(data), "RUN_SCHEDULER": "0", "MIGRATE_ON_START": "0", "APP_ENV": "development",
           "MAX_ACTIVE_PANELS": "1000", "MAX_PANELS_PER_YEAR": "1000", "PICCOLO_CONF": "piccolo_conf"}
    env.pop("DATABASE_URL", None)
    prepare(env)
    service_port, bare_port = free_port(), free_port()
    (data / "bare_app.py").write_text(BARE_APP)
    service = start([sys.executable, "-m", "uvicorn", "app:create_app", "--factory", "--port", str(service_port),
                     "--log-level", "warning", "--no-access-log"], env, f"http://127.0.0.1:{service_port}/health")
    bare = start([sys.executable, "-m", "uvicorn", "bare_app:app", "--app-dir", str(data), "--port", str(bare_port),
                  "--log-level", "warning", "--no-access-log"], env, f"http://127.0.0.1:{bare_port}/")
    try:
        base = f"http://127.0.0.1:{service_port}"
        login = httpx.post(f"{base}/api/v1/auth/login", json={"username": "bench", "password": PASSWORD})
        token = login.json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        experts = httpx.get(f"{base}/api/v1/experts", params={"limit": 500}, headers=headers).json()
        expert_ids = [e["id"] for e in experts["items"]]
        items = httpx.get(f"{base}/api/v1/items", params={"limit": 500}, headers=headers).json()["items"]
        item_ids = [i["id"] for i in items]

        def pick(rng: random.Random):
            roll = rng.random()
            if roll < 0.50:
                return "expert_read", "GET", f"/api/v1/experts/{rng.choice(expert_ids)}", None
            if roll < 0.85:
                return "list_page", "GET", f"/api/v1/experts?limit=20&offset={rng.randrange(0, 280)}", None
            return "panel_request", "POST", "/api/v1/panel-requests", {
                "item_id": rng.choice(item_ids), "purpose": "argument", "size": 7, "handover_on": "2026-11-24",
                "requested_by": "bench", "balance": {}}  # the seed is the service's (R-PANEL-2)

        bare_report = asyncio.run(drive(f"http://127.0.0.1:{bare_port}", {}, args.clients, min(seconds, 15),
                                        lambda rng: ("bare", "GET", "/", None)))
        reads_report = asyncio.run(drive(base, headers, args.clients, min(seconds, 15), lambda rng: (
            "expert_read", "GET", f"/api/v1/experts/{rng.choice(expert_ids)}", None)))
        service_report = asyncio.run(drive(base, headers, args.clients, seconds, pick))
    finally:
        service.terminate()
        bare.terminate()
        service.wait()
        bare.wait()
    read = reads_report["expert_read"]["per_second"]
    results = {
        "clients": args.clients, "seconds": seconds,
        "machine": f"{os.cpu_count()} cores; load generator on the same machine",
        "bare_litestar": bare_report["bare"], "expert_reads_alone": reads_report["expert_read"],
        "mixed": service_report,
        "expert_read_share_of_bare": round(read / bare_report["bare"]["per_second"], 3),
    }
    out = ROOT / "bench" / "results" / "load.json"
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
