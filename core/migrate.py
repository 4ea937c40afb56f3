"""Bring the database schema up to date with piccolo's migrations (the same files on SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import os


async def migrate() -> None:
    os.environ.setdefault("PICCOLO_CONF", "piccolo_conf")
    from piccolo.apps.migrations.commands.forwards import run_forwards

    result = await run_forwards(app_name="all")
    if not result.success:
        raise RuntimeError(f"migrations failed: {result.message}")


if __name__ == "__main__":
    asyncio.run(migrate())
