"""Issue 14 (R-PANEL-6): a panel request may be a reverse (infeasibility) argument, 反向论证. Hand-written: the
same file runs on SQLite and PostgreSQL; requests stored before are ordinary arguments (false)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Boolean
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-21T09:00:00:000211"
VERSION = "1.38.0"
DESCRIPTION = "panel requests: reverse argument flag"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="assignment", description=DESCRIPTION)
    manager.add_column(table_class_name="PanelRequest", tablename="panel_request", column_name="reverse_argument",
                       db_column_name="reverse_argument", column_class_name="Boolean", column_class=Boolean,
                       params={"default": False, "null": False, "primary_key": False, "unique": False,
                               "index": False, "index_method": IndexMethod.btree, "choices": None,
                               "db_column_name": None, "secret": False}, schema=None)
    return manager
