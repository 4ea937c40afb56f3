"""One way to declare a capability's piccolo app: its tables, and migrations beside them."""

from __future__ import annotations

from pathlib import Path

from piccolo.conf.apps import AppConfig
from piccolo.table import Table


def app_config(app_name: str, package_file: str, tables: list[type[Table]], depends_on: list[str]) -> AppConfig:
    return AppConfig(app_name=app_name, migrations_folder_path=str(Path(package_file).parent / "piccolo_migrations"),
                     table_classes=tables, migration_dependencies=depends_on, commands=[])
