"""Issue 11: at most one rating and one decline per invitation, kept by the database (two answers or two
ratings at the same moment cannot both be stored). Declines entered by the office by hand before this
change keep the office's word as its judgement; declines that came from an invitation answer carried the
expert's own claim, so they wait for the office's judgement (listed by the annual review, counted neither way).
Hand-written: the same SQL runs on SQLite and PostgreSQL."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-30T12:20:01:000022"
VERSION = "1.38.0"
DESCRIPTION = "unique invitation per rating and decline; judgements of old declines"

STATEMENTS = [
    "CREATE UNIQUE INDEX IF NOT EXISTS performance_rating_invitation_unique ON performance_rating (invitation)",
    "CREATE UNIQUE INDEX IF NOT EXISTS decline_invitation_unique ON decline (invitation)",
    "UPDATE decline SET judged_good_reason = good_reason, judged_by = 'office', judged_on = declined_on "
    "WHERE assignment_ref NOT LIKE 'panel-request:%'",
]


async def _statements() -> None:
    engine = engine_finder()
    for sql in STATEMENTS:
        await engine.run_ddl(sql)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="registry", description=DESCRIPTION)
    manager.add_raw(_statements)
    return manager
