"""The drafting unit's pages (helper W2): controllers listed in PAGES are registered by web/__init__.py."""

from __future__ import annotations

PAGES: list = []
