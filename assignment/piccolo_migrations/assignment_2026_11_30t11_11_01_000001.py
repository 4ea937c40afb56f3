"""Issue 11 (R-PANEL-2/3): a panel request is numbered among the draws of its item and purpose and can be
cancelled (asked by the unit with a reason, decided by the office); an invitation's status holds the longer
states ``awaiting_approval`` (an out-of-pool addition before the office's approval) and ``withdrawn``.
Hand-written: the same file runs on SQLite and PostgreSQL."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Boolean, Integer, Text, Timestamptz, Varchar
from piccolo.columns.indexes import IndexMethod
from piccolo.engine.finder import engine_finder

ID = "2026-11-30T11:11:01:000001"
VERSION = "1.38.0"
DESCRIPTION = "panel requests: draw number, status and cancellation; longer invitation status"


def _params(**extra) -> dict:
    return {"null": False, "primary_key": False, "unique": False, "index": False,
            "index_method": IndexMethod.btree, "choices": None, "db_column_name": None, "secret": False, **extra}


COLUMNS = [
    ("draw_number", Integer, _params(default=1)),
    ("status", Varchar, _params(length=24, default="active")),
    ("cancellation_reason", Text, _params(default="")),
    ("cancellation_requested_at", Timestamptz, _params(default=None, null=True)),
    ("cancellation_approved", Boolean, _params(default=None, null=True)),
    ("cancellation_decision_reason", Text, _params(default="")),
    ("cancellation_decided_at", Timestamptz, _params(default=None, null=True)),
]


async def _longer_invitation_status() -> None:
    """SQLite does not enforce a VARCHAR's length (and cannot alter a column); PostgreSQL does."""
    engine = engine_finder()
    if engine is not None and engine.engine_type == "postgres":
        await engine.run_ddl("ALTER TABLE invitation ALTER COLUMN status TYPE VARCHAR(24)")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="assignment", description=DESCRIPTION)
    for name, column_class, params in COLUMNS:
        manager.add_column(table_class_name="PanelRequest", tablename="panel_request", column_name=name,
                           db_column_name=name, column_class_name=column_class.__name__, column_class=column_class,
                           params=params, schema=None)
    manager.add_raw(_longer_invitation_status)
    return manager
