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
class RecordSettings:
    """The full-process record's chain key (kept outside the database) and where its head is anchored."""

    key: str | None
    key_file: Path
    checkpoint_file: Path
    require_key: bool


@dataclass(frozen=True)
class NotificationSettings:
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    sender: str = "政策法规处 <noreply@registry.local>"
    office_email: str = ""  # the pool office's own address for term-expiry notices
    base_url: str = "http://127.0.0.1:8000"  # for the signed links in e-mails
    link_secret: str | None = None  # required in production; generated into the data folder otherwise
    link_days: int = 7  # how long an accept/decline link stays valid
    lease_seconds: int = 60  # a worker's claim on an outbox row
    max_attempts: int = 8
    annual_review_date: str = "12-01"  # MM-DD: the annual review tasks are opened on this day
    run_scheduler: bool = True


@dataclass(frozen=True)
class Settings:
    environment: str
    data_dir: Path
    database: DatabaseSettings
    privacy: PrivacySettings
    record: RecordSettings
    max_active_panels: int = 3  # workload cap: panels an expert is on at once
    max_panels_per_year: int = 10
    notifications: NotificationSettings = NotificationSettings()
    read_cache_seconds: int = 5  # hot reads (expert records, list pages) served from memory this long


@lru_cache
def get_settings() -> Settings:
    data_dir = Path(os.environ.get("DATA_DIR", "data")).resolve()
    environment = os.environ.get("APP_ENV", "development")
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{data_dir / 'registry.sqlite'}"
    return Settings(
        environment=environment,
        data_dir=data_dir,
        database=DatabaseSettings(url=database_url, pool_size=int(os.environ.get("DB_POOL_SIZE", "10"))),
        privacy=PrivacySettings(
            key=os.environ.get("PII_KEY") or None,
            key_file=Path(os.environ.get("PII_KEY_FILE", str(data_dir / "pii.key"))),
            # In production a missing key is a configuration error, never a silently generated one.
            require_key=environment == "production",
        ),
        record=RecordSettings(
            key=os.environ.get("AUDIT_KEY") or None,
            key_file=Path(os.environ.get("AUDIT_KEY_FILE", str(data_dir / "audit.key"))),
            checkpoint_file=Path(os.environ.get("AUDIT_CHECKPOINT_FILE",
                                                str(data_dir / "checkpoints" / "record-head.jsonl"))),
            require_key=environment == "production",
        ),
        max_active_panels=int(os.environ.get("MAX_ACTIVE_PANELS", "3")),
        max_panels_per_year=int(os.environ.get("MAX_PANELS_PER_YEAR", "10")),
        read_cache_seconds=int(os.environ.get("READ_CACHE_SECONDS", "5")),
        notifications=NotificationSettings(
            smtp_host=os.environ.get("SMTP_HOST", "127.0.0.1"), smtp_port=int(os.environ.get("SMTP_PORT", "25")),
            smtp_user=os.environ.get("SMTP_USER", ""), smtp_password=os.environ.get("SMTP_PASSWORD", ""),
            smtp_starttls=os.environ.get("SMTP_STARTTLS", "0") == "1",
            sender=os.environ.get("MAIL_FROM", "政策法规处 <noreply@registry.local>"),
            office_email=os.environ.get("OFFICE_EMAIL", ""),
            base_url=os.environ.get("BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
            link_secret=os.environ.get("LINK_SECRET") or None,
            link_days=int(os.environ.get("LINK_DAYS", "7")),
            lease_seconds=int(os.environ.get("OUTBOX_LEASE_SECONDS", "60")),
            max_attempts=int(os.environ.get("OUTBOX_MAX_ATTEMPTS", "8")),
            annual_review_date=os.environ.get("ANNUAL_REVIEW_DATE", "12-01"),
            run_scheduler=os.environ.get("RUN_SCHEDULER", "1") == "1",
        ),
    )
