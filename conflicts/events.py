"""Domain events of the conflict capability, emitted inside the unit of work that makes the change.

Every event here changes a record the relationship graph is built from; the graph change log is
written by one handler (``conflicts/handlers.py``) for all of them, so every service process
re-reads that record at its next sync.
"""

from __future__ import annotations

from dataclasses import dataclass


class GraphChanged:
    """Base of the events after which the graph must re-read one record: ``(table, id)``."""

    @property
    def graph_record(self) -> tuple[str, int]:
        raise NotImplementedError


@dataclass(frozen=True)
class RelationRecorded(GraphChanged):
    """A relation entered by the office, imported, or declared by the expert (自我申报)."""

    relation_id: int

    @property
    def graph_record(self) -> tuple[str, int]:
        return "relation", self.relation_id


@dataclass(frozen=True)
class PersonRegistered(GraphChanged):
    """Someone who is not an expert was entered as a node that can hold relations (issue 13)."""

    person_id: int

    @property
    def graph_record(self) -> tuple[str, int]:
        return "person", self.person_id


@dataclass(frozen=True)
class NameRematched(GraphChanged):
    """A name waiting in the queue was matched again after an institution was registered or renamed:
    linked surely (the task closed by the system) or given new candidates."""

    task_id: int
    source: str
    record_id: int
    institution_id: int | None
    linked: bool

    @property
    def graph_record(self) -> tuple[str, int]:
        return self.source, self.record_id


@dataclass(frozen=True)
class RelationEnded(GraphChanged):
    relation_id: int

    @property
    def graph_record(self) -> tuple[str, int]:
        return "relation", self.relation_id


@dataclass(frozen=True)
class RelationWithdrawn(GraphChanged):
    """Entered in error: kept for the record, no longer an edge."""

    relation_id: int

    @property
    def graph_record(self) -> tuple[str, int]:
        return "relation", self.relation_id


@dataclass(frozen=True)
class EmploymentLinked(GraphChanged):
    """An employment's employer is linked to an institution: given by id, matched surely, or
    queued as an unsure match (a possible conflict until a person decides)."""

    employment_id: int

    @property
    def graph_record(self) -> tuple[str, int]:
        return "employment", self.employment_id


@dataclass(frozen=True)
class EmploymentsLinked:
    """``EmploymentLinked`` for many employments at once (an import, issue 16): the graph re-reads each."""

    employment_ids: tuple[int, ...]


@dataclass(frozen=True)
class NameMatchConfirmed(GraphChanged):
    """A person linked a name as written to this institution; ``source`` is employment or relation."""

    task_id: int
    source: str
    record_id: int
    institution_id: int

    @property
    def graph_record(self) -> tuple[str, int]:
        return self.source, self.record_id


@dataclass(frozen=True)
class NameMatchRejected(GraphChanged):
    """None of the candidates is meant: the record stays unlinked."""

    task_id: int
    source: str
    record_id: int

    @property
    def graph_record(self) -> tuple[str, int]:
        return self.source, self.record_id


@dataclass(frozen=True)
class PolicyChanged(GraphChanged):
    """A new conflict policy version is in force."""

    version: int

    @property
    def graph_record(self) -> tuple[str, int]:
        return "policy", self.version
