"""The inbox of acknowledged webhook events and the record of events already handled.

An event is stored here before LINE hears "200", and its id is claimed in the transaction that
handles it, so a crash loses nothing and a redelivery is never handled twice.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.models import InboxEvent, ProcessedEvent

__all__ = ["claim_event", "forget", "older_than", "store"]


def store(*, session: Session, raws: list[Any]) -> list[tuple[int, Any]]:
    """Keep each raw event; returns (inbox id, raw) pairs in order."""
    rows = [InboxEvent(event=raw if isinstance(raw, dict) else {"unparseable": repr(raw)[:200]}) for raw in raws]
    session.add_all(rows)
    session.flush()
    return [(row.id, raw) for row, raw in zip(rows, raws)]


def forget(*, session: Session, inbox_id: int) -> None:
    session.execute(delete(InboxEvent).where(InboxEvent.id == inbox_id))


def older_than(*, session: Session, cutoff: datetime) -> list[tuple[int, Any]]:
    """Events acknowledged before ``cutoff`` and never handled: their process died."""
    rows = session.scalars(select(InboxEvent).where(InboxEvent.received_at < cutoff).order_by(InboxEvent.id)).all()
    return [(row.id, row.event) for row in rows]


def claim_event(*, session: Session, webhook_event_id: str) -> bool:
    """True the first time an event id is seen; False for a redelivery.

    Must be the transaction's first write: a duplicate rolls the (still empty) transaction back.
    """
    session.add(ProcessedEvent(webhook_event_id=webhook_event_id))
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        return False
    return True
