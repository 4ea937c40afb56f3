"""Issue 11: an expert's change to their specialties or sector is a pending request the office decides
(``expert_change_request``). Hand-written; runs on SQLite and PostgreSQL."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import JSON, ForeignKey, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-11-30T12:40:00:000031"
VERSION = "1.38.0"
DESCRIPTION = "expert change requests (specialties, sector) decided by the office"

TABLE = "ExpertChangeRequest"
TABLENAME = "expert_change_request"


class Expert(Table, tablename="expert", schema=None):
    pass


def _params(**overrides) -> dict:
    params = {"default": "", "null": False, "primary_key": False, "unique": False, "index": False,
              "index_method": IndexMethod.btree, "choices": None, "db_column_name": None, "secret": False}
    params.update(overrides)
    return params


COLUMNS = [
    ("expert", ForeignKey, _params(references=Expert, on_delete=OnDelete.cascade, on_update=OnUpdate.cascade,
                                   target_column=None, default=None, index=True)),
    ("fields", JSON, _params(default="{}")),
    ("previous", JSON, _params(default="{}")),
    ("reason", Text, _params()),
    ("status", Varchar, _params(length=16, default="pending", index=True)),
    ("requested_by", Varchar, _params(length=64)),
    ("decided_by", Varchar, _params(length=64)),
    ("decided_at", Timestamptz, _params(default=None, null=True)),
    ("decision_reason", Text, _params()),
    ("created_at", Timestamptz, _params(default=TimestamptzNow())),
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="registry", description=DESCRIPTION)
    manager.add_table(class_name=TABLE, tablename=TABLENAME, schema=None, columns=None)
    for name, column_class, params in COLUMNS:
        manager.add_column(table_class_name=TABLE, tablename=TABLENAME, column_name=name, db_column_name=name,
                           column_class_name=column_class.__name__, column_class=column_class, params=params,
                           schema=None)
    return manager
