"""Commands for the pool office.

  python -m accounts.cli create-office-user USERNAME   the first account; the password is asked twice
                                                       (or read from REGISTRY_PASSWORD); never a default
  python -m accounts.cli verify-chain                  check the event log's hash chain (exit 1 if broken)
  python -m accounts.cli checkpoint                    anchor the chain's head outside the database
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from datetime import datetime, timezone

from accounts.audit import verify, write_checkpoint
from accounts.services import create_account
from core.errors import DomainError
from core.migrate import migrate


async def _create(username: str) -> int:
    await migrate()
    password = os.environ.get("REGISTRY_PASSWORD")
    if not password:
        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            print("两次输入的密码不一致", file=sys.stderr)
            return 2
    try:
        await create_account(username, password, "office", datetime.now(timezone.utc))
    except DomainError as exc:
        reasons = "；".join(e.reason for e in exc.errors) or exc.detail
        print(f"未创建账号：{reasons}", file=sys.stderr)
        return 2
    print(f"已创建政策法规处账号 {username}")
    return 0


async def _verify() -> int:
    report = await verify()
    if report.ok:
        print(f"记录链完整：共 {report.events} 条")
        return 0
    print(f"记录链在第 {report.first_bad_seq} 条处不完整：{report.problem}（共 {report.events} 条）")
    return 1


async def _checkpoint() -> int:
    entry = await write_checkpoint(datetime.now(timezone.utc))
    print(f"锚点：第 {entry['seq']} 条 {entry['hash']}，时间 {entry['at']}")
    return 0


def main() -> None:
    os.environ.setdefault("PICCOLO_CONF", "piccolo_conf")
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-office-user")
    create.add_argument("username")
    commands.add_parser("verify-chain")
    commands.add_parser("checkpoint", help="anchor the chain's head in the checkpoint file")
    args = parser.parse_args()
    if args.command == "create-office-user":
        code = asyncio.run(_create(args.username))
    else:
        code = asyncio.run(_verify() if args.command == "verify-chain" else _checkpoint())
    sys.exit(code)


if __name__ == "__main__":
    main()
