"""Piccolo app of the conflict checker: its tables and migrations."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from conflicts.tables import TABLES

APP_CONFIG = AppConfig(
    app_name="conflicts",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=TABLES,
    migration_dependencies=["registry.piccolo_app"],
    commands=[],
)
