"""The inbox of acknowledged webhook events, the record of events already handled, and the
dead letters of events that could not be handled.

An event is stored here before LINE hears "200" and leased by the process that stored it; its id
is claimed in the transaction that handles it, so a crash loses nothing and a redelivery is never
handled twice. The inbox row itself is removed after that commit: if a crash comes in between,
the row is leased again and found already claimed.

On SQLite the inbox is a file of its own beside the database (:func:`open_spool`): SQLite has
one writer at a time per file, and acknowledgements must never queue behind the handling
transactions. On PostgreSQL it is a table like any other. A row whose lease is old belongs to a dead process (or failed): it is leased again
and retried, and after too many attempts moved to the dead letters — with the error's type, never
the message. Keyword-only arguments throughout.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.engine import Database
from db.models import DeadLetter, InboxEvent, ProcessedEvent, utcnow

__all__ = ["Leased", "backlog", "bury", "claim_event", "dead_letter_count", "dead_letters", "erase_user", "failed",
           "forget", "open_spool", "orphans", "renew", "spool_url", "store"]

Leased = tuple[int, Any, int]  # (inbox id, raw event, attempts so far including this one)


def spool_url(database_url: str) -> str:
    """Where the inbox lives: beside a SQLite database file (``x.db`` → ``x-inbox.db``), else the same database."""
    prefix, sep, path = database_url.partition(":///")
    if not prefix.startswith("sqlite") or not sep or not path or path == ":memory:":
        return database_url
    stem, dot, ext = path.rpartition(".")
    return f"{prefix}:///{stem}-inbox.{ext}" if dot and "/" not in ext else f"{prefix}:///{path}-inbox"


def open_spool(db: Database) -> Database:
    """The inbox's database for ``db``: ``db`` itself, or (SQLite) its own file, made if missing."""
    url = spool_url(db.url)
    if url == db.url:
        return db
    spool = Database(url)
    InboxEvent.__table__.create(spool.engine, checkfirst=True)
    return spool


def _user_of(raw: Any) -> str | None:
    source = raw.get("source") if isinstance(raw, dict) else None
    user = source.get("userId") if isinstance(source, dict) else None
    return str(user)[:64] if user else None


def store(*, session: Session, raws: list[Any], now: datetime | None = None) -> list[tuple[int, Any]]:
    """Keep each raw event, leased to the caller; returns (inbox id, raw) pairs in order.

    One multi-row INSERT … RETURNING, however many events (several webhooks' worth, when the
    acknowledgements share a commit): the acknowledgement path's only write.
    """
    if not raws:
        return []
    now = now or utcnow()
    rows = [{"event": raw if isinstance(raw, dict) else {"unparseable": repr(raw)[:200]},
             "line_user_id": _user_of(raw), "received_at": now, "leased_at": now, "attempts": 1} for raw in raws]
    ids = session.scalars(insert(InboxEvent).returning(InboxEvent.id, sort_by_parameter_order=True), rows).all()
    return list(zip(ids, raws))


def backlog(*, session: Session) -> tuple[int, datetime | None]:
    """(events waiting, when the oldest arrived): how far handling is behind."""
    count, oldest = session.execute(select(func.count(), func.min(InboxEvent.received_at))).one()
    return int(count or 0), oldest


def forget(*, session: Session, inbox_id: int) -> None:
    """Drop a handled event's row. On PostgreSQL without waiting for the WAL flush: a crash that
    loses this leaves a row whose claim is already committed, so it is skipped, never redone."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL synchronous_commit = off"))
    session.execute(delete(InboxEvent).where(InboxEvent.id == inbox_id))


def renew(*, session: Session, inbox_ids: list[int], now: datetime | None = None) -> None:
    """Keep the leases of events this process holds (queued behind a backlog): nobody else takes them."""
    for start in range(0, len(inbox_ids), 500):
        session.execute(update(InboxEvent).where(InboxEvent.id.in_(inbox_ids[start:start + 500]))
                        .values(leased_at=now or utcnow()).execution_options(synchronize_session=False))


def erase_user(*, session: Session, line_user_id: str) -> None:
    """刪除我的資料: events still waiting hold the user's id and words."""
    session.execute(delete(InboxEvent).where(InboxEvent.line_user_id == line_user_id))


#: A lease that follows a crash rather than an error counts as this fraction of a failed attempt:
#: an event that happened to be in flight through several restarts is not a poison event, but
#: one that crashes its process every time is still buried in the end.
CRASH_LEASES_PER_ATTEMPT = 10


def orphans(*, session: Session, before: datetime, now: datetime | None = None, limit: int = 200) -> list[Leased]:
    """Lease events whose lease is older than ``before`` (their process died, or handling failed).

    Each is leased with a conditional update, so two workers recovering at once never share one.
    The attempts returned count failed handlings (``failed`` noted an error) in full and leases
    after a crash at 1/``CRASH_LEASES_PER_ATTEMPT`` each, for the dead-letter rule.
    """
    now = now or utcnow()
    rows = session.execute(select(InboxEvent.id, InboxEvent.attempts, InboxEvent.last_error)
                           .where(InboxEvent.leased_at < before).order_by(InboxEvent.id).limit(limit)).all()
    leased: list[Leased] = []
    for inbox_id, attempts, error in rows:
        taken = session.execute(
            update(InboxEvent).where(InboxEvent.id == inbox_id, InboxEvent.attempts == attempts)
            .values(leased_at=now, attempts=attempts + 1).execution_options(synchronize_session=False)
        ).rowcount
        if taken:
            event = session.scalar(select(InboxEvent.event).where(InboxEvent.id == inbox_id))
            counted = attempts + 1 if error else 1 + (attempts + 1) // CRASH_LEASES_PER_ATTEMPT
            leased.append((inbox_id, event, counted))
    return leased


def failed(*, session: Session, inbox_id: int, error: str) -> None:
    """Handling raised: note the error's type (retried when the lease runs out)."""
    session.execute(update(InboxEvent).where(InboxEvent.id == inbox_id).values(last_error=error[:80]))


def bury(*, session: Session, spool: Session, inbox_id: int, now: datetime | None = None) -> DeadLetter | None:
    """Record an event that keeps failing in the dead letters (``session``) and drop it from the
    inbox (``spool``, committed after ``session``). None if it is gone, or was buried already by
    a process that died before dropping it."""
    row = spool.get(InboxEvent, inbox_id)
    if row is None:
        return None
    spool.delete(row)
    raw = row.event if isinstance(row.event, dict) else {}
    event_id = str(raw.get("webhookEventId") or "")[:64] or None
    if event_id and session.scalar(select(DeadLetter.id).where(DeadLetter.webhook_event_id == event_id)) is not None:
        return None
    letter = DeadLetter(webhook_event_id=event_id, line_user_id=row.line_user_id, event_type=str(raw.get("type") or "unknown")[:20],
                        error=row.last_error or "unknown", attempts=row.attempts, received_at=row.received_at,
                        failed_at=now or utcnow())
    session.add(letter)
    session.flush()
    return letter


def dead_letters(*, session: Session, limit: int = 200) -> list[DeadLetter]:
    return list(session.scalars(select(DeadLetter).order_by(DeadLetter.failed_at.desc()).limit(limit)))


def dead_letter_count(*, session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(DeadLetter)) or 0)


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
