"""The one place that says which capability answers which domain event (the message bus' wiring).

Capabilities emit events inside their unit of work and never import their listeners; this module,
at the top of the layers, subscribes each listener. Handlers run in the emitting transaction; the
after-commit step empties the read cache of the running application.
"""

from __future__ import annotations

from typing import Any

from litestar.di import Provide

from accounts import audit, versions
from accounts import handlers as accounts_handlers
from accounts.filing_package import filing_package, package_digest
from accounts.services import create_account
from assignment import on_invitations as assignment_on_invitations
from assignment.procedure.evaluation_group import report_required
from assignment.services.participation import participation
from assignment.tables import Panel, PanelRequest
from conflicts import handlers as conflict_handlers
from conflicts import on_registry as conflicts_on_registry
from conflicts.live import LiveGraph
from conflicts.services.duplicate_flags import graph_follows_merge
from core.api import forget_cached_reads
from core.uow import BUS, MessageBus
from decisions.domain.gravity import DrawnPanel
from notifications import jobs as notification_jobs
from notifications import on_assignment as notifications_on_assignment
from notifications import on_registry as notifications_on_registry
from registry.events import MergeReversed, RecordsMerged


# Decision items learn which panels of experts were drawn for them (R-PANEL-1: a gravity flag may not be
# cleared after a draw) through ``drawn_panels``, read in the item's own write transaction.
async def drawn_panels(item_id: int) -> list[DrawnPanel]:
    """Every panel request of experts for the item that has a panel drawn (cancelled ones too: the draw
    happened), with the size it asked for."""
    drawn = await Panel.select(Panel.panel_request).where(
        (Panel.panel_request.item == item_id) & (Panel.panel_request.subject_kind == "expert"))
    request_ids = sorted({p["panel_request"] for p in drawn})
    if not request_ids:
        return []
    requests = await PanelRequest.select(PanelRequest.id, PanelRequest.size, PanelRequest.purpose).where(
        PanelRequest.id.is_in(request_ids)).order_by(PanelRequest.id)
    return [DrawnPanel(r["id"], r["size"], r["purpose"]) for r in requests]


# Functions of a higher capability that a lower one's endpoints receive as Litestar dependencies
# (the registry's annual review counts the year's invitations and opinions kept by assignment).
# A dependency's name must not be a body field's: Litestar would answer a bad field with a 500.
DEPENDENCIES = {"annual_participation": Provide(lambda: participation, sync_to_thread=False),
                "drawn_panels": Provide(lambda: drawn_panels, sync_to_thread=False),
                # the organiser's account (R-PANEL-8) is made by accounts, a layer above assignment
                "organiser_account_maker": Provide(lambda: create_account, sync_to_thread=False)}
# R-REC-3 (issue 14): filing records the filing package's digest; the package itself is read under the item
DEPENDENCIES |= {"filing_digest": Provide(lambda: package_digest, sync_to_thread=False),
                 "filing_package": Provide(lambda: filing_package, sync_to_thread=False)}
# R-EVAL-1 (issue 14): an evaluation done by a mixed group ends with the group's report, kept by assignment
DEPENDENCIES["evaluation_report_required"] = Provide(lambda: report_required, sync_to_thread=False)


def wire(app: Any | None = None, bus: MessageBus = BUS) -> MessageBus:
    """Subscribe every handler (idempotent); with an app, its read cache is emptied after each commit."""
    bus.clear()
    live = app.state.live_graph if app is not None else LiveGraph()  # the graph handlers keep current
    conflict_handlers.register(bus, live)
    conflicts_on_registry.register(bus, live)
    bus.subscribe(RecordsMerged, graph_follows_merge)  # a merge of duplicates re-points graph records (issue 13)
    bus.subscribe(MergeReversed, graph_follows_merge)
    assignment_on_invitations.register(bus, live)  # R-COI-3: accepted pre-decision panels bar post-evaluation
    notifications_on_registry.register(bus)
    notifications_on_assignment.register(bus)
    accounts_handlers.register(bus)
    bus.before_commit(audit.record_unit)  # the record covers what the handlers wrote
    bus.before_commit(versions.bump_reads)  # last: every process's read cache follows the change (issue 17)
    notification_jobs.anchor_record_with(audit.write_checkpoint)  # the daily checkpoint job (R-REC-2)
    if app is not None:
        async def forget(_events: list[Any]) -> None:
            await forget_cached_reads(app)

        bus.after_commit(forget)
    return bus
