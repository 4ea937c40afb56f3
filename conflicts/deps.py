"""The live relationship graph as a request dependency: ``live: NamedDependency[LiveGraph]``."""

from __future__ import annotations

from datetime import date

from litestar import Request
from litestar.di import NamedDependency, Provide

from conflicts.live import LiveGraph
from core.api import provide_today


async def provide_live_graph(request: Request, today: NamedDependency[date]) -> LiveGraph:
    """The application's graph, with the changes of every process applied once for this request. It names
    ``today`` (which it does not use) so that litestar resolves the two one after the other: two dependencies
    of the same rank are resolved in a task group, two new tasks for every check (5% of a check's CPU, issue
    17)."""
    live: LiveGraph = request.app.state.live_graph
    return await live.sync()


def _today(request: Request) -> date:
    """``today`` wherever the graph is (the service clock, as ``core.api.DEPS`` gives it): a function of its own,
    since litestar refuses the same provider on two layers, and a ``today`` nobody provides would be read from
    the query string instead."""
    return provide_today(request)


LIVE = {"today": Provide(_today, sync_to_thread=False), "live": Provide(provide_live_graph)}
