"""Imports from spreadsheets (issue 16): a job per uploaded file and its per-row report."""

from __future__ import annotations

from piccolo.columns import JSON, Integer, Real, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table


class ImportJob(Table):
    """One uploaded file: what it imports, who sent it, and how far it is (rows done of total)."""

    id: Serial  # the primary key piccolo adds, declared for the type checker

    kind = Varchar(length=16)  # expert | institution | relation
    filename = Varchar(length=200)
    sha256 = Varchar(length=64)
    status = Varchar(length=16, default="running")  # running | done | failed
    total = Integer(default=0)
    rows_done = Integer(default=0)
    accepted = Integer(default=0)
    rejected = Integer(default=0)
    duplicates = Integer(default=0)  # already registered (nothing added) or a likely duplicate left for a person
    failure = Text(default="")
    created_by = Varchar(length=100)
    created_at = Timestamptz()
    finished_at = Timestamptz(null=True, default=None)


class ImportRow(Table):
    """The report's line for one row of the file (its number as the office sees it: the header is row 1)."""

    id: Serial

    job = Integer(index=True)
    row_number = Integer()
    status = Varchar(length=24)  # accepted | rejected | existing | possible_duplicate
    label = Varchar(length=200, default="")  # the row's name, to find it (no ID numbers: R-REC-4)
    header = Varchar(length=64, default="")  # the first problem's column (Chinese header)
    reason = Text(default="")
    rule_id = Varchar(length=32, default="")
    problems = JSON(default=[])  # every problem: [{column, reason, rule_id}]
    record_id = Integer(null=True, default=None)  # the record added, or the one it already is
    other_id = Integer(null=True, default=None)  # the likely duplicate's other record
    score = Real(null=True, default=None)


TABLES: list[type[Table]] = [ImportJob, ImportRow]
