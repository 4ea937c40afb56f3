"""What the conflict capability does when the registry changes something, in the same transaction as
the change: the graph change log follows institutions, experts and employments; employers typed as
free text are linked to institutions (or queued when unsure); a new expert or institution that looks
like one already registered is flagged as a possible duplicate; a new or renamed institution re-runs the
names still waiting in the match queue (issue 13). Registered by the application's wiring.

The process's graph is synced before this transaction writes its own change rows, so it does not
apply a change that could still roll back. The exceptions are a new or renamed institution: the
matcher must already know its names, to flag it (as when flagging ran after the commit: its own name then
matches exactly, so only institutions of the same normalised name are flagged, not near namesakes) and to
match again the names waiting in the queue. Should the unit roll back, the graph reads the records again
as committed (``LiveGraph.sync`` registers the undo).
"""

from __future__ import annotations

from conflicts.live import LiveGraph, note_change, note_changes
from conflicts.services.duplicate_flags import flag_expert_on_entry, flag_experts_on_entry, flag_institution_on_entry
from conflicts.services.matching import link_employments, link_employments_many, rematch_open_names
from core.uow import MessageBus
from registry.events import (
    EmploymentAdded,
    ExpertRegistered,
    ExpertsRegistered,
    InstitutionChanged,
    InstitutionRegistered,
)
from registry.tables import Employment, Expert, Institution


def register(bus: MessageBus, live: LiveGraph) -> None:
    """``live``: the application's relationship graph."""

    async def institution_registered(event: InstitutionRegistered) -> None:
        await note_change("institution", event.institution_id)
        row = await Institution.objects().where(Institution.id == event.institution_id).output(load_json=True).first()
        await flag_institution_on_entry(await live.sync(), row)
        await rematch_open_names(live, event.institution_id)  # names declared before it was registered

    async def institution_changed(event: InstitutionChanged) -> None:
        await note_change("institution", event.institution_id)
        # a new name or alias may fit names waiting in the queue (the matcher reads it at this sync)
        await rematch_open_names(await live.sync(), event.institution_id)

    async def expert_registered(event: ExpertRegistered) -> None:
        await live.sync()  # employers are matched against the institutions as they are now
        await flag_expert_on_entry(live, await Expert.objects().where(Expert.id == event.expert_id).first())
        await note_change("expert", event.expert_id)
        await _link(live, event.employment_ids)

    async def experts_registered(event: ExpertsRegistered) -> None:
        """The same as ``expert_registered`` for each, set-wise for the batch (an import, issue 16)."""
        await live.sync()
        await flag_experts_on_entry(live, event.expert_ids)
        await note_changes("expert", event.expert_ids)
        ids = list(event.employment_ids)
        rows = [row for start in range(0, len(ids), 1000) for row in await Employment.select(
            Employment.id, Employment.institution, Employment.employer_name).where(
            Employment.id.is_in(ids[start:start + 1000])).order_by(Employment.id)]
        await link_employments_many(live, rows)

    async def employment_added(event: EmploymentAdded) -> None:
        await _link(await live.sync(), (event.employment_id,))

    bus.subscribe(InstitutionRegistered, institution_registered)
    bus.subscribe(InstitutionChanged, institution_changed)
    bus.subscribe(ExpertRegistered, expert_registered)
    bus.subscribe(ExpertsRegistered, experts_registered)
    bus.subscribe(EmploymentAdded, employment_added)


async def _link(live: LiveGraph, employment_ids: tuple[int, ...]) -> None:
    if employment_ids:
        rows = await Employment.objects().where(Employment.id.is_in(list(employment_ids))).order_by(Employment.id)
        await link_employments(live, rows)
