"""Issue 16: import jobs and their per-row reports. Hand-written; the same file runs on SQLite and PostgreSQL."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import JSON, Integer, Real, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-24T09:00:00:000001"
VERSION = "1.38.0"
DESCRIPTION = "import jobs and per-row reports"


def _params(**overrides) -> dict:
    params = {"default": "", "null": False, "primary_key": False, "unique": False, "index": False,
              "index_method": IndexMethod.btree, "choices": None, "db_column_name": None, "secret": False}
    params.update(overrides)
    return params


TABLES = {
    ("ImportJob", "import_job"): [
        ("kind", Varchar, _params(length=16)),
        ("filename", Varchar, _params(length=200)),
        ("sha256", Varchar, _params(length=64)),
        ("status", Varchar, _params(length=16, default="running")),
        ("total", Integer, _params(default=0)),
        ("rows_done", Integer, _params(default=0)),
        ("accepted", Integer, _params(default=0)),
        ("rejected", Integer, _params(default=0)),
        ("duplicates", Integer, _params(default=0)),
        ("failure", Text, _params()),
        ("created_by", Varchar, _params(length=100)),
        ("created_at", Timestamptz, _params(default=TimestamptzNow())),
        ("finished_at", Timestamptz, _params(default=None, null=True)),
    ],
    ("ImportRow", "import_row"): [
        ("job", Integer, _params(default=0, index=True)),
        ("row_number", Integer, _params(default=0)),
        ("status", Varchar, _params(length=24)),
        ("label", Varchar, _params(length=200)),
        ("header", Varchar, _params(length=64)),
        ("reason", Text, _params()),
        ("rule_id", Varchar, _params(length=32)),
        ("problems", JSON, _params(default="[]")),
        ("record_id", Integer, _params(default=None, null=True)),
        ("other_id", Integer, _params(default=None, null=True)),
        ("score", Real, _params(default=None, null=True)),
    ],
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="spreadsheets", description=DESCRIPTION)
    for (table, tablename), columns in TABLES.items():
        manager.add_table(class_name=table, tablename=tablename, schema=None, columns=None)
        for name, column_class, params in columns:
            manager.add_column(table_class_name=table, tablename=tablename, column_name=name, db_column_name=name,
                               column_class_name=column_class.__name__, column_class=column_class, params=params,
                               schema=None)
    return manager
