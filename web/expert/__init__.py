"""The expert's pages (专家, issue 15): ``web.expert.pages``; registered by web/__init__.py."""

from __future__ import annotations

from web.expert.pages import PAGES

__all__ = ["PAGES"]
