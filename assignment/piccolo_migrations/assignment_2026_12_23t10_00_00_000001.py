"""Issue 14 (R-EVAL-1): the mixed post-decision evaluation group (evaluating unit, named representatives, the
drawn panels of field experts and third-party institutions) and the evaluation report, stored once with its
SHA-256. Hand-written: the same file runs on SQLite and PostgreSQL."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import JSON, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-23T10:00:00:000001"
VERSION = "1.38.0"
DESCRIPTION = "mixed post-decision evaluation groups and evaluation reports"


class DecisionItem(Table, tablename="decision_item", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False, index_method=IndexMethod.btree,
                choices=None, db_column_name="id", secret=False)


def _params(**overrides) -> dict:
    params = {"default": "", "null": False, "primary_key": False, "unique": False, "index": False,
              "index_method": IndexMethod.btree, "choices": None, "db_column_name": None, "secret": False}
    params.update(overrides)
    return params


ITEM = ("item", ForeignKey, _params(default=None, null=True, index=True, references=DecisionItem,
                                    on_delete=OnDelete.cascade, on_update=OnUpdate.cascade, target_column=None))

TABLES = {
    ("EvaluationGroup", "evaluation_group"): [
        ITEM,
        ("evaluation_id", Integer, _params(default=0, unique=True)),
        ("evaluating_unit_id", Integer, _params(default=0)),
        ("representatives", JSON, _params(default="[]")),
        ("expert_request_id", Integer, _params(default=0)),
        ("institution_request_id", Integer, _params(default=0)),
        ("created_by", Varchar, _params(length=200)),
        ("created_at", Timestamptz, _params(default=TimestamptzNow())),
    ],
    ("EvaluationReport", "evaluation_report"): [
        ITEM,
        ("evaluation_id", Integer, _params(default=0, unique=True)),
        ("group_id", Integer, _params(default=0)),
        ("conclusions", Text, _params()),
        ("recommendations", JSON, _params(default="[]")),
        ("findings", JSON, _params(default="[]")),
        ("sha256", Varchar, _params(length=64)),
        ("filed_by", Varchar, _params(length=200)),
        ("filed_at", Timestamptz, _params(default=TimestamptzNow())),
    ],
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="assignment", description=DESCRIPTION)
    for (class_name, tablename), columns in TABLES.items():
        manager.add_table(class_name=class_name, tablename=tablename, schema=None, columns=None)
        for name, column_class, params in columns:
            manager.add_column(table_class_name=class_name, tablename=tablename, column_name=name,
                               db_column_name=name, column_class_name=column_class.__name__,
                               column_class=column_class, params=params, schema=None)
    return manager
