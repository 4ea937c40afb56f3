"""API tier: the app in-process (Litestar's TestClient) on the migrated test database."""

from tests.support.app import _schema, client, clock

__all__ = ["_schema", "client", "clock"]
