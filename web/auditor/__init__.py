"""The auditor's read-only pages: the record, a panel's verification, the chain state."""

from __future__ import annotations

from web.auditor.pages import AuditorPages

PAGES: list = [AuditorPages]
