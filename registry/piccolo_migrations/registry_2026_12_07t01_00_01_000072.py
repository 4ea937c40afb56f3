"""Issue 13: fills the columns the previous migration added (piccolo runs a migration's raw steps before its
column changes, so the filling is a migration of its own): every expert's search key, and the term of every
application appointed before ``application.term`` existed (the first term of the same expert with the same
certificate number). Hand-written; runs on SQLite and PostgreSQL."""

from collections import defaultdict

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder
from piccolo.querystring import QueryString

from registry.domain.search import search_key

ID = "2026-12-07T01:00:01:000072"
VERSION = "1.38.0"
DESCRIPTION = "fill expert.search_key and application.term"


async def _backfill() -> None:
    engine = engine_finder()
    assert engine is not None
    experts = await engine.run_ddl("SELECT id, name FROM expert")
    employers: dict[int, list[str]] = defaultdict(list)
    for row in await engine.run_ddl('SELECT expert, employer_name FROM employment WHERE "end" IS NULL ORDER BY id'):
        employers[row["expert"]].append(row["employer_name"])
    async with engine.transaction():
        for row in experts:
            await engine.run_querystring(QueryString("UPDATE expert SET search_key = {} WHERE id = {}",
                                                     search_key(row["name"], employers[row["id"]]), row["id"]))
        await engine.run_ddl(
            "UPDATE application SET term = (SELECT MIN(t.id) FROM term t WHERE t.expert = application.expert "
            "AND t.certificate_no = application.certificate_no AND t.previous IS NULL) "
            "WHERE state = 'appointed' AND term IS NULL")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="registry", description=DESCRIPTION)
    manager.add_raw(_backfill)
    return manager
