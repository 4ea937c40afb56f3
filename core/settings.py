"""Settings read from the environment, one dataclass per concern (cached)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path


@dataclass(frozen=True)
class DatabaseSettings:
    """``DATABASE_URL``: ``sqlite:///path/file.sqlite`` (default) or ``postgresql://user:pw@host:port/db``."""

    url: str
    pool_size: int

    @property
    def is_postgres(self) -> bool:
        return self.url.startswith(("postgresql://", "postgres://"))

    @property
    def sqlite_path(self) -> Path:
        if not self.url.startswith("sqlite:///"):
            raise ValueError(f"not a SQLite URL: {self.url!r}")
        return Path(self.url.removeprefix("sqlite:///"))


@dataclass(frozen=True)
class PrivacySettings:
    """Key for personal information at rest (R-REC-4): a Fernet key, or a file holding one."""

    key: str | None
    key_file: Path
    require_key: bool


@dataclass(frozen=True)
class Settings:
    environment: str
    data_dir: Path
    database: DatabaseSettings
    privacy: PrivacySettings
    max_active_panels: int = 3  # workload cap: panels an expert is on at once
    max_panels_per_year: int = 10


@lru_cache
def get_settings() -> Settings:
    data_dir = Path(os.environ.get("DATA_DIR", "data")).resolve()
    environment = os.environ.get("APP_ENV", "development")
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{data_dir / 'registry.sqlite'}"
    return Settings(
        environment=environment,
        data_dir=data_dir,
        database=DatabaseSettings(url=database_url, pool_size=int(os.environ.get("DB_POOL_SIZE", "0"))),
        privacy=PrivacySettings(
            key=os.environ.get("PII_KEY") or None,
            key_file=Path(os.environ.get("PII_KEY_FILE", str(data_dir / "pii.key"))),
            # In production a missing key is a configuration error, never a silently generated one.
            require_key=environment == "production",
        ),
        max_active_panels=int(os.environ.get("MAX_ACTIVE_PANELS", "3")),
        max_panels_per_year=int(os.environ.get("MAX_PANELS_PER_YEAR", "10")),
    )
