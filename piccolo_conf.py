"""Piccolo configuration: one engine for every capability's app, chosen by DATABASE_URL."""

from piccolo.conf.apps import AppRegistry

from core.db import make_engine
from core.settings import get_settings

DB = make_engine(get_settings().database)

APP_REGISTRY = AppRegistry(apps=[
    "registry.piccolo_app", "decisions.piccolo_app", "conflicts.piccolo_app", "assignment.piccolo_app",
    "notifications.piccolo_app", "accounts.piccolo_app", "spreadsheets.piccolo_app",
])
