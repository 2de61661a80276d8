"""Sending queued deliveries (reminders, notices) exactly once, in multicast batches.

The queue is the ``deliveries`` table. A run claims pending rows with a conditional update (so
two clocks never claim the same row), sends each group of identical messages as one multicast of
at most 500 users with the batch's ``X-Line-Retry-Key``, and records the outcome per row. A
batch left in ``sending`` by a crash is re-sent later with the same retry key: LINE answers 409
for a request it already accepted, which counts as delivered — so nothing is sent twice.
"""
from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta

from linebot.v3.messaging import Message
from sqlalchemy import and_, select, update

from bot.line_client import LineClient
from bot.retry import with_retries
from db.engine import Database
from db.models import Delivery, utcnow

__all__ = ["BATCH", "DeliveryReport", "Deliverer", "message_payload", "queue", "queue_many"]

log = logging.getLogger(__name__)

BATCH = 500  # LINE's multicast limit
MAX_RUNS = 5  # a batch still failing after this many runs is given up and marked failed


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    calls: int = 0
    errors: list[str] = field(default_factory=list)


class Deliverer:
    def __init__(
        self,
        db: Database,
        line: LineClient,
        *,
        attempts: int = 4,
        base_delay: float = 0.5,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.db = db
        self.line = line
        self.attempts = attempts
        self.base_delay = base_delay
        self.sleep = sleep

    async def run(self, *, kind: str | None = None, ref: str | None = None, stale_after: timedelta = timedelta(minutes=10)) -> DeliveryReport:
        """Send everything pending (optionally of one kind/ref), plus batches orphaned by a crash."""
        report = DeliveryReport()
        for batch_key in self._orphaned(kind=kind, ref=ref, older_than=stale_after):
            await self._send_batch(batch_key, report)
        while True:
            batch_key = self._claim(kind=kind, ref=ref)
            if batch_key is None:
                return report
            await self._send_batch(batch_key, report)

    # -- claiming ------------------------------------------------------------------------------

    def _filters(self, kind: str | None, ref: str | None) -> list:  # type: ignore[type-arg]
        conditions = []
        if kind:
            conditions.append(Delivery.kind == kind)
        if ref:
            conditions.append(Delivery.ref == ref)
        return conditions

    def _claim(self, *, kind: str | None, ref: str | None) -> str | None:
        """Mark up to 500 pending rows of one kind and ref as ours; None when nothing is left.

        Rows of one kind and ref (one notice, one milestone × offset) carry the same messages,
        so a batch is one multicast. The conditional update means a rival clock's claim wins or
        loses whole rows, never shares them.
        """
        with self.db.session() as session:
            first = session.execute(
                select(Delivery.kind, Delivery.ref).where(Delivery.status == "pending", *self._filters(kind, ref))
                .order_by(Delivery.id).limit(1)
            ).first()
            if first is None:
                return None
            ids = session.scalars(
                select(Delivery.id)
                .where(Delivery.status == "pending", Delivery.kind == first.kind, Delivery.ref == first.ref)
                .order_by(Delivery.id)
                .limit(BATCH)
            ).all()
            batch_key = str(uuid.uuid4())
            session.execute(
                update(Delivery)
                .where(and_(Delivery.id.in_(ids), Delivery.status == "pending"))
                .values(status="sending", batch_key=batch_key, attempts=Delivery.attempts + 1, sent_at=utcnow())
                .execution_options(synchronize_session=False)
            )
        return batch_key

    def _orphaned(self, *, kind: str | None, ref: str | None, older_than: timedelta) -> list[str]:
        cutoff = utcnow() - older_than
        with self.db.session() as session:
            keys = session.scalars(
                select(Delivery.batch_key)
                .where(Delivery.status == "sending", Delivery.sent_at < cutoff, *self._filters(kind, ref))
                .distinct()
            ).all()
        return [k for k in keys if k]

    # -- sending -------------------------------------------------------------------------------

    async def _send_batch(self, batch_key: str, report: DeliveryReport) -> None:
        with self.db.session() as session:
            rows = session.execute(
                select(Delivery.line_user_id, Delivery.attempts)
                .where(Delivery.batch_key == batch_key, Delivery.status == "sending")
            ).all()
            if not rows:
                return
            payload = session.scalars(select(Delivery.payload).where(Delivery.batch_key == batch_key).limit(1)).one()
        to = [r.line_user_id for r in rows]
        runs = max(r.attempts for r in rows)
        messages = [Message.from_dict(m) for m in payload.get("messages", [])]
        outcome, error = await self._multicast(to, messages, batch_key, report)
        with self.db.session() as session:
            if outcome == "sent":
                values = {"status": "sent", "sent_at": utcnow(), "error": None}
                report.sent += len(to)
            elif outcome == "failed" or runs >= MAX_RUNS:
                values = {"status": "failed", "error": (error or "")[:200]}
                report.failed += len(to)
                report.errors.append(error or "")
            else:  # unknown outcome: stays "sending" and is retried later with the same key
                values = {"error": (error or "")[:200]}
            session.execute(
                update(Delivery).where(Delivery.batch_key == batch_key, Delivery.status == "sending").values(**values)
                .execution_options(synchronize_session=False)
            )

    async def _multicast(self, to: list[str], messages: list[Message], key: str, report: DeliveryReport) -> tuple[str, str | None]:
        """``sent``, ``failed`` (permanent) or ``unknown`` (give up for now, retry later)."""

        def count() -> None:
            report.calls += 1

        outcome, error = await with_retries(
            lambda: self.line.multicast(to, messages, retry_key=key),
            attempts=self.attempts, base_delay=self.base_delay, sleep=self.sleep, on_try=count,
        )
        if outcome != "sent":
            log.warning("multicast not delivered", extra={"outcome": outcome, "recipients": len(to)})
        return outcome, error


def message_payload(messages: list[Message]) -> dict:
    """How a delivery stores its messages (LINE's JSON), so the queue survives restarts."""
    return {"messages": [m.to_dict() for m in messages]}


def queue_many(session, rows: list[dict]) -> int:  # type: ignore[no-untyped-def]
    """Queue many deliveries at once (a notice to 100,000 people); existing keys are skipped.

    Each row: key, kind, ref, line_user_id, payload, and optionally status ("blocked").
    """
    from sqlalchemy import insert
    from sqlalchemy.exc import IntegrityError

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
        except IntegrityError:  # another clock queued some of them meanwhile: go one by one
            for row in fresh:
                new += queue(session, **{k: v for k, v in row.items() if k != "status"}, blocked=row["status"] == "blocked")
    return new


def queue(session, *, key: str, kind: str, ref: str, line_user_id: str, payload: dict, blocked: bool = False) -> bool:  # type: ignore[no-untyped-def]
    """Queue one delivery unless its key exists; True when it was new."""
    from sqlalchemy.exc import IntegrityError

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
