"""Log-in and log-out for pages, and ``GET /`` sending each role to its home page."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response import Redirect

from accounts import services as accounts
from core.api import DEPS, http_status
from core.errors import DomainError
from web.forms import FormErrors, from_domain, read_form
from web.render import render, see_other
from web.session import COOKIE, HOME, cookie_secure, current

NextPage = Annotated[str | None, QueryParameter(name="next", max_length=500)]


def _safe_next(target: str | None, role: str) -> str:
    """Only a path of this site (never //host or a scheme): an open redirect would serve phishing."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return HOME.get(role, "/")


class LoginController(Controller):
    include_in_schema = False
    dependencies = DEPS

    @get("/")
    async def root(self, request: Request) -> Redirect:
        principal = current(request)
        return Redirect(HOME.get(principal.role, "/login") if principal else "/login", status_code=303)

    @get("/login")
    async def form(self, request: Request, next_: NextPage = None) -> Response:
        return render(request, "login.html", title="登录", next=next_ or "", form={}, errors=FormErrors())

    @post("/login", status_code=303)
    async def login(self, request: Request, now: NamedDependency[datetime]) -> Response:
        form = await read_form(request)
        username, password = str(form.get("username", ""))[:64], str(form.get("password", ""))[:200]
        target = str(form.get("next", ""))[:500]
        errors = FormErrors()
        if not username:
            errors.fields["username"] = ["请填写用户名"]
        if not password:
            errors.fields["password"] = ["请填写密码"]
        if errors:
            errors.detail = "请填写用户名和密码"
            return render(request, "login.html", 422, title="登录", next=target, form={"username": username},
                          errors=errors)
        client = request.client.host if request.client else ""
        try:
            token, expires, account = await accounts.login(username, password, client, now)
        except DomainError as exc:
            return render(request, "login.html", http_status(exc), title="登录", next=target,
                          form={"username": username}, errors=from_domain(exc))
        response = see_other(_safe_next(target, account.role))
        response.set_cookie(COOKIE, token, expires=int(expires.timestamp()), httponly=True, samesite="lax",
                            secure=cookie_secure(), path="/")
        return response

    @post("/logout", status_code=303)
    async def logout(self, request: Request) -> Response:
        token = request.scope.get("auth")
        if isinstance(token, str):
            await accounts.logout(token)
        response = see_other("/login", "已退出登录")
        response.delete_cookie(COOKIE, path="/")
        return response
