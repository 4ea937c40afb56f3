"""The commissioned organiser's page (受委托组织论证的第三方机构, R-PANEL-8): its commission at a glance."""

from __future__ import annotations

from web.organiser.pages import OrganiserPages

PAGES: list = [OrganiserPages]
