"""Service tier: service functions called directly (no HTTP, no app) on a real, migrated database.

On SQLite each test module gets its own copy of the template migrated once per process; on
PostgreSQL the tier shares the run's database and empties it around each module."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from tests.support.database import copy_database, empty_all_tables, migrated_template, sqlite_file


@pytest.fixture(scope="module", autouse=True)
def service_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    template = migrated_template()
    if template is None:  # PostgreSQL
        asyncio.run(empty_all_tables())
        yield
        asyncio.run(empty_all_tables())
        return
    copy = tmp_path_factory.mktemp("service") / "service.sqlite"
    copy_database(template, copy)
    with sqlite_file(copy):
        yield
