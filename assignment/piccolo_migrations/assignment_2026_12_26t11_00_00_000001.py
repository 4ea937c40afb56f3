"""Issue 17 (R-POOL-1): a panel request stores the specialty sub-pools its draw took candidates from (named, or
the item's), and a decision item names the sub-pools its expert panels draw from when a request names none. The
item's column is added here, not in the decisions app: its table is created by the conflicts app's first
migration, which runs after the decisions app's. Hand-written: the same file runs on SQLite and PostgreSQL; rows
stored before draw from the whole pool ([])."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import JSON
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-26T11:00:00:000001"
VERSION = "1.38.0"
DESCRIPTION = "panel requests and decision items: the sub-pools drawn from"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="assignment", description=DESCRIPTION)
    for class_name, tablename in (("PanelRequest", "panel_request"), ("DecisionItem", "decision_item")):
        manager.add_column(table_class_name=class_name, tablename=tablename, column_name="sub_pools",
                           db_column_name="sub_pools", column_class_name="JSON", column_class=JSON,
                           params={"default": "[]", "null": False, "primary_key": False, "unique": False,
                                   "index": False, "index_method": IndexMethod.btree, "choices": None,
                                   "db_column_name": None, "secret": False}, schema=None)
    return manager
