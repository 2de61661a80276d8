"""The delivery queue (the ``deliveries`` table): one row per message per recipient, sent once.

Rows are queued with a unique key (``notice:<id>:<user>``, ``reminder:<milestone>:<offset>:<user>``)
so queueing twice queues once; a sender claims up to 500 identical rows with a conditional
update, so two senders never share a row.
"""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.models import Delivery, utcnow

__all__ = ["BATCH", "Batch", "batch", "claim", "counts", "finish", "orphaned", "queue", "queue_many"]

BATCH = 500  # LINE's multicast limit


_COLUMNS = ("key", "kind", "ref", "line_user_id", "payload", "status", "attempts", "created_at")


def queue_many(*, session: Session, rows: list[dict[str, Any]], now: datetime | None = None) -> int:
    """Queue many deliveries at once (a notice to 100,000 people); existing keys are skipped.

    Each row: key, kind, ref, line_user_id, payload, and optionally status ("blocked"). Rows go
    straight to the driver — PostgreSQL's COPY into a scratch table then one INSERT … ON CONFLICT
    DO NOTHING, SQLite's executemany of INSERT … ON CONFLICT DO NOTHING — with each distinct
    payload serialised once: per-row ORM work made a 100,000-row notice take 8 s to queue.
    Returns how many rows were new.
    """
    if not rows:
        return 0
    connection = session.connection()
    created = now or utcnow()
    texts: dict[int, str] = {}

    def payload_text(payload: dict[str, Any]) -> str:
        key = id(payload)
        if key not in texts:
            texts[key] = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        return texts[key]

    values = [(r["key"], r["kind"], r["ref"], r["line_user_id"], payload_text(r["payload"]), r.get("status", "pending"))
              for r in rows]
    if connection.dialect.name == "postgresql":
        return _copy_in(connection, values, created)
    when = Delivery.__table__.c.created_at.type.dialect_impl(connection.dialect).bind_processor(connection.dialect)
    stamp = when(created) if when else created
    sql = (f"INSERT INTO deliveries ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))}) "
           "ON CONFLICT (key) DO NOTHING")
    result = connection.exec_driver_sql(sql, [(*v, 0, stamp) for v in values])
    return max(0, result.rowcount)


def _copy_in(connection: Connection, values: list[tuple[Any, ...]], created: datetime) -> int:
    """PostgreSQL: COPY the rows into a scratch table, then insert the new ones in one statement."""
    cursor = connection.connection.driver_connection.cursor()  # the session's own connection and transaction
    try:
        cursor.execute("CREATE TEMP TABLE deliveries_incoming (key varchar(200), kind varchar(12), ref varchar(80), "
                       "line_user_id varchar(64), payload json, status varchar(10)) ON COMMIT DROP")
        with cursor.copy("COPY deliveries_incoming (key, kind, ref, line_user_id, payload, status) FROM STDIN") as copy:
            for row in values:
                copy.write_row(row)
        cursor.execute(f"INSERT INTO deliveries ({', '.join(_COLUMNS)}) "
                       "SELECT key, kind, ref, line_user_id, payload, status, 0, %s FROM deliveries_incoming "
                       "ON CONFLICT (key) DO NOTHING", (created,))
        new = cursor.rowcount
        cursor.execute("DROP TABLE deliveries_incoming")
        return max(0, new)
    finally:
        cursor.close()


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


#: ix_deliveries_queue's own order: with status, kind and ref fixed it is id order, and the
#: planner reads the index instead of walking the rows already sent (PostgreSQL's statistics,
#: taken when every row was pending, would otherwise choose the primary key).
_QUEUE_ORDER = (Delivery.status, Delivery.kind, Delivery.ref, Delivery.id)


def _filters(kind: str | None, ref: str | None) -> list[Any]:
    conditions = []
    if kind:
        conditions.append(Delivery.kind == kind)
    if ref:
        conditions.append(Delivery.ref == ref)
    return conditions


@dataclass(frozen=True)
class Batch:
    """Rows claimed for one multicast: their retry key, recipients, most runs so far, and messages."""

    key: str
    recipients: list[str]
    runs: int
    payload: dict[str, Any]


