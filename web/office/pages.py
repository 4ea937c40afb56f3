"""The pool office's home page: what needs attention."""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.response import Template

from web.render import render
from web.session import PAGE_DEPENDENCIES, require


class OfficeHome(Controller):
    path = "/office"
    include_in_schema = False
    guards = [require("office")]
    dependencies = PAGE_DEPENDENCIES

    @get("/")
    async def home(self, request: Request) -> Template:
        return render(request, "office/home.html", title="工作台")
