"""Log-in for pages: a session cookie holding the login token accounts/ issues, a guard per role, CSRF.

The cookie carries the same bearer token as ``POST /api/v1/auth/login`` returns (``accounts.services.login``);
``SessionAuthentication`` looks it up on every page request (one indexed read, as the API does), so a logout or a
deactivated account takes effect at once. Pages get the ``Principal`` from ``request.user`` or the ``principal``
dependency; ``require(...)`` guards a controller by role (a page of another role: a Chinese 403 page; no login:
a redirect to /login).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from typing import cast

from litestar import Request
from litestar.config.csrf import CSRFConfig
from litestar.connection import ASGIConnection
from litestar.di import Provide
from litestar.exceptions import PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Guard, HTTPScope, Receive, Scope, Send

from accounts.access import ROLE_NAMES
from accounts.services import Principal, principal_for
from core.api import DEPS
from core.settings import get_settings
from registry.privacy import get_vault

COOKIE = "session"
CSRF_COOKIE = "csrftoken"
CSRF_HEADER = "x-csrftoken"
# Paths that are not pages: the API (bearer tokens), the schema, the health probe, the signed-link answer page
# (its unguessable signed token is the proof; a forged cross-site post cannot know it) and the static files.
NOT_PAGES = ["^/api/", "^/schema", "^/health$", "^/respond/", "^/static/"]
_NOT_PAGE = re.compile("|".join(NOT_PAGES))
HOME = {"office": "/office", "unit": "/unit", "expert": "/expert", "auditor": "/auditor", "organiser": "/organiser"}


def is_page(path: str) -> bool:
    return not _NOT_PAGE.search(path)


def cookie_secure() -> bool:
    """SESSION_COOKIE_SECURE=1|0; by default Secure in production (HTTPS), not elsewhere (http://127.0.0.1)."""
    value = os.environ.get("SESSION_COOKIE_SECURE")
    return value == "1" if value is not None else get_settings().environment == "production"


def csrf_config() -> CSRFConfig:
    """CSRF on every form (a signed token in a cookie, the same in the form or the X-CSRFToken header)."""
    secret = os.environ.get("CSRF_SECRET") or hmac.new(get_vault().link_key, b"registry-csrf",
                                                       hashlib.sha256).hexdigest()
    return CSRFConfig(secret=secret, cookie_name=CSRF_COOKIE, header_name=CSRF_HEADER, cookie_secure=cookie_secure(),
                      cookie_samesite="lax", exclude=NOT_PAGES)


class SessionAuthentication(ASGIMiddleware):
    """On a page, the principal of the session cookie (if any, and valid) as ``scope["user"]``. Never refuses:
    each page's guard decides (a redirect to /login, or a 403 page)."""

    should_bypass_for_scope = staticmethod(lambda scope: not is_page(scope["path"]))

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        token = _cookie(scope, COOKIE)
        if token and len(token) <= 200:
            principal = await principal_for(token, scope["app"].state.clock.now())
            if principal is not None:
                scope["user"], scope["auth"] = principal, token
        await next_app(scope, receive, send)


def _cookie(scope: Scope, name: str) -> str | None:
    for key, value in cast("HTTPScope", scope)["headers"]:
        if key == b"cookie":
            for part in value.decode("latin-1").split(";"):
                k, _, v = part.strip().partition("=")
                if k == name:
                    return v
    return None


class LoginRequired(Exception):
    """No valid session: the page handler's exception handler answers with a redirect to /login."""


def current(connection: ASGIConnection) -> Principal | None:
    return connection.scope.get("user")


def require(*roles: str) -> Guard:
    """A guard: logged in, and (if roles are given) in one of them; otherwise LoginRequired or a 403 page."""

    def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        principal = current(connection)
        if principal is None:
            raise LoginRequired()
        if roles and principal.role not in roles:
            raise PermissionDeniedException(f"{ROLE_NAMES.get(principal.role, principal.role)}账号无权查看此页面")

    return guard


def provide_principal(request: Request) -> Principal:
    principal = current(request)
    if principal is None:
        raise LoginRequired()
    return principal


# A page controller's dependencies: ``principal`` (the logged-in Principal), ``today`` and ``now`` (the clock).
PAGE_DEPENDENCIES = {"principal": Provide(provide_principal, sync_to_thread=False), **DEPS}
