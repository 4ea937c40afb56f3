"""Issue 13: a possible duplicate decided "same" merges the two records. ``merged_into`` on experts and
institutions names the record kept; ``record_merge`` keeps every merge with the rows it moved, so it can be
reversed exactly. Hand-written; runs on SQLite and PostgreSQL."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import JSON, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-06T06:00:00:000061"
VERSION = "1.38.0"
DESCRIPTION = "merges of duplicate experts and institutions (merged_into, record_merge)"


def _params(**overrides) -> dict:
    params = {"default": "", "null": False, "primary_key": False, "unique": False, "index": False,
              "index_method": IndexMethod.btree, "choices": None, "db_column_name": None, "secret": False}
    params.update(overrides)
    return params


MERGED_INTO = [("Expert", "expert"), ("Institution", "institution")]

TABLE, TABLENAME = "RecordMerge", "record_merge"
COLUMNS = [
    ("kind", Varchar, _params(length=16)),
    ("kept_id", Integer, _params(default=0, index=True)),
    ("merged_id", Integer, _params(default=0, index=True)),
    ("flag", Integer, _params(default=None, null=True, index=True)),
    ("moved", JSON, _params(default="[]")),
    ("aliases_added", JSON, _params(default="[]")),
    ("merged_by", Varchar, _params(length=64)),
    ("note", Text, _params()),
    ("merged_at", Timestamptz, _params(default=TimestamptzNow())),
    ("reversed_at", Timestamptz, _params(default=None, null=True)),
    ("reversed_by", Varchar, _params(length=64)),
    ("reversal_reason", Text, _params()),
    ("not_restored", JSON, _params(default="[]")),
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="registry", description=DESCRIPTION)
    for class_name, tablename in MERGED_INTO:
        manager.add_column(table_class_name=class_name, tablename=tablename, column_name="merged_into",
                           db_column_name="merged_into", column_class_name="Integer", column_class=Integer,
                           params=_params(default=None, null=True, index=True), schema=None)
    manager.add_table(class_name=TABLE, tablename=TABLENAME, schema=None, columns=None)
    for name, column_class, params in COLUMNS:
        manager.add_column(table_class_name=TABLE, tablename=TABLENAME, column_name=name, db_column_name=name,
                           column_class_name=column_class.__name__, column_class=column_class, params=params,
                           schema=None)
    return manager
