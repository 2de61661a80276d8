"""The delivery queue (the ``deliveries`` table): one row per message per recipient, sent once.

Rows are queued with a unique key (``notice:<id>:<user>``, ``reminder:<milestone>:<offset>:<user>``)
so queueing twice queues once; a sender claims up to 500 identical rows with a conditional
update, so two senders never share a row.
"""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import and_, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.models import Delivery, utcnow

__all__ = ["BATCH", "batch", "claim", "finish", "orphaned", "queue", "queue_many"]

BATCH = 500  # LINE's multicast limit


def queue_many(*, session: Session, rows: list[dict[str, Any]]) -> int:
    """Queue many deliveries at once (a notice to 100,000 people); existing keys are skipped.

    Each row: key, kind, ref, line_user_id, payload, and optionally status ("blocked").
    """
    new = 0
    for start in range(0, len(rows), 1000):
        chunk = rows[start:start + 1000]
        existing = set(session.scalars(select(Delivery.key).where(Delivery.key.in_([r["key"] for r in chunk]))))
        fresh = [{"status": "pending", **r} for r in chunk if r["key"] not in existing]
        if not fresh:
            continue
        try:
            with session.begin_nested():
                session.execute(insert(Delivery), fresh)
            new += len(fresh)
        except IntegrityError:  # another sender queued some of them meanwhile: go one by one
            for row in fresh:
                new += queue(session=session, **{k: v for k, v in row.items() if k != "status"},
                             blocked=row["status"] == "blocked")
    return new


def queue(*, session: Session, key: str, kind: str, ref: str, line_user_id: str, payload: dict[str, Any],
          blocked: bool = False) -> bool:
    """Queue one delivery unless its key exists; True when it was new."""
    if session.scalars(select(Delivery.id).where(Delivery.key == key)).first() is not None:
        return False
    row = Delivery(key=key, kind=kind, ref=ref, line_user_id=line_user_id, payload=payload,
                   status="blocked" if blocked else "pending")
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return False
    return True


def _filters(kind: str | None, ref: str | None) -> list[Any]:
    conditions = []
    if kind:
        conditions.append(Delivery.kind == kind)
    if ref:
        conditions.append(Delivery.ref == ref)
    return conditions


def claim(*, session: Session, kind: str | None = None, ref: str | None = None, now: datetime | None = None) -> str | None:
    """Mark up to 500 pending rows of one kind and ref as ours; None when nothing is left.

    Rows of one kind and ref (one notice, one milestone × offset) carry the same messages, so a
    batch is one multicast. The conditional update means a rival's claim wins or loses whole
    rows, never shares them.
    """
    first = session.execute(
        select(Delivery.kind, Delivery.ref).where(Delivery.status == "pending", *_filters(kind, ref))
        .order_by(Delivery.id).limit(1)
    ).first()
    if first is None:
        return None
    ids = session.scalars(
        select(Delivery.id).where(Delivery.status == "pending", Delivery.kind == first.kind, Delivery.ref == first.ref)
        .order_by(Delivery.id).limit(BATCH)
    ).all()
    batch_key = str(uuid.uuid4())
    session.execute(
        update(Delivery).where(and_(Delivery.id.in_(ids), Delivery.status == "pending"))
        .values(status="sending", batch_key=batch_key, attempts=Delivery.attempts + 1, sent_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )
    return batch_key


def orphaned(*, session: Session, cutoff: datetime, kind: str | None = None, ref: str | None = None) -> list[str]:
    """Batches left «sending» since before ``cutoff``: their sender died; resend with the same key."""
    keys = session.scalars(
        select(Delivery.batch_key).where(Delivery.status == "sending", Delivery.sent_at < cutoff, *_filters(kind, ref))
        .distinct()
    ).all()
    return [k for k in keys if k]


def batch(*, session: Session, batch_key: str) -> tuple[list[str], int, dict[str, Any]] | None:
    """(recipients, most runs so far, payload) of a batch still being sent; None if it is done."""
    rows = session.execute(
        select(Delivery.line_user_id, Delivery.attempts).where(Delivery.batch_key == batch_key, Delivery.status == "sending")
    ).all()
    if not rows:
        return None
    payload = session.scalars(select(Delivery.payload).where(Delivery.batch_key == batch_key).limit(1)).one()
    return [r.line_user_id for r in rows], max(r.attempts for r in rows), payload


def finish(*, session: Session, batch_key: str, status: str | None, error: str | None, now: datetime | None = None) -> None:
    """Record a batch's outcome: ``sent`` or ``failed``, or ``None`` to leave it for a later run."""
    values: dict[str, Any] = {"error": (error or "")[:200] or None}
    if status == "sent":
        values.update(status="sent", sent_at=now or utcnow(), error=None)
    elif status == "failed":
        values.update(status="failed")
    session.execute(
        update(Delivery).where(Delivery.batch_key == batch_key, Delivery.status == "sending").values(**values)
        .execution_options(synchronize_session=False)
    )
