"""Issue 13 (R-PANEL-4, R-PANEL-5): each invitation carries its member's own study deadline (a replacement
keeps 7 working days of study, so its deadline may be later than the request's); a panel request records the
leader the drafting unit named among accepted members, and a free-text note beside the login that asked
(``requested_by`` is now the login, username and unit, up to 200 characters). Hand-written: the same file runs on SQLite and PostgreSQL; rows stored before keep NULL (the request's
deadline, the drawn leader) and an empty note."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Date, Integer, Text
from piccolo.columns.indexes import IndexMethod
from piccolo.engine.finder import engine_finder

ID = "2026-12-03T10:00:00:000003"
VERSION = "1.38.0"
DESCRIPTION = "invitations: the member's own study deadline; panel requests: named leader and note"


def _params(**extra) -> dict:
    return {"null": False, "primary_key": False, "unique": False, "index": False,
            "index_method": IndexMethod.btree, "choices": None, "db_column_name": None, "secret": False, **extra}


COLUMNS = [
    ("Invitation", "invitation", "deadline", Date, _params(default=None, null=True)),
    ("PanelRequest", "panel_request", "leader_id", Integer, _params(default=None, null=True)),
    ("PanelRequest", "panel_request", "note", Text, _params(default="")),
]


async def _longer_requested_by() -> None:
    """``requested_by`` is now the login (username and unit), up to 200 characters. SQLite does not enforce a
    VARCHAR's length (and cannot alter a column); PostgreSQL does."""
    engine = engine_finder()
    if engine is not None and engine.engine_type == "postgres":
        await engine.run_ddl("ALTER TABLE panel_request ALTER COLUMN requested_by TYPE VARCHAR(200)")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="assignment", description=DESCRIPTION)
    for class_name, table, name, column_class, params in COLUMNS:
        manager.add_column(table_class_name=class_name, tablename=table, column_name=name,
                           db_column_name=name, column_class_name=column_class.__name__, column_class=column_class,
                           params=params, schema=None)
    manager.add_raw(_longer_requested_by)
    return manager
