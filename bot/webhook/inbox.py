"""The inbox, seen from the web process: keep events before acknowledging them, lease the ones a
crashed (or failing) process left behind, and bury those that keep failing. Everything here uses
``services.inbox_db``, which on SQLite is a file of its own (``db/inbox.py``)."""
from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from db import inbox

if TYPE_CHECKING:
    from bot.services import Services

__all__ = ["erase_user", "failed", "forget", "orphans", "renew", "store"]


def store(services: Services, raws: list[Any]) -> list[tuple[int, Any]]:
    with services.inbox_db.session() as session:
        return inbox.store(session=session, raws=raws, now=services.clock.now())


def forget(services: Services, inbox_id: int) -> None:
    with services.inbox_db.session() as session:
        inbox.forget(session=session, inbox_id=inbox_id)


def orphans(services: Services) -> list[inbox.Leased]:
    """Events whose lease ran out (their process died, or handling failed), leased to us now."""
    now = services.clock.now()
    cutoff = now - timedelta(seconds=services.settings.orphan_after_seconds)
    with services.inbox_db.session() as session:
        return inbox.orphans(session=session, before=cutoff, now=now)


def failed(services: Services, inbox_id: int, error: str) -> None:
    with services.inbox_db.session() as session:
        inbox.failed(session=session, inbox_id=inbox_id, error=error)



def renew(services: Services, inbox_ids: list[int]) -> None:
    with services.inbox_db.session() as session:
        inbox.renew(session=session, inbox_ids=inbox_ids, now=services.clock.now())


def erase_user(services: Services, line_user_id: str) -> None:
    with services.inbox_db.session() as session:
        inbox.erase_user(session=session, line_user_id=line_user_id)
