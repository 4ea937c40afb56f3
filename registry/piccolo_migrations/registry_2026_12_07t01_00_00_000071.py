"""Issue 13: an expert's search key (``expert.search_key``: the name in simplified characters, its pinyin
readings and initials, the current employers' names), filled for every expert already registered; an
application names the term its appointment opened (``application.term``), filled for past appointments from
the term with the same expert and certificate number. Hand-written; runs on SQLite and PostgreSQL."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer, Text
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-07T01:00:00:000071"
VERSION = "1.38.0"
DESCRIPTION = "expert.search_key and application.term (filled by the next migration)"


def _params(**overrides) -> dict:
    params = {"default": "", "null": False, "primary_key": False, "unique": False, "index": False,
              "index_method": IndexMethod.btree, "choices": None, "db_column_name": None, "secret": False}
    params.update(overrides)
    return params


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="registry", description=DESCRIPTION)
    manager.add_column(table_class_name="Expert", tablename="expert", column_name="search_key",
                       db_column_name="search_key", column_class_name="Text", column_class=Text,
                       params=_params(), schema=None)
    manager.add_column(table_class_name="Application", tablename="application", column_name="term",
                       db_column_name="term", column_class_name="Integer", column_class=Integer,
                       params=_params(default=None, null=True, index=True), schema=None)
    return manager
