"""``python -m bot.clock``: the one scheduler process (Procfile ``clock``).

APScheduler keeps its job in the same database (SQLAlchemyJobStore) with coalescing and a
misfire grace time, so a restart neither loses nor stacks runs. The job itself is idempotent:
every message it sends has a unique delivery key, so even two clocks running at once, or a
crash halfway through a run, never send anything twice.
"""
from __future__ import annotations

import asyncio
import logging
import signal
from datetime import datetime, timezone

from bot.line_client import LineClient
from bot.logs import configure_logging
from bot.settings import ConfigError, Settings, get_settings
from db.engine import Database

__all__ = ["main", "tick"]

log = logging.getLogger(__name__)
TICK_MINUTES = 5
_runtime: dict[str, object] = {}


async def tick(now: datetime | None = None) -> None:
    """One pass: queue scheduled notices and due reminders, deliver the queue once, settle."""
    from bot import notices, reminders

    db: Database = _runtime["db"]  # type: ignore[assignment]
    line: LineClient = _runtime["line"]  # type: ignore[assignment]
    settings: Settings = _runtime["settings"]  # type: ignore[assignment]
    now = now or datetime.now(timezone.utc)
    with db.session() as session:
        notices.dispatch_due(session, now)
    await reminders.run(db, line, settings, now)
    with db.session() as session:
        notices.settle(session)


def prepare(settings: Settings) -> Database:
    from db import calendar_repo
    from knowledge.calendar import load_calendar

    db = Database(settings.database_url)
    db.ready(dev_mode=settings.dev_mode)
    with db.session() as session:
        calendar_repo.seed_calendar(session=session, calendar=load_calendar())
    return db


async def serve(settings: Settings) -> None:
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    from knowledge.calendar import TAIPEI

    _runtime.update(settings=settings, db=prepare(settings), line=LineClient(settings))
    scheduler = AsyncIOScheduler(
        jobstores={"default": SQLAlchemyJobStore(url=settings.database_url)},
        job_defaults={"coalesce": True, "misfire_grace_time": 3600, "max_instances": 1},
        timezone=TAIPEI,
    )
    scheduler.add_job("bot.clock:tick", "interval", minutes=TICK_MINUTES, id="tick", replace_existing=True,
                      next_run_time=datetime.now(TAIPEI))
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
        await _runtime["line"].close()  # type: ignore[attr-defined]


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
    # Run through the importable module so the scheduler's "bot.clock:tick" sees the same runtime.
    from bot import clock

    raise SystemExit(clock.main())