def claim(*, session: Session, kind: str | None = None, ref: str | None = None, now: datetime | None = None) -> Batch | None:
    """Mark up to 500 pending rows of one kind and ref as ours; None when nothing is left.

    Rows of one kind and ref (one notice, one milestone × offset) carry the same messages, so a
    batch is one multicast. The rows are taken by one conditional UPDATE … RETURNING (on
    PostgreSQL skipping rows a concurrent sender has locked), so several senders at once never
    share a row.
    """
    first = session.execute(
        select(Delivery.kind, Delivery.ref, Delivery.payload).where(Delivery.status == "pending", *_filters(kind, ref))
        .order_by(*_QUEUE_ORDER).limit(1)
    ).first()
    if first is None:
        return None
    ids = (select(Delivery.id).where(Delivery.status == "pending", Delivery.kind == first.kind, Delivery.ref == first.ref)
           .order_by(*_QUEUE_ORDER).limit(BATCH))
    if session.get_bind().dialect.name == "postgresql":
        ids = ids.with_for_update(skip_locked=True)
    batch_key = str(uuid.uuid4())
    taken = session.execute(
        # No second «status = pending» here: the subquery is the claim (SQLite runs the statement
        # alone; PostgreSQL locks each row and re-checks it), and a second condition made SQLite
        # walk every pending row instead of looking up 500.
        update(Delivery).where(Delivery.id.in_(ids.scalar_subquery()))
        .values(status="sending", batch_key=batch_key, attempts=Delivery.attempts + 1, sent_at=now or utcnow())
        .returning(Delivery.line_user_id, Delivery.attempts)
        .execution_options(synchronize_session=False)
    ).all()
    if not taken:  # a rival sender took them between the two statements: look again
        return claim(session=session, kind=kind, ref=ref, now=now)
    return Batch(batch_key, [row.line_user_id for row in taken], max(row.attempts for row in taken), first.payload)


def orphaned(*, session: Session, cutoff: datetime, kind: str | None = None, ref: str | None = None) -> list[str]:
    """Batches left «sending» since before ``cutoff``: their sender died; resend with the same key."""
    keys = session.scalars(
        select(Delivery.batch_key).where(Delivery.status == "sending", Delivery.sent_at < cutoff, *_filters(kind, ref))
        .distinct()
    ).all()
    return [k for k in keys if k]


def batch(*, session: Session, batch_key: str) -> Batch | None:
    """A batch still being sent (left by a crashed sender); None if it is done."""
    rows = session.execute(
        select(Delivery.line_user_id, Delivery.attempts).where(Delivery.batch_key == batch_key, Delivery.status == "sending")
    ).all()
    if not rows:
        return None
    payload = session.scalars(select(Delivery.payload).where(Delivery.batch_key == batch_key).limit(1)).one()
    return Batch(batch_key, [r.line_user_id for r in rows], max(r.attempts for r in rows), payload)


def finish(*, session: Session, batch_key: str, status: str | None, error: str | None, now: datetime | None = None) -> None:
    """Record a batch's outcome: ``sent`` or ``failed``, or ``None`` to leave it for a later run.

    On PostgreSQL this commit does not wait for its WAL flush: if a crash loses it, the batch is
    still «sending», and the orphan run re-sends it with the same retry key, which LINE answers
    with 409 — counted as sent, never delivered twice. (The claim, which picks the retry key,
    always waits.)
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL synchronous_commit = off"))
    values: dict[str, Any] = {"error": (error or "")[:200] or None}
    if status == "sent":
        values.update(status="sent", sent_at=now or utcnow(), error=None)
    elif status == "failed":
        values.update(status="failed")
    session.execute(
        update(Delivery).where(Delivery.batch_key == batch_key, Delivery.status == "sending").values(**values)
        .execution_options(synchronize_session=False)
    )


def counts(*, session: Session) -> dict[str, int]:
    """Deliveries by status, over every kind (``/metrics``)."""
    rows = session.execute(select(Delivery.status, func.count()).group_by(Delivery.status)).all()
    return {str(status): int(count) for status, count in rows}
