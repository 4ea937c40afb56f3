"""Piccolo app of decisions. Its one table was created by the conflicts app's first migration (it
moved here unchanged), so this app has no migration of its own yet."""

from core.apps import app_config
from decisions.tables import TABLES

APP_CONFIG = app_config("decisions", __file__, TABLES, ["registry.piccolo_app"])
