"""Piccolo app of assignment: its tables and migrations."""

from assignment.tables import TABLES
from core.apps import app_config

APP_CONFIG = app_config("assignment", __file__, TABLES, ["conflicts.piccolo_app"])
