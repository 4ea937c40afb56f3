"""Deliver the outbox from its own process: ``python -m notifications.worker [--once]``.

The service's scheduler does the same every ten seconds; a separate worker is for deployments that
keep delivery apart from the web processes. Any number may run: rows are claimed one by one.
"""

from __future__ import annotations

import argparse
import asyncio
import os

from core.clock import Clock


async def main(once: bool, interval: float) -> None:
    os.environ.setdefault("PICCOLO_CONF", "piccolo_conf")
    from notifications.outbox import deliver_due

    clock = Clock()
    while True:
        report = await deliver_due(clock.now())
        if once:
            print(report, flush=True)
            return
        if not report.claimed:
            await asyncio.sleep(interval)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--once", action="store_true")
    parser.add_argument("--interval", type=float, default=1.0)
    args = parser.parse_args()
    asyncio.run(main(args.once, args.interval))
