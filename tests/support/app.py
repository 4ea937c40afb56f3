"""The application under test, for the API and browser tiers: fixtures and log-in helpers.

The tiers' conftest files import the fixtures from here; the tests import the helpers."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

import pytest
from litestar.testing import TestClient

from accounts.services import create_account
from app import create_app
from core.clock import Clock
from tests.support.database import migrate_test_database, reset_test_database

PASSWORD = "correct horse battery staple"
TODAY = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="session", autouse=True)
def _schema() -> None:
    migrate_test_database()


@pytest.fixture
def clock() -> Clock:
    return Clock(fixed=TODAY)


def login(client, username: str, password: str = PASSWORD) -> dict:
    """Log in and keep the token on the client, as a browser session would."""
    response = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert response.status_code == 201, response.text
    client.headers["Authorization"] = f"Bearer {response.json()['token']}"
    return response.json()


def add_account(username: str, role: str, unit_id: int | None = None, expert_id: int | None = None) -> None:
    asyncio.run(create_account(username, PASSWORD, role, TODAY, unit_id, expert_id))


def headers_for(client, username: str) -> dict:
    """The Authorization header of ``username``'s login; the client stays logged in as it was (the office)."""
    office = client.headers["Authorization"]
    try:
        return {"Authorization": f"Bearer {login(client, username)['token']}"}
    finally:
        client.headers["Authorization"] = office


def account_headers(client, username: str, role: str, **ids) -> dict:
    """A new account of ``role`` (``unit_id=`` / ``expert_id=``) and its Authorization header."""
    add_account(username, role, **ids)
    return headers_for(client, username)


@pytest.fixture
def client(clock):
    """The app on an empty database, logged in as the pool office (政策法规处)."""
    reset_test_database()
    add_account("office", "office")
    with TestClient(create_app(clock=clock, migrate_on_start=False)) as test_client:
        login(test_client, "office")
        yield test_client
