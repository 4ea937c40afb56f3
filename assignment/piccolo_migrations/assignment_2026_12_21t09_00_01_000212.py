"""Issue 14 (R-PANEL-8, R-COI-5): a commission of an evaluator-pool institution to organise an item's argument,
with its organiser account and revocation; the outside experts and subcontractors it hires, hired or refused
with the reasons. Hand-written: the same file runs on SQLite and PostgreSQL."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import JSON, Boolean, Date, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.date import DateNow
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-21T09:00:01:000212"
VERSION = "1.38.0"
DESCRIPTION = "commissions of an organiser and their hires"


class DecisionItem(Table, tablename="decision_item", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False, index_method=IndexMethod.btree,
                choices=None, db_column_name="id", secret=False)


class Commission(Table, tablename="commission", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False, index_method=IndexMethod.btree,
                choices=None, db_column_name="id", secret=False)


def _params(**overrides) -> dict:
    params = {"default": "", "null": False, "primary_key": False, "unique": False, "index": False,
              "index_method": IndexMethod.btree, "choices": None, "db_column_name": None, "secret": False}
    params.update(overrides)
    return params


def _fk(references: type[Table]) -> dict:
    return _params(default=None, null=True, index=True, references=references, on_delete=OnDelete.cascade,
                   on_update=OnUpdate.cascade, target_column=None)


TABLES = {
    ("Commission", "commission"): [
        ("item", ForeignKey, _fk(DecisionItem)),
        ("institution", Integer, _params(default=0, index=True)),
        ("purpose", Varchar, _params(length=32, default="argument")),
        ("scope", Text, _params()),
        ("starts_on", Date, _params(default=DateNow())),
        ("ends_on", Date, _params(default=DateNow())),
        ("may_subcontract", Boolean, _params(default=False)),
        ("commissioned_by", Varchar, _params(length=200)),
        ("commissioned_at", Timestamptz, _params(default=TimestamptzNow())),
        ("organiser_account", Integer, _params(default=None, null=True, unique=True)),
        ("revoked_on", Date, _params(default=None, null=True)),
        ("revocation_reason", Text, _params()),
        ("revoked_by", Varchar, _params(length=200)),
    ],
    ("CommissionHire", "commission_hire"): [
        ("commission", ForeignKey, _fk(Commission)),
        ("kind", Varchar, _params(length=16)),
        ("expert_id", Integer, _params(default=None, null=True)),
        ("institution_id", Integer, _params(default=None, null=True)),
        ("name", Varchar, _params(length=200)),
        ("employer", Varchar, _params(length=200)),
        ("scope", Text, _params()),
        ("status", Varchar, _params(length=16)),
        ("reasons", JSON, _params(default="[]")),
        ("by", Varchar, _params(length=200)),
        ("at", Timestamptz, _params(default=TimestamptzNow())),
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
