"""Issue 14 (R-PANEL-5, R-DUTY-2): a signed opinion's attachment; the meeting's minutes; the group leader's draft
and the members' co-signatures or dissents. Hand-written: the same file runs on SQLite and PostgreSQL."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import JSON, Boolean, Date, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.date import DateNow
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-20T10:00:00:000200"
VERSION = "1.38.0"
DESCRIPTION = "opinion attachments, meeting minutes, group drafts and co-signatures"


class Invitation(Table, tablename="invitation", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False, index_method=IndexMethod.btree,
                choices=None, db_column_name="id", secret=False)


class PanelRequest(Table, tablename="panel_request", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False, index_method=IndexMethod.btree,
                choices=None, db_column_name="id", secret=False)


def _params(**overrides) -> dict:
    params = {"default": "", "null": False, "primary_key": False, "unique": False, "index": False,
              "index_method": IndexMethod.btree, "choices": None, "db_column_name": None, "secret": False}
    params.update(overrides)
    return params


def _refers(table: type[Table], unique: bool) -> dict:
    return _params(default=None, null=True, index=True, unique=unique, references=table, on_delete=OnDelete.cascade,
                   on_update=OnUpdate.cascade, target_column=None)


TABLES = {
    ("OpinionAttachment", "opinion_attachment"): [
        ("invitation", ForeignKey, _refers(Invitation, unique=True)),
        ("filename", Varchar, _params(length=200)),
        ("media_type", Varchar, _params(length=100)),
        ("sha256", Varchar, _params(length=64)),
        ("size", Integer, _params(default=0)),
        ("uploaded_by", Varchar, _params(length=200)),
        ("uploaded_at", Timestamptz, _params(default=TimestamptzNow())),
    ],
    ("ArgumentMinutes", "argument_minutes"): [
        ("request", ForeignKey, _refers(PanelRequest, unique=True)),
        ("text", Text, _params()),
        ("meeting_on", Date, _params(default=DateNow())),
        ("attendees", JSON, _params(default="[]")),
        ("recorded_by", Varchar, _params(length=200)),
        ("recorded_at", Timestamptz, _params(default=TimestamptzNow())),
    ],
    ("GroupDraft", "group_draft"): [
        ("request", ForeignKey, _refers(PanelRequest, unique=True)),
        ("leader", Integer, _params(default=0)),
        ("text", Text, _params()),
        ("drafted_by", Varchar, _params(length=200)),
        ("drafted_at", Timestamptz, _params(default=TimestamptzNow())),
    ],
    ("CoSignature", "co_signature"): [
        ("request", ForeignKey, _refers(PanelRequest, unique=False)),
        ("expert", Integer, _params(default=0)),
        ("once", Varchar, _params(length=64, unique=True)),
        ("agrees", Boolean, _params(default=True)),
        ("reason", Text, _params()),
        ("signed_by", Varchar, _params(length=200)),
        ("signed_at", Timestamptz, _params(default=TimestamptzNow())),
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
