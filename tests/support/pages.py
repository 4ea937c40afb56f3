"""Pages (issue 15): log in through the log-in form, as a browser does (session cookie + CSRF token)."""

from __future__ import annotations

import re

from tests.support.app import PASSWORD

_CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


def csrf(client, path: str = "/login") -> str:
    """The CSRF token of a page's form (the csrftoken cookie is set on the same answer)."""
    page = client.get(path)
    match = _CSRF.search(page.text)
    assert match, f"no CSRF field on {path}: {page.status_code}"
    return match.group(1)


def page_login(client, username: str, password: str = PASSWORD) -> None:
    """Log in with the form; the client keeps the session cookie. Drops any bearer token first."""
    client.headers.pop("Authorization", None)
    client.cookies.delete("session")
    answer = client.post("/login", data={"username": username, "password": password, "_csrf_token": csrf(client)},
                         follow_redirects=False)
    assert answer.status_code == 303, answer.text
    assert client.cookies.get("session")


def post_form(client, path: str, data: dict, page: str | None = None, **kwargs):
    """POST a form with the CSRF token of ``page`` (default: the path itself, or /login)."""
    token = csrf(client, page or "/login")
    return client.post(path, data={**data, "_csrf_token": token}, **kwargs)
