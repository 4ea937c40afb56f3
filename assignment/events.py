"""Domain events of panel assignment, emitted inside the unit of work that makes the change. Other
capabilities answer them (notices to the invited and to the drafting unit) through the wiring."""

from __future__ import annotations

from dataclasses import dataclass, field
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
    draw_number: int = 1  # R-PANEL-2: "draw 2 of 2 for this item and purpose", on the item's record
    item_id: int = 0
    purpose: str = ""
    awaiting_approval: tuple[int, ...] = ()  # out-of-pool experts whose invitation waits for the office (R-PANEL-3)
    # issue 17: the record keeps the counts, not the lists (those are in draw_record and panel_exclusion)
    eligible: int = 0
    exclusions: dict = field(default_factory=dict)  # {total, by_stage: {stage: n}, by_rule: {rule id: n}}


@dataclass(frozen=True)
class MemberReplaced:
    """A member who declined or did not answer was replaced; ``panel_id`` is the new panel record."""

    request_id: int
    panel_id: int
    leaving: str  # names as the relationship graph knows them
    joining: str
    reason: str
    at: datetime


@dataclass(frozen=True)
class CancellationRequested:
    """The drafting unit asked for a panel request to be cancelled, with its reason (R-PANEL-2)."""

    request_id: int
    draw_number: int
    reason: str
    at: datetime


@dataclass(frozen=True)
class CancellationDecided:
    """The office approved (the request is cancelled, its open invitations withdrawn) or refused a cancellation."""

    request_id: int
    draw_number: int
    approved: bool
    reason: str
    withdrawn_invitation_ids: tuple[int, ...]
    at: datetime


@dataclass(frozen=True)
class OutOfPoolDecided:
    """The office approved (the invitation goes out) or refused an out-of-pool expert (R-PANEL-3)."""

    request_id: int
    invitation_id: int
    expert_id: int
    approved: bool
    reason: str
    at: datetime


@dataclass(frozen=True)
class InvitationAccepted:
    """A member accepted (one conditional transition from pending). For an argument or risk-assessment panel,
    the wiring records that the member took part in the item's pre-decision work (R-COI-3)."""

    invitation_id: int
    request_id: int
    panel_id: int
    item_id: int
    purpose: str
    subject_kind: str
    subject_id: int
    at: datetime


@dataclass(frozen=True)
class LeaderNamed:
    """The drafting unit named the group's leader (组长) among the members who accepted (R-PANEL-5)."""

    request_id: int
    expert_id: int
    by: str  # the login
    at: datetime
