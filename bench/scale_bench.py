"""National-scale benchmark (issue 17): the service under uvicorn, over HTTP on 127.0.0.1, on a database that
holds the generator's world (``python -m app.demo --experts 50000 --institutions 5000 --items 20000``).

Measured, against the figures the issue asks for:
- start-up (process start to ``/health`` answering, the graph built) and resident memory (VmRSS) after it;
- a panel request of 7 with three balance constraints (a quota per specialty, one per employer, a sector cap),
  end to end (conflict check with explanations, eligibility, plan, record, notices): p50 and p99;
- a one-candidate conflict check (``GET /items/{id}/conflicts/expert/{id}``): p50;
- 32 concurrent one-candidate checks beside a bare Litestar endpoint in the same run: the share of its rate;
- the expert list with filters (specialty, sector, eligible): p50;
- the nightly re-check of all items, when the service has such a job (``GET /jobs`` names it): seconds.

The database is the one ``--database-url`` names (SQLite file or PostgreSQL); with ``--load`` an empty one is
filled first (``app.demo``). A benchmark account is added once. Figures go to
``bench/results/scale_<engine>.json``; run it on a quiet machine and give the load average beside the figures.

Run: python -m bench.scale_bench --database-url postgresql://app:app@127.0.0.1:5432/app_bench [--load 50000]
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
from pathlib import Path

import httpx

from bench.load_bench import BARE_APP, drive, start
from tests.support.live import free_port

ROOT = Path(__file__).resolve().parents[1]
API = "/api/v1"
USERNAME, PASSWORD = "scale-bench", "benchmark passphrase 2026"
RECHECK_WORDS = ("recheck", "re_check", "conflict_check")


def _run_python(script: str, env: dict) -> str:
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True, capture_output=True,
                          text=True)
    return done.stdout.strip()


def prepare(env: dict, load: int | None) -> None:
    """Migrate, load the world when asked and the database is empty, and add the benchmark's office login."""
    if load:
        subprocess.run([sys.executable, "-m", "app.demo", "--experts", str(load), "--institutions",
                        str(max(80, load // 10)), "--items", str(max(60, load * 2 // 5))], cwd=ROOT, env=env,
                       check=False)
    _run_python(
        "import asyncio\n"
        "from datetime import datetime, timezone\n"
        "from core.migrate import migrate\n"
        "from accounts.services import create_account\n"
        "from accounts.tables import Account\n"
        "async def main():\n"
        "    await migrate()\n"
        f"    if not await Account.exists().where(Account.username == {USERNAME!r}):\n"
        f"        await create_account({USERNAME!r}, {PASSWORD!r}, 'office', datetime.now(timezone.utc))\n"
        "asyncio.run(main())\n", env)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def summary(seconds: list[float]) -> dict:
    ordered = sorted(seconds)
    return {"n": len(ordered), "p50_ms": round(statistics.median(ordered) * 1000, 1),
            "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 1),
            "max_ms": round(ordered[-1] * 1000, 1)} if ordered else {"n": 0}


def timed(http: httpx.Client, method: str, url: str, **kwargs) -> tuple[float, httpx.Response]:
    started = time.perf_counter()
    response = http.request(method, url, **kwargs)
    return time.perf_counter() - started, response


def repeated(times: int, call) -> dict:
    """``call`` (answering (seconds, response)) ``times`` times: the successful answers' times, errors apart."""
    took, errors = [], 0
    for _ in range(times):
        seconds, response = call()
        if response.status_code < 300:
            took.append(seconds)
        else:
            errors += 1
    return {**summary(took), "errors": errors}


def biggest_sub_pools(http: httpx.Client) -> list[str]:
    """The two top-level specialties with the most eligible experts (the panel's quota asks two of each)."""
    tree = http.get(f"{API}/specialties").json()
    roots = [node for node in tree if not node.get("parent_code")]
    roots.sort(key=lambda node: node.get("experts_in_pool", 0), reverse=True)
    return [node["code"] for node in roots[:2]]


def panel_requests(http: httpx.Client, item_ids: list[int], codes: list[str], wanted: int, sub_pools: bool) -> dict:
    """Panels of 7 on distinct items (one live draw per item and purpose, R-PANEL-2) until ``wanted`` were drawn."""
    took: list[float] = []
    sizes: list[int] = []
    refused = errors = 0
    for item_id in item_ids:
        if len(took) >= wanted:
            break
        body = {"item_id": item_id, "purpose": "argument", "size": 7, "handover_on": time.strftime("%Y-%m-%d"),
                "balance": {"min_per_specialty": {code: 2 for code in codes}, "max_per_employer": 1,
                            "max_per_sector": 4}}
        if sub_pools:
            body["sub_pools"] = codes
        seconds, response = timed(http, "POST", f"{API}/panel-requests", json=body)
        if response.status_code < 300:
            took.append(seconds)
            sizes.append(len(response.content))
        elif response.status_code in (409, 422):
            refused += 1
        else:
            errors += 1
    return {**summary(took), "refused": refused, "errors": errors,
            "answer_kb_p50": round(statistics.median(sizes) / 1024, 1) if sizes else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=None, help="default: a new SQLite file in a temporary folder")
    parser.add_argument("--load", type=int, default=None, help="experts to generate into an empty database")
    parser.add_argument("--panels", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--sub-pools", action="store_true", help="the requests name their sub-pools")
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="registry-scale-"))
    url = args.database_url or f"sqlite:///{data}/scale.sqlite"
    env = {**os.environ, "DATA_DIR": os.environ.get("DATA_DIR", str(data)), "DATABASE_URL": url,
           "RUN_SCHEDULER": "0", "MIGRATE_ON_START": "0", "APP_ENV": "development", "PICCOLO_CONF": "piccolo_conf",
           "MAX_ACTIVE_PANELS": "1000", "MAX_PANELS_PER_YEAR": "1000"}
    prepare(env, args.load)
    engine = "postgresql" if url.startswith("postgres") else "sqlite"
    port, bare_port = free_port(), free_port()
    started = time.perf_counter()
    service = start([sys.executable, "-m", "uvicorn", "app:create_app", "--factory", "--port", str(port),
                     "--log-level", "warning", "--no-access-log"], env, f"http://127.0.0.1:{port}/health", seconds=600)
    startup_s = round(time.perf_counter() - started, 1)
    (data / "bare_app.py").write_text(BARE_APP)
    bare = start([sys.executable, "-m", "uvicorn", "bare_app:app", "--app-dir", str(data), "--port", str(bare_port),
                  "--log-level", "warning", "--no-access-log"], env, f"http://127.0.0.1:{bare_port}/")
    results: dict = {"engine": engine, "startup_s": startup_s, "rss_after_startup_mb": rss_mb(service.pid),
                     "load_average": os.getloadavg(), "machine": f"{os.cpu_count()} cores; client on the same machine"}
    base = f"http://127.0.0.1:{port}"
    try:
        token = httpx.post(f"{base}{API}/auth/login", json={"username": USERNAME, "password": PASSWORD}).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=base, headers=headers, timeout=120) as http:
            results["experts"] = http.get(f"{API}/experts", params={"limit": 1}).json()["total"]
            items = http.get(f"{API}/items", params={"limit": 500}).json()["items"]
            item_ids = [item["id"] for item in items]
            random.Random(2026).shuffle(item_ids)
            expert_ids = [e["id"] for e in http.get(f"{API}/experts", params={"limit": 500}).json()["items"]]
            codes = biggest_sub_pools(http)
            results["panel_request_7"] = panel_requests(http, item_ids, codes, args.panels, args.sub_pools)
            results["one_candidate_check"] = repeated(200, lambda: timed(
                http, "GET", f"{API}/items/{random.choice(item_ids)}/conflicts/expert/{random.choice(expert_ids)}",
                params={"purpose": "argument"}))
            results["expert_list_filtered"] = repeated(100, lambda: timed(http, "GET", f"{API}/experts", params={
                "specialty": random.choice(codes), "sector": random.choice(["academia", "government"]),
                "eligible": "true", "limit": 20, "offset": random.randrange(0, 100)}))
            job_names = [job["name"] for job in http.get(f"{API}/jobs").json()["items"]]
            recheck = next((name for name in job_names if any(word in name for word in RECHECK_WORDS)), None)
            if recheck:
                seconds, response = timed(http, "POST", f"{API}/jobs/{recheck}/run")
                results["nightly_recheck"] = {"job": recheck, "seconds": round(seconds, 1),
                                              "result": response.json().get("result")}
            else:
                results["nightly_recheck"] = {"job": None, "note": "the service has no re-check job"}
        bare_rate = asyncio.run(drive(f"http://127.0.0.1:{bare_port}", {}, args.clients, args.seconds,
                                      lambda rng: ("bare", "GET", "/", None)))["bare"]
        check_rate = asyncio.run(drive(base, headers, args.clients, args.seconds, lambda rng: (
            "check", "GET", f"{API}/items/{rng.choice(item_ids)}/conflicts/expert/{rng.choice(expert_ids)}"
                            "?purpose=argument", None)))["check"]
        results["concurrent_checks"] = {"clients": args.clients, "bare": bare_rate, "checks": check_rate,
                                        "share_of_bare": round(check_rate["per_second"] / bare_rate["per_second"], 3)}
        results["rss_after_run_mb"] = rss_mb(service.pid)
    finally:
        service.terminate()
        bare.terminate()
        service.wait()
        bare.wait()
    out = ROOT / "bench" / "results" / f"scale_{engine}.json"
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
