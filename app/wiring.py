"""The one place that says which capability answers which domain event (the message bus' wiring).

Capabilities emit events inside their unit of work and never import their listeners; this module,
at the top of the layers, subscribes each listener. Handlers run in the emitting transaction; the
after-commit step empties the read cache of the running application.
"""

from __future__ import annotations

from typing import Any

from accounts import audit
from conflicts import handlers as conflict_handlers
from core.api import forget_cached_reads
from core.uow import BUS, MessageBus


def wire(app: Any | None = None, bus: MessageBus = BUS) -> MessageBus:
    """Subscribe every handler (idempotent); with an app, its read cache is emptied after each commit."""
    bus.clear()
    conflict_handlers.register(bus)
    bus.before_commit(audit.record_unit)  # last: the record covers what the handlers wrote
    if app is not None:
        async def forget(_events: list[Any]) -> None:
            await forget_cached_reads(app)

        bus.after_commit(forget)
    return bus
