"""What the full-process record costs a write (R-REC-1/2).

One write = a unit of work that inserts a row and touches a protected row (a typical service change),
measured with the record (the keyed chain event and the protected-row digest, written before commit)
and without it (the same unit of work with no before-commit step). Run on a fresh SQLite file, or on
the PostgreSQL that DATABASE_URL names. Figures (p50, p99 in ms, and the overhead) go to
bench/results/record.json.

Run: python -m bench.record_bench [--writes 500]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "record.json"


def _environment() -> None:
    data = tempfile.mkdtemp(prefix="record-bench-")
    os.environ.setdefault("DATA_DIR", data)
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{data}/bench.sqlite")
    os.environ.setdefault("PII_KEY", "q4rcLr1oChPqvAt7Me7N4g6Fv7rUZM2hpXBiEsYxO4s=")
    os.environ["PICCOLO_CONF"] = "piccolo_conf"


async def _writes(count: int, recorded: bool) -> list[float]:
    from accounts import audit
    from accounts.tables import Account, LoginAttempt
    from core.uow import BUS, RecordContext, acting_as, touch, unit_of_work

    BUS.clear()
    if recorded:
        BUS.before_commit(audit.record_unit)
    account = await Account.select(Account._meta.primary_key).first()
    if account is None:
        raise RuntimeError("main() creates the benchmark's account first")
    account_id: int = account["id"]
    timings = []
    for n in range(count):
        context = RecordContext(actor="office:bench", action="POST /bench", subject=f"account:{account_id}",
                                request={"n": n, "reason": "benchmark"}, at=datetime.now(timezone.utc))
        started = time.perf_counter()
        with acting_as(context):
            async with unit_of_work():
                await LoginAttempt(username="bench", client="127.0.0.1", success=True, at=context.at).save()
                touch(Account, account_id)
        timings.append((time.perf_counter() - started) * 1000)
    BUS.clear()
    return timings


def _figures(timings: list[float]) -> dict:
    ordered = sorted(timings)
    return {"p50_ms": round(statistics.median(ordered), 3), "p99_ms": round(ordered[int(len(ordered) * 0.99) - 1], 3),
            "writes": len(ordered)}


async def main(writes: int) -> dict:
    from accounts.services import create_account
    from core.db import start_pool
    from core.migrate import migrate
    from core.settings import get_settings

    await migrate()
    database = get_settings().database
    if database.is_postgres and database.pool_size:  # as the service runs with DB_POOL_SIZE
        await start_pool(database.pool_size)
    await create_account("bench-office", "benchmark passphrase 2026", "office", datetime.now(timezone.utc))
    await _writes(50, True)  # warm-up: connections, caches, the key
    without = _figures(await _writes(writes, False))
    with_record = _figures(await _writes(writes, True))
    engine = "postgresql" if database.is_postgres else "sqlite"
    if database.is_postgres:
        engine += f" (pool {database.pool_size})"
    return {"engine": engine, "without_record": without, "with_record": with_record,
            "overhead_p50_ms": round(with_record["p50_ms"] - without["p50_ms"], 3),
            "overhead_p99_ms": round(with_record["p99_ms"] - without["p99_ms"], 3)}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--writes", type=int, default=500)
    args = parser.parse_args()
    _environment()
    result = asyncio.run(main(args.writes))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    existing = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    existing[result["engine"]] = result
    RESULTS.write_text(json.dumps(existing, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(result, indent=2))
