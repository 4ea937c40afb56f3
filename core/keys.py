"""Secret keys kept outside the database: from a setting, or (in development) generated once into a
file only the service's user can read."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def load_or_create_key(value: str | None, key_file: Path, required: bool, name: str) -> bytes:
    if value:
        return value.encode()
    if key_file.exists():
        return key_file.read_bytes().strip()
    if required:
        raise RuntimeError(f"{name} is not set: production needs its key from the environment or {key_file}")
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(32).encode()
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it a moment ago
        return key_file.read_bytes().strip()
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
    return key


def private_file(path: Path) -> None:
    """Make a file the service writes (database, backup) readable by its owner only."""
    if path.exists():
        os.chmod(path, 0o600)
