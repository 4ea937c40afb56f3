"""Issue 14: the item's full record filed after the decision (R-REC-3). Hand-written; the same file runs on SQLite
and PostgreSQL. The item is referenced by a plain integer id, like the item's transitions."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Boolean, Date, Integer, Timestamptz, Varchar
from piccolo.columns.defaults.date import DateNow
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-22T09:00:00:000001"
VERSION = "1.38.0"
DESCRIPTION = "item filings"

TABLE = "ItemFiling"
TABLENAME = "item_filing"


def _params(**overrides) -> dict:
    params = {"default": "", "null": False, "primary_key": False, "unique": False, "index": False,
              "index_method": IndexMethod.btree, "choices": None, "db_column_name": None, "secret": False}
    params.update(overrides)
    return params


COLUMNS = [
    ("item", Integer, _params(default=0, unique=True, index=True)),
    ("filed_at", Timestamptz, _params(default=TimestamptzNow())),
    ("filed_on", Date, _params(default=DateNow())),
    ("filed_by", Varchar, _params(length=100)),
    ("due_on", Date, _params(default=DateNow())),
    ("on_time", Boolean, _params(default=True)),
    ("package_sha256", Varchar, _params(length=64)),
    ("chain_seq", Integer, _params(default=0)),
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="decisions", description=DESCRIPTION)
    manager.add_table(class_name=TABLE, tablename=TABLENAME, schema=None, columns=None)
    for name, column_class, params in COLUMNS:
        manager.add_column(table_class_name=TABLE, tablename=TABLENAME, column_name=name, db_column_name=name,
                           column_class_name=column_class.__name__, column_class=column_class, params=params,
                           schema=None)
    return manager
