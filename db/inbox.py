"""The inbox of acknowledged webhook events, the record of events already handled, and the
dead letters of events that could not be handled.

An event is stored here before LINE hears "200" and leased by the process that stored it; its id
is claimed in the transaction that handles it, so a crash loses nothing and a redelivery is never
handled twice. A row whose lease is old belongs to a dead process (or failed): it is leased again
and retried, and after too many attempts moved to the dead letters — with the error's type, never
the message. Keyword-only arguments throughout.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.models import DeadLetter, InboxEvent, ProcessedEvent, utcnow

__all__ = ["Leased", "bury", "claim_event", "dead_letters", "failed", "forget", "orphans", "store"]

Leased = tuple[int, Any, int]  # (inbox id, raw event, attempts so far including this one)


def _user_of(raw: Any) -> str | None:
    source = raw.get("source") if isinstance(raw, dict) else None
    user = source.get("userId") if isinstance(source, dict) else None
    return str(user)[:64] if user else None


def store(*, session: Session, raws: list[Any], now: datetime | None = None) -> list[tuple[int, Any]]:
    """Keep each raw event, leased to the caller; returns (inbox id, raw) pairs in order."""
    now = now or utcnow()
    rows = [InboxEvent(event=raw if isinstance(raw, dict) else {"unparseable": repr(raw)[:200]},
                       line_user_id=_user_of(raw), received_at=now, leased_at=now, attempts=1) for raw in raws]
    session.add_all(rows)
    session.flush()
    return [(row.id, raw) for row, raw in zip(rows, raws)]


def forget(*, session: Session, inbox_id: int) -> None:
    session.execute(delete(InboxEvent).where(InboxEvent.id == inbox_id))


def orphans(*, session: Session, before: datetime, now: datetime | None = None, limit: int = 200) -> list[Leased]:
    """Lease events whose lease is older than ``before`` (their process died, or handling failed).

    Each is leased with a conditional update, so two workers recovering at once never share one.
    """
    now = now or utcnow()
    rows = session.execute(select(InboxEvent.id, InboxEvent.attempts).where(InboxEvent.leased_at < before)
                           .order_by(InboxEvent.id).limit(limit)).all()
    leased: list[Leased] = []
    for inbox_id, attempts in rows:
        taken = session.execute(
            update(InboxEvent).where(InboxEvent.id == inbox_id, InboxEvent.attempts == attempts)
            .values(leased_at=now, attempts=attempts + 1).execution_options(synchronize_session=False)
        ).rowcount
        if taken:
            event = session.scalar(select(InboxEvent.event).where(InboxEvent.id == inbox_id))
            leased.append((inbox_id, event, attempts + 1))
    return leased


def failed(*, session: Session, inbox_id: int, error: str) -> None:
    """Handling raised: note the error's type (retried when the lease runs out)."""
    session.execute(update(InboxEvent).where(InboxEvent.id == inbox_id).values(last_error=error[:80]))


def bury(*, session: Session, inbox_id: int, now: datetime | None = None) -> DeadLetter | None:
    """Move an event that keeps failing to the dead letters; None if it is gone already."""
    row = session.get(InboxEvent, inbox_id)
    if row is None:
        return None
    raw = row.event if isinstance(row.event, dict) else {}
    letter = DeadLetter(webhook_event_id=str(raw.get("webhookEventId") or "")[:64] or None,
                        line_user_id=row.line_user_id, event_type=str(raw.get("type") or "unknown")[:20],
                        error=row.last_error or "unknown", attempts=row.attempts, received_at=row.received_at,
                        failed_at=now or utcnow())
    session.add(letter)
    session.delete(row)
    session.flush()
    return letter


def dead_letters(*, session: Session, limit: int = 200) -> list[DeadLetter]:
    return list(session.scalars(select(DeadLetter).order_by(DeadLetter.failed_at.desc()).limit(limit)))


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
