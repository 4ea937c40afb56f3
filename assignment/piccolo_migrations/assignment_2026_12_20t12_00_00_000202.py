"""Issue 14 (R-PANEL-7): the drafting unit's adoption of the argument report, member by member, with the reason
where an opinion was not adopted; the office's corrections kept beside it. Hand-written: the same file runs on
SQLite and PostgreSQL."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import JSON, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-20T12:00:00:000202"
VERSION = "1.38.0"
DESCRIPTION = "the adoption of the argument report"


class ArgumentReport(Table, tablename="argument_report", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False, index_method=IndexMethod.btree,
                choices=None, db_column_name="id", secret=False)


def _params(**overrides) -> dict:
    params = {"default": "", "null": False, "primary_key": False, "unique": False, "index": False,
              "index_method": IndexMethod.btree, "choices": None, "db_column_name": None, "secret": False}
    params.update(overrides)
    return params


TABLE, TABLENAME = "ReportAdoption", "report_adoption"
COLUMNS = [
    ("report", ForeignKey, _params(default=None, null=True, index=True, references=ArgumentReport,
                                   on_delete=OnDelete.cascade, on_update=OnUpdate.cascade, target_column=None)),
    ("original_of", Integer, _params(default=None, null=True, unique=True)),
    ("entries", JSON, _params(default="[]")),
    ("correction_reason", Text, _params()),
    ("recorded_by", Varchar, _params(length=200)),
    ("role", Varchar, _params(length=16)),
    ("recorded_at", Timestamptz, _params(default=TimestamptzNow())),
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="assignment", description=DESCRIPTION)
    manager.add_table(class_name=TABLE, tablename=TABLENAME, schema=None, columns=None)
    for name, column_class, params in COLUMNS:
        manager.add_column(table_class_name=TABLE, tablename=TABLENAME, column_name=name, db_column_name=name,
                           column_class_name=column_class.__name__, column_class=column_class, params=params,
                           schema=None)
    return manager
