"""Piccolo app of decisions. Its item table was created by the conflicts app's first migration (it moved here
unchanged); the work calendars came with this app's own first migration (issue 13)."""

from core.apps import app_config
from decisions.tables import TABLES

APP_CONFIG = app_config("decisions", __file__, TABLES, ["registry.piccolo_app"])
