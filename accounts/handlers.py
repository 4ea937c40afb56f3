"""What the accounts capability records when other capabilities report something: a scheduled job run
is recorded (R-REC-1) under the scheduler's name, by the record of the run's own unit of work.
Registered by the application's wiring."""

from __future__ import annotations

from core.uow import MessageBus, RecordContext, current_unit
from notifications.events import JobRan


async def _job_ran(event: JobRan) -> None:
    """The run's unit of work is recorded before it commits (``audit.record_unit``); this says who acted."""
    unit = current_unit()
    if unit is not None and unit.context is None:
        unit.context = RecordContext(actor=f"scheduler:{event.worker}", action=f"job {event.job}",
                                     reason=event.description, request={"day": str(event.day), "result": event.result},
                                     at=event.at)


def register(bus: MessageBus) -> None:
    bus.subscribe(JobRan, _job_ran)
