"""Piccolo app of notifications: its tables and migrations."""

from core.apps import app_config
from notifications.tables import TABLES

APP_CONFIG = app_config("notifications", __file__, TABLES, ["assignment.piccolo_app"])
