"""Piccolo app of conflicts: its tables and migrations."""

from conflicts.tables import TABLES
from core.apps import app_config

APP_CONFIG = app_config("conflicts", __file__, TABLES, ["decisions.piccolo_app"])
