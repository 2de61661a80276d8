"""``python -m bot.clock``: the one scheduler process (Procfile ``clock``).

Every few minutes it queues scheduled notices and due reminders, delivers the queue once, and
settles finished notices. APScheduler runs that tick with coalescing and one instance at a time.
Its job store is deliberately the in-memory one: everything a tick needs to know — which
reminders are due, which were already sent — is in the database (reminders have a grace window
and every delivery a unique key), so a restart neither loses nor repeats anything, and there is
no job state worth persisting.
"""
from __future__ import annotations

import asyncio
import logging
import signal
from dataclasses import dataclass, field

from bot.line.client import LineClient
from bot.logs import configure_logging
from bot.settings import ConfigError, Settings, get_settings
from db.engine import Database
from knowledge.clock import Clock

__all__ = ["TICK_MINUTES", "Ticker", "main", "prepare"]

log = logging.getLogger(__name__)
TICK_MINUTES = 5


@dataclass
class Ticker:
    """What one tick needs; tests build one on their database and set its clock."""

    db: Database
    line: LineClient
    settings: Settings
    clock: Clock = field(default_factory=Clock)

    async def tick(self) -> None:
        """One pass: queue scheduled notices and due reminders, deliver the queue once, settle."""
        from bot.outbox import notices, reminders

        with self.db.session() as session:
            notices.dispatch_due(session, self.clock.now())
        await reminders.run(self.db, self.line, self.settings, self.clock)
        from bot.outbox import handoffs

        await handoffs.expire(self.db, self.line, self.clock)
        with self.db.session() as session:
            notices.settle(session)


def prepare(settings: Settings) -> Database:
    from db import calendar
    from knowledge.calendar import load_calendar

    db = Database(settings.database_url)
    db.ready(dev_mode=settings.dev_mode)
    with db.session() as session:
        calendar.seed_calendar(session=session, calendar=load_calendar())
    return db


async def serve(settings: Settings) -> None:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    from knowledge.labels import TAIPEI

    ticker = Ticker(prepare(settings), LineClient(settings), settings)
    scheduler = AsyncIOScheduler(job_defaults={"coalesce": True, "misfire_grace_time": 3600, "max_instances": 1},
                                 timezone=TAIPEI)
    scheduler.add_job(ticker.tick, "interval", minutes=TICK_MINUTES, id="tick", next_run_time=ticker.clock.now())
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    scheduler.start()
    log.info("clock started", extra={"every_minutes": TICK_MINUTES})
    try:
        await stop.wait()
    finally:
        scheduler.shutdown(wait=False)
        await ticker.line.close()


def main() -> int:
    settings = get_settings()
    configure_logging(settings.log_level)
    from db.migrate import SchemaOutOfDate

    try:
        settings.check_production()
        asyncio.run(serve(settings))
    except (ConfigError, SchemaOutOfDate) as exc:
        print(f"error: {exc}")
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
