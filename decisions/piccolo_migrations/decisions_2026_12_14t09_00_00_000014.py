"""Issue 14: an item's life (its state transitions) and its post-decision evaluations (R-EVAL-2). Hand-written;
the same file runs on SQLite and PostgreSQL. The item is referenced by a plain integer id: the item table is
created by the conflicts app's migration, which runs after this app's."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Date, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.date import DateNow
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-14T09:00:00:000014"
VERSION = "1.38.0"
DESCRIPTION = "item transitions and post-decision evaluations"


def _params(**overrides) -> dict:
    params = {"default": "", "null": False, "primary_key": False, "unique": False, "index": False,
              "index_method": IndexMethod.btree, "choices": None, "db_column_name": None, "secret": False}
    params.update(overrides)
    return params


TABLES = {
    ("ItemTransition", "item_transition"): [
        ("item", Integer, _params(default=0, index=True)),
        ("from_state", Varchar, _params(length=30)),
        ("to_state", Varchar, _params(length=30)),
        ("reason", Text, _params()),
        ("actor", Varchar, _params(length=100)),
        ("at", Timestamptz, _params(default=TimestamptzNow())),
        ("decided_on", Date, _params(default=None, null=True)),
        ("document_number", Varchar, _params(length=100)),
        ("execution_started_on", Date, _params(default=None, null=True)),
    ],
    ("ItemEvaluation", "item_evaluation"): [
        ("item", Integer, _params(default=0, index=True)),
        ("trigger", Varchar, _params(length=40)),
        ("evidence", Text, _params()),
        ("new_circumstance", Text, _params()),
        ("opened_on", Date, _params(default=DateNow())),
        ("opened_by", Varchar, _params(length=100)),
        ("opened_at", Timestamptz, _params(default=TimestamptzNow())),
        ("concluded_on", Date, _params(default=None, null=True)),
        ("summary", Text, _params()),
        ("concluded_by", Varchar, _params(length=100)),
    ],
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="decisions", description=DESCRIPTION)
    for (class_name, tablename), columns in TABLES.items():
        manager.add_table(class_name=class_name, tablename=tablename, schema=None, columns=None)
        for name, column_class, params in columns:
            manager.add_column(table_class_name=class_name, tablename=tablename, column_name=name,
                               db_column_name=name, column_class_name=column_class.__name__,
                               column_class=column_class, params=params, schema=None)
    return manager
