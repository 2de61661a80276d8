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
    def __init__(
        self,
        db: Database,
        line: LineClient,
        *,
        clock: Clock | None = None,
        attempts: int = 4,
        base_delay: float = 0.5,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.db = db
        self.line = line
        self.clock = clock or Clock()
        self.attempts = attempts
        self.base_delay = base_delay
        self.sleep = sleep

    async def run(self, *, kind: str | None = None, ref: str | None = None,
                  stale_after: timedelta = timedelta(minutes=10)) -> DeliveryReport:
        """Send everything pending (optionally of one kind/ref), plus batches orphaned by a crash."""
        report = DeliveryReport()
        with self.db.session() as session:
            orphans = deliveries.orphaned(session=session, cutoff=self.clock.now() - stale_after, kind=kind, ref=ref)
        for batch_key in orphans:
            await self._send_batch(batch_key, report)
        while True:
            with self.db.session() as session:
                batch_key = deliveries.claim(session=session, kind=kind, ref=ref, now=self.clock.now())
            if batch_key is None:
                return report
            await self._send_batch(batch_key, report)

    async def _send_batch(self, batch_key: str, report: DeliveryReport) -> None:
        with self.db.session() as session:
            found = deliveries.batch(session=session, batch_key=batch_key)
        if found is None:
            return
        to, runs, payload = found
        messages = payload_messages(payload)

        def count() -> None:
            report.calls += 1

        outcome, error = await with_retries(
            lambda: self.line.multicast(to, messages, retry_key=batch_key),
            attempts=self.attempts, base_delay=self.base_delay, sleep=self.sleep, on_try=count,
        )
        if outcome == "sent":
            status: str | None = "sent"
            report.sent += len(to)
        elif outcome == "failed" or runs >= MAX_RUNS:
            status = "failed"
            report.failed += len(to)
            report.errors.append(error or "")
            log.warning("multicast not delivered", extra={"outcome": outcome, "recipients": len(to)})
        else:  # unknown outcome: stays "sending" and is retried later with the same key
            status = None
            log.warning("multicast not delivered", extra={"outcome": outcome, "recipients": len(to)})
        with self.db.session() as session:
            deliveries.finish(session=session, batch_key=batch_key, status=status, error=error, now=self.clock.now())
