"""The inbox, seen from the web process: keep events before acknowledging them, pick up the ones
a crashed process acknowledged but never handled."""
from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from db import inbox

if TYPE_CHECKING:
    from bot.services import Services

__all__ = ["ORPHAN_AFTER", "forget", "orphans", "store"]

ORPHAN_AFTER = 30.0  # seconds: an inbox row this old belongs to a process that died


def store(services: Services, raws: list[Any]) -> list[tuple[int, Any]]:
    with services.db.session() as session:
        return inbox.store(session=session, raws=raws)


def forget(services: Services, inbox_id: int) -> None:
    with services.db.session() as session:
        inbox.forget(session=session, inbox_id=inbox_id)


def orphans(services: Services) -> list[tuple[int, Any]]:
    """Events acknowledged over :data:`ORPHAN_AFTER` seconds ago and never handled."""
    cutoff = services.clock.now() - timedelta(seconds=ORPHAN_AFTER)
    with services.db.session() as session:
        return inbox.older_than(session=session, cutoff=cutoff)
