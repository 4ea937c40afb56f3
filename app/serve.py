"""Start the service: migrate, optionally load demo data, print the address, serve with uvicorn."""

from __future__ import annotations

import argparse
import asyncio
import secrets
from datetime import datetime, timezone

import uvicorn

from accounts.services import create_account
from accounts.tables import Account
from app.demo import load_demo
from core.clock import Clock
from core.migrate import migrate
from core.settings import get_settings
from registry.services.specialties import ensure_default_specialties


async def _prepare(demo: bool) -> None:
    await migrate()
    if demo:
        await ensure_default_specialties()
        loaded = await load_demo(Clock().today())
        print("demo data:", loaded or "already loaded", flush=True)
        await _demo_login()


async def _demo_login() -> None:
    """A pool-office login for the demo, with a password made now and shown once: never a default."""
    if await Account.exists().where(Account.username == "demo-office"):
        print("demo login: demo-office (password shown when it was created)", flush=True)
        return
    password = secrets.token_urlsafe(12)
    await create_account("demo-office", password, "office", datetime.now(timezone.utc))
    print(f"demo login: username demo-office, password {password}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--demo", action="store_true", help="load a few hundred generated experts when empty")
    args = parser.parse_args()
    asyncio.run(_prepare(args.demo))
    settings = get_settings()
    base = f"http://{args.host}:{args.port}"
    print(f"Registry service on {base}  (API {base}/api/v1, docs {base}/schema, database {settings.database.url})",
          flush=True)
    uvicorn.run("app:create_app", factory=True, host=args.host, port=args.port, log_level="info")


if __name__ == "__main__":
    main()
