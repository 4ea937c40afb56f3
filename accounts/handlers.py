"""What the accounts capability records when other capabilities report something: each scheduled
job run becomes an event of the full-process record (R-REC-1), written in the run's transaction.
Registered by the application's wiring."""

from __future__ import annotations

from accounts.audit import append
from core.db import current_engine
from core.uow import MessageBus
from notifications.events import JobRan

APPEND_ATTEMPTS = 5


async def _append_in_transaction(*event) -> None:
    """``append`` retries when another writer took the next sequence number; inside a transaction,
    PostgreSQL refuses every statement after that unique violation, so each attempt runs in a
    savepoint that a failed attempt is rolled back to."""
    transaction = current_engine().current_transaction.get()
    if transaction is None:  # outside a transaction ``append`` retries on its own
        await append(*event)
        return
    for attempt in range(APPEND_ATTEMPTS):
        savepoint = await transaction.savepoint()
        try:
            await append(*event)
        except Exception:
            await savepoint.rollback_to()
            if attempt == APPEND_ATTEMPTS - 1:
                raise
        else:
            await savepoint.release()
            return


async def _job_ran(event: JobRan) -> None:
    await _append_in_transaction(f"scheduler:{event.worker}", f"job {event.job}", "", event.description,
                                 {"day": str(event.day), "result": event.result}, event.at)


def register(bus: MessageBus) -> None:
    bus.subscribe(JobRan, _job_ran)
