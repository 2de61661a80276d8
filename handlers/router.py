"""A small router: (filter, callback) pairs tried in order; the first match handles the event."""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from handlers.context import Ctx
from handlers.filters import Filter

__all__ = ["Handler", "Route", "Router"]

log = logging.getLogger(__name__)

#: A handler reads the context and queues replies with ``ctx.reply``; one line of docstring says
#: what it is for.
Handler = Callable[[Ctx], None]


@dataclass(frozen=True)
class Route:
    filter: Filter
    callback: Handler

    @property
    def name(self) -> str:
        return getattr(self.callback, "__name__", repr(self.callback))


class Router:
    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(self, filter_: Filter, callback: Handler) -> None:
        self.routes.append(Route(filter_, callback))

    def dispatch(self, ctx: Ctx) -> Route | None:
        """Run the first matching handler; unknown events match nothing and are ignored."""
        for route in self.routes:
            if route.filter(ctx):
                route.callback(ctx)
                return route
        log.debug("no handler for %s", ctx.event.kind)
        return None
