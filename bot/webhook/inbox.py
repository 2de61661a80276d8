"""The inbox, seen from the web process: keep events before acknowledging them, pick up the ones
a crashed process acknowledged but never handled."""
from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import anyio

from db import inbox

if TYPE_CHECKING:
    from bot.line.client import LineClient
    from bot.services import Services

__all__ = ["ORPHAN_AFTER", "forget", "recover", "store"]

log = logging.getLogger(__name__)

ORPHAN_AFTER = 30.0  # seconds: an inbox row this old belongs to a process that died


def store(services: "Services", raws: list[Any]) -> list[tuple[int, Any]]:
    with services.db.session() as session:
        return inbox.store(session=session, raws=raws)


def forget(services: "Services", inbox_id: int) -> None:
    with services.db.session() as session:
        inbox.forget(session=session, inbox_id=inbox_id)


async def recover(services: "Services", line: "LineClient") -> int:
    """Handle events that were acknowledged but never handled (the process died in between)."""
    from bot.webhook.dispatcher import process_stored

    def load() -> list[tuple[int, Any]]:
        cutoff = services.clock.now() - timedelta(seconds=ORPHAN_AFTER)
        with services.db.session() as session:
            return inbox.older_than(session=session, cutoff=cutoff)

    stored = await anyio.to_thread.run_sync(load)
    if stored:
        log.warning("handling events left over from a crash", extra={"count": len(stored)})
        await process_stored(stored, services, line)
    return len(stored)
