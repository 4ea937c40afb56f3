"""Decision items (重大行政决策事项): the matter every panel, check and record hangs on.

The table was first created by the conflicts app's migration; it lives here now because the whole
procedure (conflicts, panels, records) depends on it, not only the conflict check.
"""

from __future__ import annotations

from piccolo.columns import JSON, Boolean, Date, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
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
    sub_pools = JSON(default=[])  # issue 17: the specialty sub-pools its expert panels draw from by default


class WorkCalendar(Table):
    """A year's official schedule of holidays and adjusted working weekends (放假安排, 调休), entered by the
    office from the State Council's notice (issue 13); every working-day count uses it (R-PANEL-4, R-REC-3).
    A protected row: each entry and change is on the record with its digest."""

    id: Serial

    year = Integer(unique=True, index=True)
    holidays = JSON(default=[])  # [{"start": "2027-02-05", "end": "2027-02-11", "name": "春节"}, ...]
    working_weekends = JSON(default=[])  # ["2027-02-13", ...]
    source = Varchar(length=300)  # the notice: title and number (国办发明电〔2026〕N号)
    note = Text(default="")
    entered_by = Varchar(length=100)  # the login that entered it
    entered_at = Timestamptz()
    revision = Integer(default=1)  # 1 when first entered, +1 for each correction


class ItemTransition(Table):
    """One step of an item's life (issue 14): from → to, who, when and why; the decision date and document
    number (文号) when decided, the start of execution. The item's state is its latest step's ``to_state``.
    ``item`` is a plain id: the item table is created by the conflicts app's migration, after this app's."""

    id: Serial

    item = Integer(index=True)
    from_state = Varchar(length=30)
    to_state = Varchar(length=30)
    reason = Text(default="")
    actor = Varchar(length=100)
    at = Timestamptz()
    decided_on = Date(null=True, default=None)
    document_number = Varchar(length=100, default="")
    execution_started_on = Date(null=True, default=None)


class ItemEvaluation(Table):
    """A post-decision evaluation (决策后评估, R-EVAL-2): the trigger and its evidence, a new circumstance for a
    repeat within 12 months, when and by whom it opened; its conclusion when closed."""

    id: Serial

    item = Integer(index=True)
    trigger = Varchar(length=40)
    evidence = Text(default="")
    new_circumstance = Text(default="")
    opened_on = Date()
    opened_by = Varchar(length=100)
    opened_at = Timestamptz()
    concluded_on = Date(null=True, default=None)
    summary = Text(default="")
    concluded_by = Varchar(length=100, default="")


class EvaluationPlan(Table):
    """The office's yearly plan of third-party evaluations (R-EVAL-3): 1 to 3 decisions executed for over a year."""

    id: Serial

    year = Integer(unique=True, index=True)
    item_ids = JSON(default=[])
    set_by = Varchar(length=100)
    set_at = Timestamptz()
    revision = Integer(default=1)


class ItemFiling(Table):
    """The item's full record filed after the decision (R-REC-3, issue 14): when (server time, and the office's day),
    by whom, the due date it was held against, and the SHA-256 of the filing package at that moment (with the
    chain's head then). One per item; a protected row."""

    id: Serial

    item = Integer(unique=True, index=True)
    filed_at = Timestamptz()
    filed_on = Date()
    filed_by = Varchar(length=100)
    due_on = Date()
    on_time = Boolean(default=True)
    package_sha256 = Varchar(length=64)
    chain_seq = Integer(default=0)  # the record's last event when the package was made


class ItemOption(Table):
    """One of the options of a multi-option item, argued together (R-PANEL-6), entered by the owning unit.
    ``item`` is a plain id: the item table is created by the conflicts app's migration, after this app's."""

    id: Serial

    item = Integer(index=True)
    position = Integer(default=0)  # 0-based, the order the unit gave
    label = Varchar(length=100)
    summary = Text(default="")
    entered_by = Varchar(length=100)
    entered_at = Timestamptz()


TABLES: list[type[Table]] = [DecisionItem, WorkCalendar, ItemTransition, ItemEvaluation, EvaluationPlan, ItemFiling,
                             ItemOption]
