"""Issue 17 (a compact record): the draw's frozen candidate list stored once per request in a canonical, compressed
form with its SHA-256, and the exclusions' counts (``draw_record``); every exclusion a row of its own
(``panel_exclusion``). Hand-written: the same file runs on SQLite and PostgreSQL. The next migration adds the
indexes and copies the lists of the requests stored before."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import JSON, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-27T00:00:00:000001"
VERSION = "1.38.0"
DESCRIPTION = "draw records (frozen candidates, exclusion counts) and panel exclusions"


class PanelRequest(Table, tablename="panel_request", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False, index_method=IndexMethod.btree,
                choices=None, db_column_name="id", secret=False)


def _params(**overrides) -> dict:
    params = {"default": "", "null": False, "primary_key": False, "unique": False, "index": False,
              "index_method": IndexMethod.btree, "choices": None, "db_column_name": None, "secret": False}
    params.update(overrides)
    return params


def _request(unique: bool) -> tuple:
    return ("request", ForeignKey, _params(default=None, null=True, index=True, unique=unique, references=PanelRequest,
                                           on_delete=OnDelete.cascade, on_update=OnUpdate.cascade,
                                           target_column=None))


TABLES = {
    ("DrawRecord", "draw_record"): [
        _request(True),
        ("panel", Integer, _params(default=0)),
        ("candidates", Text, _params()),
        ("candidates_sha256", Varchar, _params(length=64)),
        ("eligible", Integer, _params(default=0)),
        ("exclusions_total", Integer, _params(default=0)),
        ("exclusions_summary", JSON, _params(default="{}")),
        ("exclusions_hash", Varchar, _params(length=64)),
        ("created_at", Timestamptz, _params(default=TimestamptzNow())),
    ],
    ("PanelExclusion", "panel_exclusion"): [
        _request(False),
        ("kind", Varchar, _params(length=16)),
        ("subject_id", Integer, _params(default=0)),
        ("stage", Varchar, _params(length=24)),
        ("rule_ids", Text, _params(default=",")),
        ("reasons", JSON, _params(default="[]")),
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
