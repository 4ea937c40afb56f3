"""The live relationship graph as a request dependency: ``live: NamedDependency[LiveGraph]``."""

from __future__ import annotations

from litestar import Request
from litestar.di import Provide

from conflicts.live import LiveGraph


async def provide_live_graph(request: Request) -> LiveGraph:
    """The application's graph, with the changes of every process applied once for this request."""
    live: LiveGraph = request.app.state.live_graph
    return await live.sync()


LIVE = {"live": Provide(provide_live_graph)}
