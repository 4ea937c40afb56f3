"""Back up and restore the database: ``python -m core.backup create FILE`` / ``restore FILE``.

SQLite: a consistent online copy with SQLite's backup API (safe while the service runs); restore
copies it back (stop the service first). PostgreSQL: ``pg_dump --format=custom`` and
``pg_restore --clean --if-exists`` (the client tools of the server's version must be installed).
After a restore, ``python -m accounts.cli verify-chain`` confirms the event log is whole.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
from pathlib import Path

from core.keys import private_file
from core.settings import get_settings


def create(target: Path) -> None:
    database = get_settings().database
    target.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(target, os.O_WRONLY | os.O_CREAT, 0o600))  # a backup is as private as the database
    private_file(target)
    if database.is_postgres:
        subprocess.run(["pg_dump", "--format=custom", "--no-owner", "--file", str(target), "--dbname", database.url],
                       check=True)
        return
    source = sqlite3.connect(database.sqlite_path)
    copy = sqlite3.connect(target)
    with copy:
        source.backup(copy)
    copy.close()
    source.close()


def restore(source: Path) -> None:
    if not source.exists():
        raise SystemExit(f"没有找到备份文件 {source}")
    database = get_settings().database
    if database.is_postgres:
        subprocess.run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
                        "--dbname", database.url, str(source)], check=True)
        return
    backup = sqlite3.connect(source)
    live = sqlite3.connect(database.sqlite_path)
    with live:
        backup.backup(live)
    live.close()
    backup.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=("create", "restore"))
    parser.add_argument("file", type=Path)
    args = parser.parse_args()
    (create if args.command == "create" else restore)(args.file)
    print(f"{args.command}: {args.file}")


if __name__ == "__main__":
    main()
