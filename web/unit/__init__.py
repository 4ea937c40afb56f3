"""The drafting unit's pages (决策承办单位, issue 15): ``web.unit.pages``; registered by web/__init__.py."""

from __future__ import annotations

from web.unit.pages import PAGES

__all__ = ["PAGES"]
