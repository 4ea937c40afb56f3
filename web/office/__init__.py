"""The pool office's pages (政策法规处): home, experts, the pool's charts, recruitment, annual reviews, dismissals and
discredit records, the evaluator pool, relations and the conflict policy, documents, exports and imports."""

from __future__ import annotations

from web.office.files import FilePages
from web.office.institutions import InstitutionPages
from web.office.pages import OfficePages
from web.office.records import RecordsPages
from web.office.recruitment import RecruitmentPages
from web.office.relations import RelationPages

PAGES: list = [OfficePages, RecruitmentPages, RecordsPages, InstitutionPages, RelationPages, FilePages]
