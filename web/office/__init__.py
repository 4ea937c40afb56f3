"""The pool office's pages (政策法规处): home, experts, the pool's charts, recruitment, annual reviews."""

from __future__ import annotations

from web.office.pages import OfficePages
from web.office.recruitment import RecruitmentPages

PAGES: list = [OfficePages, RecruitmentPages]
