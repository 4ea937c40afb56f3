"""Issue 13: the office enters each year's official holiday schedule (放假安排 and 调休上班日, from the State
Council's notice) for the years the holiday library does not know (``work_calendar``). Hand-written; the same
file runs on SQLite and PostgreSQL. The decisions app's first migration (its item table was created by the
conflicts app's first migration)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import JSON, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-04T09:00:00:000001"
VERSION = "1.38.0"
DESCRIPTION = "work calendars: a year's official holidays and adjusted working weekends"

TABLE = "WorkCalendar"
TABLENAME = "work_calendar"


def _params(**overrides) -> dict:
    params = {"default": "", "null": False, "primary_key": False, "unique": False, "index": False,
              "index_method": IndexMethod.btree, "choices": None, "db_column_name": None, "secret": False}
    params.update(overrides)
    return params


COLUMNS = [
    ("year", Integer, _params(default=0, unique=True, index=True)),
    ("holidays", JSON, _params(default="[]")),
    ("working_weekends", JSON, _params(default="[]")),
    ("source", Varchar, _params(length=300)),
    ("note", Text, _params()),
    ("entered_by", Varchar, _params(length=100)),
    ("entered_at", Timestamptz, _params(default=TimestamptzNow())),
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
