"""Issue 11 (R-PANEL-2): a panel record carries the commitment to its seed (sha256 of the seed with the
frozen candidate list's fingerprint) and, for a replacement, what its draw used (the member leaving, the
members before, the ids unavailable, the candidates skipped by the conflict check and why), so that
verification re-runs any record from the record alone. Hand-written: the same file runs on SQLite and
PostgreSQL; rows stored before keep empty values (verification then says so)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import JSON, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-30T12:20:00:000002"
VERSION = "1.38.0"
DESCRIPTION = "panel records: seed commitment and the replacement draw's inputs"


def _params(**extra) -> dict:
    return {"null": False, "primary_key": False, "unique": False, "index": False,
            "index_method": IndexMethod.btree, "choices": None, "db_column_name": None, "secret": False, **extra}


COLUMNS = [
    ("seed_commitment", Varchar, _params(length=64, default="")),
    ("replacement", JSON, _params(default="{}")),
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="assignment", description=DESCRIPTION)
    for name, column_class, params in COLUMNS:
        manager.add_column(table_class_name="Panel", tablename="panel", column_name=name,
                           db_column_name=name, column_class_name=column_class.__name__, column_class=column_class,
                           params=params, schema=None)
    return manager
