"""Conflict storage: relations, name-match queue, dismissals, policy versions.

The in-memory graph (``conflicts.live``) is built from these rows and the registry's employment and
institution records; every write that changes the graph appends a ``GraphChange`` row in the same
transaction, so each service process applies the same changes in the same order.
"""

from __future__ import annotations

from piccolo.columns import JSON, Boolean, Date, Float, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from decisions.tables import DecisionItem


class Relation(Table):
    """One edge of the relationship graph, ``source —kind→ target``, with its period and origin.

    ``target_text`` keeps the name as typed; ``target_id`` is the institution it was matched to.
    An unsure match leaves ``confirmed`` false until a person decides (see ``NameMatchTask``)."""

    id: Serial  # the primary key piccolo adds, declared for the type checker

    kind = Varchar(length=32, index=True)
    source_kind = Varchar(length=16)
    source_id = Integer(index=True)
    target_kind = Varchar(length=16)
    target_id = Integer(null=True, default=None, index=True)
    target_text = Varchar(length=200, default="")
    role = Varchar(length=32, default="")  # applicant, regulated_party, spouse, supervisor, ...
    start = Date(null=True, default=None)
    end = Date(null=True, default=None)
    origin = Varchar(length=16)  # declaration | office | import
    confirmed = Boolean(default=True)
    match_score = Float(null=True, default=None)
    detail = Text(default="")
    entered_by = Varchar(length=64, default="")  # the login that entered it
    entered_by_unit = Integer(null=True, default=None, index=True)  # a drafting unit's own entry (issue 13)
    withdrawn_at = Timestamptz(null=True, default=None)
    withdrawn_reason = Text(default="")
    created_at = Timestamptz()


class Person(Table):
    """Someone who is not a registered expert (an expert's spouse, a company's director), a node of the graph
    that can hold relations. An ID number is kept as the registry keeps experts' (R-REC-4): encrypted, a keyed
    digest to find the same person again, and a masked form to show; never in clear."""

    id: Serial  # the primary key piccolo adds, declared for the type checker

    name = Varchar(length=64)
    id_number_encrypted = Text(default="")
    id_number_digest = Varchar(length=64, default="", index=True)
    id_number_masked = Varchar(length=18, default="")
    note = Text(default="")
    created_by = Varchar(length=64, default="")
    created_at = Timestamptz()


class NameMatchTask(Table):
    """A free-text name the matcher was not sure of, waiting for a person to confirm (待确认)."""

    id: Serial  # the primary key piccolo adds, declared for the type checker

    source = Varchar(length=16)  # employment | relation
    record_id = Integer(index=True)
    text = Varchar(length=200)
    candidates = JSON(default=[])  # [{institution_id, name, score}], best first
    status = Varchar(length=16, default="open")  # open | confirmed | rejected
    chosen_institution = Integer(null=True, default=None)
    decided_by = Varchar(length=64, default="")
    decided_at = Timestamptz(null=True, default=None)
    note = Text(default="")
    created_at = Timestamptz()


class ConflictDismissal(Table):
    """A conflict the pool office judged a false positive, with who, when and why; reversible."""

    id: Serial  # the primary key piccolo adds, declared for the type checker

    item = ForeignKey(DecisionItem, index=True)
    subject_kind = Varchar(length=16)
    subject_id = Integer()
    rule_id = Varchar(length=32)
    rule_name = Varchar(length=64)
    path_relation_ids = JSON(default=[])  # the path dismissed; a different path is a new conflict
    explanation = Text()
    reason = Text()
    dismissed_by = Varchar(length=64)
    dismissed_at = Timestamptz()
    reversed_at = Timestamptz(null=True, default=None)
    reversed_by = Varchar(length=64, default="")
    reversal_reason = Text(default="")


class PolicyVersion(Table):
    """Every version of the conflict policy; the highest is in force."""

    id: Serial  # the primary key piccolo adds, declared for the type checker

    version = Integer(unique=True)
    document = JSON()
    reason = Text(default="")
    changed_by = Varchar(length=64, default="")
    created_at = Timestamptz()


class GraphChange(Table):
    """A record that changes the graph was written; processes apply these in id order."""

    id: Serial  # the primary key piccolo adds, declared for the type checker

    record_table = Varchar(length=32)
    record_id = Integer()
    created_at = Timestamptz()


TABLES: list[type[Table]] = [
    Relation, NameMatchTask, ConflictDismissal, PolicyVersion, GraphChange, Person,
]
