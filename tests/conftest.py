"""Environment for every test tier, set before anything reads the settings (they are read once).

Nothing here imports the application or touches a database: the unit tier (``tests/unit``) runs on
this alone. The database tiers get their fixtures from ``tests/support/app.py`` and
``tests/support/database.py`` through their own conftest files.

The engine is the one ``DATABASE_URL`` names (CI runs the suite on SQLite and on PostgreSQL);
without it, a SQLite file in a temporary folder of this process. Under pytest-xdist each worker is
a process of its own, so it gets its own folder; on PostgreSQL it gets its own database, named
after the worker (``app_test_gw0``...), created by the database tiers.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from urllib.parse import urlsplit, urlunsplit

import pytest

_TMP = tempfile.mkdtemp(prefix="registry-tests-")
atexit.register(shutil.rmtree, _TMP, ignore_errors=True)


def _own_folder() -> None:
    """DATA_DIR and DATABASE_URL default to this process' folder. pytest-xdist workers inherit the
    environment of the process that started them: what it chose by default is chosen again here."""
    inherited = os.environ.get("TESTS_DEFAULTED", "").split(",") if os.environ.get("PYTEST_XDIST_WORKER") else []
    chosen = []
    for name, value in (("DATA_DIR", _TMP), ("DATABASE_URL", f"sqlite:///{_TMP}/test.sqlite")):
        if name not in os.environ or name in inherited:
            os.environ[name] = value
            chosen.append(name)
    os.environ["TESTS_DEFAULTED"] = ",".join(chosen)


_own_folder()
os.environ["PII_KEY"] = "q4rcLr1oChPqvAt7Me7N4g6Fv7rUZM2hpXBiEsYxO4s="
os.environ["PICCOLO_CONF"] = "piccolo_conf"
os.environ["TOKEN_HOURS"] = "100000"  # tests move the clock by months; token expiry has its own test
os.environ["RUN_SCHEDULER"] = "0"  # tests move time with the injected clock and call the jobs themselves
os.environ["ARGON2_CHEAP"] = "1"  # a production-strength hash costs ~0.3 s; tests hash a password per test
os.environ["WEBHOOK_ALLOW_HOSTS"] = "127.0.0.1,localhost"  # the webhook tests post to a receiver on this machine


def _database_per_worker() -> None:
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    url = os.environ["DATABASE_URL"]
    if not worker or not url.startswith(("postgresql://", "postgres://")):
        return
    parts = urlsplit(url)
    os.environ["TEST_SERVER_DATABASE_URL"] = url  # where the worker's database is created from
    os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"{parts.path}_{worker}"))


_database_per_worker()


# Litestar's deprecations fail the tiers that run the app. Attached per test rather than in
# pyproject's filterwarnings, which would make pytest import litestar for the unit tier too.
_LITESTAR_DEPRECATIONS_FAIL = "error::litestar.utils.deprecation.LitestarDeprecationWarning"
_UNIT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "unit")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if not str(item.path).startswith(_UNIT_DIR + os.sep):
            item.add_marker(pytest.mark.filterwarnings(_LITESTAR_DEPRECATIONS_FAIL))
