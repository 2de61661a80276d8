"""Sending queued deliveries (reminders, notices) exactly once, in multicast batches.

The queue is the ``deliveries`` table (``db/deliveries.py``). A run claims pending rows with a
conditional update (so two clocks never claim the same row), sends each group of identical
messages as one multicast of at most 500 users with the batch's ``X-Line-Retry-Key``, and
records the outcome per row. A batch left in ``sending`` by a crash is re-sent later with the
same retry key: LINE answers 409 for a request it already accepted, which counts as delivered —
so nothing is sent twice.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta

import anyio

from bot import metrics
from bot.line.client import LineClient
from bot.line.render import payload_messages
from bot.outbox.retry import with_retries
from db import deliveries
from db.engine import Database
from knowledge.clock import Clock

__all__ = ["Deliverer", "DeliveryReport"]

log = logging.getLogger(__name__)

MAX_RUNS = 5  # a batch still failing after this many runs is given up and marked failed


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    calls: int = 0
    errors: list[str] = field(default_factory=list)


class Deliverer:
    """Sends what is queued: several multicasts in flight (``concurrency``), each claimed whole.

    The LINE client holds the per-second budget for multicast (LINE's documented rate limit), so
    however many senders run in this process, the channel is never pushed past it. Database work
    runs in threads: a 100,000-recipient notice sent from the web process never stalls its
    event loop.
    """

    def __init__(
        self,
        db: Database,
        line: LineClient,
        *,
        clock: Clock | None = None,
        attempts: int = 4,
        base_delay: float = 0.5,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        concurrency: int = 8,
    ) -> None:
        self.db = db
        self.line = line
        self.clock = clock or Clock()
        self.attempts = attempts
        self.base_delay = base_delay
        self.sleep = sleep
        self.concurrency = max(1, concurrency)

    async def run(self, *, kind: str | None = None, ref: str | None = None,
                  stale_after: timedelta = timedelta(minutes=10)) -> DeliveryReport:
        """Send everything pending (optionally of one kind/ref), plus batches orphaned by a crash."""
        report = DeliveryReport()

        def orphans() -> list[deliveries.Batch]:
            with self.db.session() as session:
                keys = deliveries.orphaned(session=session, cutoff=self.clock.now() - stale_after, kind=kind, ref=ref)
                found = [deliveries.batch(session=session, batch_key=key) for key in keys]
            return [b for b in found if b is not None]

        def claim() -> deliveries.Batch | None:
            with self.db.session() as session:
                return deliveries.claim(session=session, kind=kind, ref=ref, now=self.clock.now())

        async def sender(first: list[deliveries.Batch]) -> None:
            while first:
                await self._send_batch(first.pop(), report)
            while (batch := await anyio.to_thread.run_sync(claim)) is not None:
                await self._send_batch(batch, report)

        left = await anyio.to_thread.run_sync(orphans)
        await asyncio.gather(*(sender(left if n == 0 else []) for n in range(self.concurrency)))
        return report

    async def _send_batch(self, batch: deliveries.Batch, report: DeliveryReport) -> None:
        messages = payload_messages(batch.payload)

        def count() -> None:
            report.calls += 1

        outcome, error = await with_retries(
            lambda: self.line.multicast(batch.recipients, messages, retry_key=batch.key),
            attempts=self.attempts, base_delay=self.base_delay, sleep=self.sleep, on_try=count,
        )
        if outcome == "sent":
            status: str | None = "sent"
            report.sent += len(batch.recipients)
            metrics.DELIVERIES.labels("sent").inc(len(batch.recipients))
        elif outcome == "failed" or batch.runs >= MAX_RUNS:
            status = "failed"
            report.failed += len(batch.recipients)
            report.errors.append(error or "")
            metrics.DELIVERIES.labels("failed").inc(len(batch.recipients))
            log.warning("multicast not delivered", extra={"outcome": outcome, "recipients": len(batch.recipients)})
        else:  # unknown outcome: stays "sending" and is retried later with the same key
            status = None
            metrics.DELIVERIES.labels("retried").inc(len(batch.recipients))
            log.warning("multicast not delivered", extra={"outcome": outcome, "recipients": len(batch.recipients)})

        def finish() -> None:
            with self.db.session() as session:
                deliveries.finish(session=session, batch_key=batch.key, status=status, error=error, now=self.clock.now())

        await anyio.to_thread.run_sync(finish)
