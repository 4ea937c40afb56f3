"""What the notifications capability does when the registry changes something: a dismissed expert
(提前解聘) is told, by e-mail and in the inbox, with the notice queued in the dismissal's transaction.
Registered by the application's wiring."""

from __future__ import annotations

from core.uow import MessageBus
from notifications.notices import dismissed
from registry.domain.vocab import DismissalReason
from registry.events import ExpertDismissed


async def _expert_dismissed(event: ExpertDismissed) -> None:
    reason = f"{DismissalReason(event.reason_code).label}：{event.explanation}"
    await dismissed(event.expert_id, event.effective_on, reason, event.dismissal_id, event.at)


def register(bus: MessageBus) -> None:
    bus.subscribe(ExpertDismissed, _expert_dismissed)
