"""The drafting unit's pages (决策承办单位, issue 15): ``web.unit.pages`` (items, conflict check, request form, the
drawn panel) and ``web.unit.steps`` (the procedure's steps: hand-over, minutes, report, adoption, filing, downloads);
registered by web/__init__.py."""

from __future__ import annotations

from web.unit.pages import PAGES as ITEM_PAGES
from web.unit.steps import PAGES as STEP_PAGES

PAGES = [*ITEM_PAGES, *STEP_PAGES]

__all__ = ["PAGES"]
