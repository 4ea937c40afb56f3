"""Issue 17: the change version row every process reads before serving a cached read. Hand-written; the
same file runs on SQLite and PostgreSQL."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-29T10:00:00:000001"
VERSION = "1.38.0"
DESCRIPTION = "change versions: caches invalidated across processes"


def _params(**overrides) -> dict:
    params = {"default": "", "null": False, "primary_key": False, "unique": False, "index": False,
              "index_method": IndexMethod.btree, "choices": None, "db_column_name": None, "secret": False}
    params.update(overrides)
    return params


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="accounts", description=DESCRIPTION)
    manager.add_table(class_name="ChangeVersion", tablename="change_version", schema=None, columns=None)
    manager.add_column(table_class_name="ChangeVersion", tablename="change_version", column_name="topic",
                       db_column_name="topic", column_class_name="Varchar", column_class=Varchar,
                       params=_params(length=32, unique=True), schema=None)
    manager.add_column(table_class_name="ChangeVersion", tablename="change_version", column_name="version",
                       db_column_name="version", column_class_name="Integer", column_class=Integer,
                       params=_params(default=0), schema=None)
    return manager
