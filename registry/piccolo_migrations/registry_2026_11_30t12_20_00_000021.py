"""Issue 11 (R-POOL-5(3), R-POOL-6): a rating is tied to the accepted invitation it rates and keeps the
office's corrections beside the original; a decline is tied to its invitation and carries the office's
judgement of the reason (None: not judged yet), with every judgement and correction.
Hand-written: the same file runs on SQLite and PostgreSQL. The unique indexes come in the next migration
(SQLite cannot add a UNIQUE column, and raw steps run before added columns)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import JSON, Boolean, Date, Integer, Text, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-30T12:20:00:000021"
VERSION = "1.38.0"
DESCRIPTION = "ratings and declines tied to invitations; the office judges declines and corrects ratings"


def _params(**extra) -> dict:
    return {"null": False, "primary_key": False, "unique": False, "index": False,
            "index_method": IndexMethod.btree, "choices": None, "db_column_name": None, "secret": False, **extra}


COLUMNS = [
    ("PerformanceRating", "performance_rating", "invitation", Integer, _params(default=None, null=True)),
    ("PerformanceRating", "performance_rating", "corrections", JSON, _params(default="[]")),
    ("Decline", "decline", "invitation", Integer, _params(default=None, null=True)),
    ("Decline", "decline", "judged_good_reason", Boolean, _params(default=None, null=True)),
    ("Decline", "decline", "judged_by", Varchar, _params(length=64, default="")),
    ("Decline", "decline", "judged_on", Date, _params(default=None, null=True)),
    ("Decline", "decline", "judgement_note", Text, _params(default="")),
    ("Decline", "decline", "judgements", JSON, _params(default="[]")),
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="registry", description=DESCRIPTION)
    for class_name, table, name, column_class, params in COLUMNS:
        manager.add_column(table_class_name=class_name, tablename=table, column_name=name, db_column_name=name,
                           column_class_name=column_class.__name__, column_class=column_class, params=params,
                           schema=None)
    return manager
