"""cProfile of one expert import inside this process (issue 16): the service (``start_import`` and its job), not
the HTTP client, so the profile shows where the import's own time goes. A fresh SQLite file unless DATABASE_URL
names another database.

Run: python -m bench.import_profile [--rows 2000] [--top 40]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import time
from datetime import UTC, datetime

from bench.import_bench import _environment, workbook


async def _import(content: bytes) -> dict:
    from app import ensure_default_specialties
    from app.wiring import wire
    from conflicts.live import LiveGraph
    from core.db import current_engine
    from core.migrate import migrate
    from core.uow import RecordContext, acting_as
    from spreadsheets.services import imports

    await migrate()
    await ensure_default_specialties()
    await current_engine().run_ddl("PRAGMA journal_mode=WAL")
    live = LiveGraph()
    wire()
    await live.load()
    now = datetime.now(UTC)
    with acting_as(RecordContext(actor="office:bench", action="POST /api/v1/imports/experts", at=now)):
        started = time.perf_counter()
        job = await imports.start_import("expert", "专家.xlsx", content, "bench", now, now.date(), live)
        await imports.wait_for_imports()
        elapsed = time.perf_counter() - started
    job = await imports.get_job(job.id)
    return {"seconds": round(elapsed, 2), "status": job.status, "accepted": job.accepted, "rejected": job.rejected,
            "duplicates": job.duplicates}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--no-profile", action="store_true", help="time the import alone")
    arguments = parser.parse_args()
    _environment()
    content = workbook(arguments.rows)
    if arguments.no_profile:
        print(asyncio.run(_import(content)))
        return
    profile = cProfile.Profile()
    profile.enable()
    figures = asyncio.run(_import(content))
    profile.disable()
    print(figures)
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats(arguments.sort).print_stats(arguments.top)
    print(out.getvalue())


if __name__ == "__main__":
    main()
