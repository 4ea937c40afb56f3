"""Issue 17: registry eligibility stored as a fact per expert (``expert_eligibility``), kept current by the changes
that affect it and by the daily job, read by draws and lists instead of computing the whole pool. Hand-written;
runs on SQLite and PostgreSQL. No filling here: an expert without a row is computed live until the daily job
(or ``python -m registry.services.eligibility_facts --all``) writes it."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import JSON, Boolean, Date, ForeignKey, Integer
from piccolo.columns.defaults.date import DateNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-26T01:00:00:000001"
VERSION = "1.38.0"
DESCRIPTION = "expert eligibility as a stored fact"

TABLE = "ExpertEligibility"
TABLENAME = "expert_eligibility"


class Expert(Table, tablename="expert", schema=None):
    pass


def _params(**overrides) -> dict:
    params = {"default": "", "null": False, "primary_key": False, "unique": False, "index": False,
              "index_method": IndexMethod.btree, "choices": None, "db_column_name": None, "secret": False}
    params.update(overrides)
    return params


COLUMNS = [
    ("expert", ForeignKey, _params(references=Expert, on_delete=OnDelete.cascade, on_update=OnUpdate.cascade,
                                   target_column=None, default=None, unique=True, index=True)),
    ("eligible", Boolean, _params(default=False, index=True)),
    ("reasons", JSON, _params(default="[]")),
    ("current_term_id", Integer, _params(default=None, null=True)),
    ("as_of", Date, _params(default=DateNow())),
    ("valid_from", Date, _params(default=None, null=True)),
    ("valid_until", Date, _params(default=None, null=True, index=True)),
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="registry", description=DESCRIPTION)
    manager.add_table(class_name=TABLE, tablename=TABLENAME, schema=None, columns=None)
    for name, column_class, params in COLUMNS:
        manager.add_column(table_class_name=TABLE, tablename=TABLENAME, column_name=name, db_column_name=name,
                           column_class_name=column_class.__name__, column_class=column_class, params=params,
                           schema=None)
    return manager
