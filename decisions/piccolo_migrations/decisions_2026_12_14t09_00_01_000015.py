"""Issue 14: the office's yearly plan of third-party evaluations (R-EVAL-3). Hand-written; the same file runs on
SQLite and PostgreSQL."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import JSON, Integer, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-14T09:00:01:000015"
VERSION = "1.38.0"
DESCRIPTION = "yearly evaluation plans"

TABLE = "EvaluationPlan"
TABLENAME = "evaluation_plan"


def _params(**overrides) -> dict:
    params = {"default": "", "null": False, "primary_key": False, "unique": False, "index": False,
              "index_method": IndexMethod.btree, "choices": None, "db_column_name": None, "secret": False}
    params.update(overrides)
    return params


COLUMNS = [
    ("year", Integer, _params(default=0, unique=True, index=True)),
    ("item_ids", JSON, _params(default="[]")),
    ("set_by", Varchar, _params(length=100)),
    ("set_at", Timestamptz, _params(default=TimestamptzNow())),
    ("revision", Integer, _params(default=1)),
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="decisions", description=DESCRIPTION)
    manager.add_table(class_name=TABLE, tablename=TABLENAME, schema=None, columns=None)
    for name, column_class, params in COLUMNS:
        manager.add_column(table_class_name=TABLE, tablename=TABLENAME, column_name=name, db_column_name=name,
                           column_class_name=column_class.__name__, column_class=column_class, params=params,
                           schema=None)
    return manager
