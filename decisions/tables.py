"""Decision items (重大行政决策事项): the matter every panel, check and record hangs on.

The table was first created by the conflicts app's migration; it lives here now because the whole
procedure (conflicts, panels, records) depends on it, not only the conflict check.
"""

from __future__ import annotations

from piccolo.columns import JSON, Boolean, Date, ForeignKey, Serial, Timestamptz, Varchar
from piccolo.table import Table

from registry.tables import Institution


class DecisionItem(Table):
    """重大行政决策事项: the matter a panel argues, assesses or evaluates."""

    id: Serial  # the primary key piccolo adds, declared for the type checker

    title = Varchar(length=300, index=True)
    drafting_unit = ForeignKey(Institution, null=True, default=None)  # 决策承办单位
    specialty_codes = JSON(default=[])
    wide_scope = Boolean(default=False)  # 涉及面广
    controversial = Boolean(default=False)  # 争议较大
    complex = Boolean(default=False)  # 特别复杂
    sensitive = Boolean(default=False)  # 敏感
    opened_on = Date()
    decided_on = Date(null=True, default=None)
    created_at = Timestamptz()


TABLES: list[type[Table]] = [DecisionItem]
