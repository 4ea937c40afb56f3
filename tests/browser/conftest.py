"""Browser tier: the service under uvicorn, driven by a headless Chromium, on the migrated test database."""

from tests.support.app import _schema, client, clock
from tests.support.panels import pool

__all__ = ["_schema", "client", "clock", "pool"]
