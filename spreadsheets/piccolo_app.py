"""Piccolo app of spreadsheets (issue 16): import jobs and their per-row reports."""

from core.apps import app_config
from spreadsheets.tables import TABLES

APP_CONFIG = app_config("spreadsheets", __file__, TABLES, ["registry.piccolo_app"])
