"""Piccolo app of registry: its tables and migrations."""

from core.apps import app_config
from registry.tables import TABLES

APP_CONFIG = app_config("registry", __file__, TABLES, [])
