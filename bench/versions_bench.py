"""What the cross-process read cache costs per cached read (issue 17): one read of the change version row.

    DATABASE_URL=... PII_KEY=... python -m bench.versions_bench      # migrates the database named, then reads
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import time

os.environ.setdefault("PICCOLO_CONF", "piccolo_conf")

from accounts import versions
from core.db import current_engine, start_pool
from core.migrate import migrate


async def main(reads: int = 1000) -> dict:
    await migrate()
    engine = current_engine()
    if engine.engine_type == "postgres":
        await start_pool(10)
    await versions.current()
    times = []
    for _ in range(reads):
        start = time.perf_counter()
        await versions.current()
        times.append(time.perf_counter() - start)
    times.sort()
    return {"engine": engine.engine_type, "reads": reads, "p50_ms": round(times[reads // 2] * 1000, 3),
            "p99_ms": round(times[int(reads * 0.99)] * 1000, 3), "machine": platform.machine()}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main())))
