"""API tier: the app in-process (Litestar's TestClient) on the migrated test database."""

from tests.support.app import _schema, client, clock
from tests.support.panels import pool

__all__ = ["_schema", "client", "clock", "pool"]
