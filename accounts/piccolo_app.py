"""Piccolo app of accounts and the event log: its tables and migrations."""

from accounts.tables import TABLES
from core.apps import app_config

APP_CONFIG = app_config("accounts", __file__, TABLES, ["notifications.piccolo_app"])
