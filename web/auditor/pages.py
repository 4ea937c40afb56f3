"""The auditor's home page (the office may read these pages too)."""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.response import Template

from web.render import render
from web.session import PAGE_DEPENDENCIES, require


class AuditorHome(Controller):
    path = "/auditor"
    include_in_schema = False
    guards = [require("auditor", "office")]
    dependencies = PAGE_DEPENDENCIES

    @get("/")
    async def home(self, request: Request) -> Template:
        return render(request, "auditor/home.html", title="审计首页")
