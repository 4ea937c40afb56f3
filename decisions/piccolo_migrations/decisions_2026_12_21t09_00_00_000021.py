"""Issue 14 (R-PANEL-6): the options of a multi-option item, argued together, entered by the owning unit.
Hand-written; the same file runs on SQLite and PostgreSQL. The item is a plain integer id: the item table is
created by the conflicts app's migration, which runs after this app's."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-21T09:00:00:000021"
VERSION = "1.38.0"
DESCRIPTION = "options of a multi-option item"

TABLE, TABLENAME = "ItemOption", "item_option"


def _params(**overrides) -> dict:
    params = {"default": "", "null": False, "primary_key": False, "unique": False, "index": False,
              "index_method": IndexMethod.btree, "choices": None, "db_column_name": None, "secret": False}
    params.update(overrides)
    return params


COLUMNS = [
    ("item", Integer, _params(default=0, index=True)),
    ("position", Integer, _params(default=0)),
    ("label", Varchar, _params(length=100)),
    ("summary", Text, _params()),
    ("entered_by", Varchar, _params(length=100)),
    ("entered_at", Timestamptz, _params(default=TimestamptzNow())),
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="decisions", description=DESCRIPTION)
    manager.add_table(class_name=TABLE, tablename=TABLENAME, schema=None, columns=None)
    for name, column_class, params in COLUMNS:
        manager.add_column(table_class_name=TABLE, tablename=TABLENAME, column_name=name, db_column_name=name,
                           column_class_name=column_class.__name__, column_class=column_class, params=params,
                           schema=None)
    return manager
