"""National-scale benchmark (issue 17): the service under uvicorn, over HTTP on 127.0.0.1, on a database that
holds the generator's world (``python -m app.demo --experts 50000 --institutions 5000 --items 20000``).

Measured, against the figures the issue asks for:
- start-up (process start to ``/health`` answering, the graph built) and resident memory (VmRSS) after it;
- a panel request of 7 with three balance constraints (a quota per specialty, one per employer, a sector cap),
  end to end (conflict check with explanations, eligibility, plan, record, notices): p50 and p99;
- a one-candidate conflict check (``GET /items/{id}/conflicts/expert/{id}``): p50;
- 32 concurrent one-candidate checks beside a bare Litestar endpoint in the same run: the share of its rate, the
  median of ``--rounds`` rounds (bare, then checks, a moment apart; every round reported);
- the expert list with filters (specialty, sector, eligible): p50;
- the nightly re-check of all items, when the service has such a job (``GET /jobs`` names it): seconds, over
  ``--live-panels`` panels at work (default 4,000: seven invitations each, written in bulk through the tables a draw
  writes, on items the panel section does not use, and removed afterwards with the notices the run queued). The
  job runs once a day: when today's run is already recorded, the benchmark clears that record in its own
  database and runs the job again (``forced``); a run that still does not happen is reported as not run, never
  as 0 s.

The panel requests name their specialty sub-pools (the issue's universe); ``--whole-pool`` draws from everyone.

The database is the one ``--database-url`` names (SQLite file or PostgreSQL); with ``--load`` an empty one is
filled first (``app.demo``). A benchmark account is added once. Figures go to
``bench/results/scale_<engine>.json``; run it on a quiet machine and give the load average beside the figures.

Run: python -m bench.scale_bench --database-url postgresql://app:app@127.0.0.1:5432/app_bench [--load 50000]
     [--whole-pool] [--live-panels 4000]
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
LIVE_PANEL_MARK = "scale-bench:live-panels"  # requested_by of the panels at work the benchmark writes and removes
SEVEN = 7


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


async def add_live_panels(wanted: int, today: str, avoid: list[int], seed: int = 17) -> dict:
    """``wanted`` panel requests at work (``argument``, seven invitations each, pending or accepted, no opinion
    yet, the study deadline a month ahead), as a draw writes them: a request, its panel record and the
    invitations, in bulk. On the items with the highest ids that have no live request of that purpose and are
    not in ``avoid`` (the panel section's items); members among the experts whose fact says eligible."""
    from datetime import date, datetime, timedelta, timezone

    from assignment.tables import Invitation, Panel, PanelRequest
    from decisions.tables import DecisionItem
    from registry.tables import ExpertEligibility

    day = date.fromisoformat(today)
    now = datetime.now(timezone.utc)
    rng = random.Random(seed)
    busy = {r["item"] for r in await PanelRequest.select(PanelRequest.item).where(
        (PanelRequest.purpose == "argument") & (PanelRequest.status != "cancelled"))} | set(avoid)
    items = [r["id"] for r in await DecisionItem.select(DecisionItem.id).order_by(DecisionItem.id, ascending=False)
             if r["id"] not in busy][:wanted]
    experts = [r["expert"] for r in await ExpertEligibility.select(ExpertEligibility.expert).where(
        ExpertEligibility.eligible == True)]  # noqa: E712  # SQL
    started = time.perf_counter()
    invitations = 0
    for first in range(0, len(items), 500):
        requests = [PanelRequest(item=i, subject_kind="expert", purpose="argument", mode="meeting", size=SEVEN,
                                 handover_on=day, deadline=day + timedelta(days=30), constraints={},
                                 requested_by=LIVE_PANEL_MARK, created_at=now) for i in items[first:first + 500]]
        await PanelRequest.insert(*requests)
        panels = [Panel(panel_request=r.id, seed="1", candidates=[], candidates_hash="bench", constraints={}, plan={},
                        probabilities={}, exclusions=[], members=[], policy_version=1, deadline=r.deadline,
                        min_probability=0.0, upper_bound=1.0, created_at=now) for r in requests]
        await Panel.insert(*panels)
        rows = [Invitation(request=r.id, panel=p.id, subject_kind="expert", subject_id=e,
                           status=rng.choice(["pending", "accepted", "accepted"]), answer_by=day + timedelta(days=3),
                           created_at=now)
                for r, p in zip(requests, panels, strict=True) for e in rng.sample(experts, SEVEN)]
        for chunk in range(0, len(rows), 1000):
            await Invitation.insert(*rows[chunk:chunk + 1000])
        invitations += len(rows)
    return {"panels": len(items), "invitations": invitations, "written_s": round(time.perf_counter() - started, 1)}


async def remove_live_panels() -> dict:
    """The panels ``add_live_panels`` wrote, their invitations and the re-check notices queued about them."""
    from assignment.tables import Invitation, Panel, PanelRequest
    from notifications.tables import Outbox

    ids = [r["id"] for r in await PanelRequest.select(PanelRequest.id).where(
        PanelRequest.requested_by == LIVE_PANEL_MARK)]
    mine = set(ids)
    notices = [r["id"] for r in await Outbox.select(Outbox.id, Outbox.dedupe_key).where(
        Outbox.template == "conflict_recheck") if _notice_request(r["dedupe_key"]) in mine]
    for first in range(0, len(notices), 1000):
        await Outbox.delete().where(Outbox.id.is_in(notices[first:first + 1000]))
    for first in range(0, len(ids), 1000):
        chunk = ids[first:first + 1000]
        await Invitation.delete().where(Invitation.request.is_in(chunk))
        await Panel.delete().where(Panel.panel_request.is_in(chunk))
        await PanelRequest.delete().where(PanelRequest.id.is_in(chunk))
    return {"panels": len(ids), "notices": len(notices)}


def _notice_request(key: str) -> int | None:
    parts = key.split(":")
    return int(parts[1]) if len(parts) > 2 and parts[0] == "conflict-recheck" and parts[1].isdigit() else None


async def clear_job_claim(name: str) -> str | None:
    """The newest recorded run of job ``name`` (the day's claim that stops a second run), removed; its run key."""
    from notifications.tables import JobRun

    last = await JobRun.select(JobRun.id, JobRun.run_key, JobRun.state).where(JobRun.job == name).order_by(
        JobRun.id, ascending=False).first()
    if last is None or last["state"] == "running":
        return None
    await JobRun.delete().where(JobRun.id == last["id"])
    return last["run_key"]


def in_service_database(env: dict, call: str) -> object:
    """``call`` (an expression over this module's coroutines) run in a process of its own on the database."""
    return json.loads(_run_python(
        "import asyncio, json\n"
        "from bench import scale_bench as b\n"
        f"print(json.dumps(asyncio.run(b.{call})))\n", env).splitlines()[-1])


def nightly_recheck(http: httpx.Client, env: dict, live_panels: int, avoid: list[int]) -> dict:
    """The re-check job timed over ``live_panels`` panels at work (added, then removed); a run the job's
    once-a-day claim refused is cleared in this database and run again, or reported as not run."""
    job_names = [job["name"] for job in http.get(f"{API}/jobs").json()["items"]]
    recheck = next((name for name in job_names if any(word in name for word in RECHECK_WORDS)), None)
    if not recheck:
        return {"job": None, "note": "the service has no re-check job"}
    out: dict = {"job": recheck}
    try:
        if live_panels:
            out["live_panels_added"] = in_service_database(
                env, f"add_live_panels({live_panels}, {time.strftime('%Y-%m-%d')!r}, {sorted(avoid)!r})")
        seconds, response = timed(http, "POST", f"{API}/jobs/{recheck}/run")
        answer = response.json() if response.status_code < 300 else {}
        if answer.get("ran") is False:
            out["forced"] = in_service_database(env, f"clear_job_claim({recheck!r})")
            seconds, response = timed(http, "POST", f"{API}/jobs/{recheck}/run")
            answer = response.json() if response.status_code < 300 else {}
        if answer.get("ran"):
            out.update({"ran": True, "seconds": round(seconds, 1), "result": answer.get("result")})
        else:
            out.update({"ran": False, "seconds": None, "status": response.status_code,
                        "note": "the job did not run (already ran today, or refused)"})
    finally:
        if live_panels:
            out["live_panels_removed"] = in_service_database(env, "remove_live_panels()")
    return out


def concurrent_checks(args, bare_base: str, base: str, headers: dict, item_ids: list[int], expert_ids: list[int]
                      ) -> dict:
    """``--rounds`` rounds of the bare endpoint then the checks, each ``--seconds`` long: the share of each round
    (checks / bare, the two measured a moment apart) and their median. On a shared machine one pair can land on a
    busy moment for either side; every round is reported."""
    rounds = []
    for _ in range(args.rounds):
        bare = asyncio.run(drive(bare_base, {}, args.clients, args.seconds, lambda rng: ("bare", "GET", "/", None)))
        checks = asyncio.run(drive(base, headers, args.clients, args.seconds, lambda rng: (
            "check", "GET", f"{API}/items/{rng.choice(item_ids)}/conflicts/expert/{rng.choice(expert_ids)}"
                            "?purpose=argument", None)))
        rounds.append({"bare": bare["bare"], "checks": checks["check"], "load_average": os.getloadavg()[0],
                       "share_of_bare": round(checks["check"]["per_second"] / bare["bare"]["per_second"], 3)})
    return {"clients": args.clients, "seconds_each": args.seconds, "rounds": rounds,
            "share_of_bare": statistics.median(r["share_of_bare"] for r in rounds)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=None, help="default: a new SQLite file in a temporary folder")
    parser.add_argument("--load", type=int, default=None, help="experts to generate into an empty database")
    parser.add_argument("--panels", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=5,
                        help="rounds of the bare endpoint then the checks; the median share is the figure")
    parser.add_argument("--sub-pools", dest="sub_pools", action="store_true", default=True,
                        help="the requests name their sub-pools (the default)")
    parser.add_argument("--whole-pool", dest="sub_pools", action="store_false",
                        help="the requests name no sub-pool: everyone in the registry is a candidate")
    parser.add_argument("--live-panels", type=int, default=4000,
                        help="panels at work during the nightly re-check (written, then removed; 0: as found)")
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
            results["panel_universe"] = {"sub_pools": codes} if args.sub_pools else "whole pool"
            results["panel_request_7"] = panel_requests(http, item_ids, codes, args.panels, args.sub_pools)
            results["one_candidate_check"] = repeated(200, lambda: timed(
                http, "GET", f"{API}/items/{random.choice(item_ids)}/conflicts/expert/{random.choice(expert_ids)}",
                params={"purpose": "argument"}))
            results["expert_list_filtered"] = repeated(100, lambda: timed(http, "GET", f"{API}/experts", params={
                "specialty": random.choice(codes), "sector": random.choice(["academia", "government"]),
                "eligible": "true", "limit": 20, "offset": random.randrange(0, 100)}))
            results["nightly_recheck"] = nightly_recheck(http, env, args.live_panels, item_ids)
        results["concurrent_checks"] = concurrent_checks(args, f"http://127.0.0.1:{bare_port}", base, headers,
                                                         item_ids, expert_ids)
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
