"""Issue 13: people who are not experts as nodes of the relationship graph (``person``: name, an ID number
kept encrypted + digest + masked, never in clear), and the drafting unit that entered a relation
(``relation.entered_by_unit``). Hand-written: the same file runs on SQLite and PostgreSQL."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-04T10:00:00:000041"
VERSION = "1.38.0"
DESCRIPTION = "people who are not experts; relations entered by a drafting unit"


def _params(**extra) -> dict:
    return {"null": False, "primary_key": False, "unique": False, "index": False,
            "index_method": IndexMethod.btree, "choices": None, "db_column_name": None, "secret": False, **extra}


PERSON_COLUMNS = [
    ("name", Varchar, _params(length=64, default="")),
    ("id_number_encrypted", Text, _params(default="")),
    ("id_number_digest", Varchar, _params(length=64, default="", index=True)),
    ("id_number_masked", Varchar, _params(length=18, default="")),
    ("note", Text, _params(default="")),
    ("created_by", Varchar, _params(length=64, default="")),
    ("created_at", Timestamptz, _params(default=TimestamptzNow())),
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="conflicts", description=DESCRIPTION)
    manager.add_table(class_name="Person", tablename="person", schema=None, columns=None)
    for name, column_class, params in PERSON_COLUMNS:
        manager.add_column(table_class_name="Person", tablename="person", column_name=name, db_column_name=name,
                           column_class_name=column_class.__name__, column_class=column_class, params=params,
                           schema=None)
    manager.add_column(table_class_name="Relation", tablename="relation", column_name="entered_by_unit",
                       db_column_name="entered_by_unit", column_class_name="Integer", column_class=Integer,
                       params=_params(default=None, null=True, index=True), schema=None)
    return manager
