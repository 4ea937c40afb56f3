"""Browser tier: the service under uvicorn, driven by a headless Chromium, on the migrated test database."""

from tests.support.app import _schema, client, clock

__all__ = ["_schema", "client", "clock"]
