"""A panel's answer size and read-back time over a large pool (issue 17, "a compact record").

Against a database already filled by the demo loader (``python -m app.demo --experts 20000 --institutions 2000
--items 5000`` with the same DATABASE_URL and DATA_DIR), in process (Litestar's test client, no network): the
pool office draws a panel of 7 with three balance constraints for an item that has none, then reads the
request back ``--reads`` times (``GET /panel-requests/{id}``); every panel request already in the database is
read back too (one drawn by an earlier version is read through its migrated record). Prints JSON: the draw's
time and answer size, the read-back p50 and size, and, when the paged endpoint exists, one page of exclusions.

Run: DATABASE_URL=sqlite:////tmp/scale_record.sqlite DATA_DIR=/tmp/sr-data python -m bench.record_compact_bench
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time

PASSWORD = "bench passphrase for the compact record"


def _environment() -> None:
    if "DATABASE_URL" not in os.environ or "DATA_DIR" not in os.environ:
        raise SystemExit("set DATABASE_URL and DATA_DIR to the database the demo loader filled")
    os.environ.setdefault("PICCOLO_CONF", "piccolo_conf")
    os.environ["RUN_SCHEDULER"] = "0"
    os.environ.setdefault("ARGON2_CHEAP", "1")


async def _prepare() -> tuple[int, str]:
    from accounts.services import create_account
    from accounts.tables import Account
    from assignment.tables import PanelRequest
    from core.clock import Clock
    from core.migrate import migrate
    from decisions.tables import DecisionItem

    await migrate()
    if not await Account.exists().where(Account.username == "bench-office"):
        await create_account("bench-office", PASSWORD, "office", Clock().now(), None, None)
    used = {r["item"] for r in await PanelRequest.select(PanelRequest.item)}
    for item in await DecisionItem.select(DecisionItem.id, DecisionItem.specialty_codes).order_by(DecisionItem.id):
        codes = item["specialty_codes"] if isinstance(item["specialty_codes"], list) else json.loads(
            item["specialty_codes"] or "[]")
        if item["id"] not in used and codes:
            return item["id"], codes[0].split(".")[0]
    raise SystemExit("no decision item without a panel request")


def _timed(client, path: str) -> tuple[float, int, object]:
    started = time.perf_counter()
    response = client.get(path)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, response.text[:500]
    return elapsed, len(response.content), response.json()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reads", type=int, default=10)
    args = parser.parse_args()
    _environment()
    from litestar.testing import TestClient

    from app import create_app
    from core.clock import Clock

    item_id, code = asyncio.run(_prepare())
    out: dict = {"database": os.environ["DATABASE_URL"].split("://")[0]}
    with TestClient(create_app(clock=Clock(), migrate_on_start=False)) as client:
        token = client.post("/api/v1/auth/login", json={"username": "bench-office", "password": PASSWORD}).json()
        client.headers["Authorization"] = f"Bearer {token['token']}"
        existing = client.get("/api/v1/panel-requests?limit=100").json()["items"]
        body = {"item_id": item_id, "purpose": "argument", "mode": "meeting", "size": 7,
                "handover_on": Clock().today().isoformat(),
                "balance": {"min_per_specialty": {code: 2}, "max_per_employer": 1, "max_per_sector": 4}}
        started = time.perf_counter()
        response = client.post("/api/v1/panel-requests", json=body)
        draw_ms = (time.perf_counter() - started) * 1000
        assert response.status_code == 201, response.text[:1000]
        drawn = response.json()
        out["draw"] = {"request_id": drawn["id"], "ms": round(draw_ms), "answer_bytes": len(response.content),
                       "eligible": drawn["panel"]["eligible"]}
        for request in [*existing, drawn]:
            times, size = [], 0
            for _ in range(args.reads):
                elapsed, size, _ = _timed(client, f"/api/v1/panel-requests/{request['id']}")
                times.append(elapsed)
            entry = {"read_p50_ms": round(statistics.median(times), 1), "read_max_ms": round(max(times), 1),
                     "answer_bytes": size}
            paged = client.get(f"/api/v1/panel-requests/{request['id']}/exclusions?limit=100")
            if paged.status_code == 200:
                started = time.perf_counter()
                page = client.get(f"/api/v1/panel-requests/{request['id']}/exclusions?limit=100&offset=100")
                entry["exclusions_page_ms"] = round((time.perf_counter() - started) * 1000, 1)
                entry["exclusions_page_bytes"] = len(page.content)
                entry["exclusions_total"] = page.json()["total"]
            started = time.perf_counter()
            verification = client.get(f"/api/v1/panels/{request['panel']['id']}/verification")
            entry["verification_ms"] = round((time.perf_counter() - started) * 1000)
            entry["verified"] = verification.json().get("verified")
            out[f"request {request['id']}"] = entry
    print(json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
