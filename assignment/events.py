"""Domain events of panel assignment, emitted inside the unit of work that makes the change. Other
capabilities answer them (notices to the invited and to the drafting unit) through the wiring."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class MembersInvited:
    """Invitations were issued: the members of a new draw, or a replacement."""

    request_id: int
    invitation_ids: tuple[int, ...]
    at: datetime


@dataclass(frozen=True)
class PanelDrawn:
    """A panel was drawn and recorded for a request; ``members`` counts everyone invited."""

    request_id: int
    panel_id: int
    members: int
    seed: str
    at: datetime
    candidates_hash: str = ""  # what the record keeps to re-run the draw: the seed and the frozen candidates' hash
    member_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class MemberReplaced:
    """A member who declined or did not answer was replaced; ``panel_id`` is the new panel record."""

    request_id: int
    panel_id: int
    leaving: str  # names as the relationship graph knows them
    joining: str
    reason: str
    at: datetime
