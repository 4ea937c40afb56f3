"""Piccolo app of panel assignment: its tables and migrations."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from assignment.tables import TABLES

APP_CONFIG = AppConfig(
    app_name="assignment",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=TABLES,
    migration_dependencies=["conflicts.piccolo_app"],
    commands=[],
)
