"""Broadcast and reminder scale: a notice to 10k/100k recipients, a reminder run for 10k subscribers,
and the clock process's memory at rest and while sending.

Queueing and sending run in this process against a LINE stand-in served from a thread of it, so
the figures include the stand-in's own work (it parses every multicast body).
"""
from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert

from bench.procs import ROOT, Sampler, env_for, migrate, rss_mb
from bot.dev.line_standin import LineStandin
from bot.dev.threaded import serve_in_thread
from bot.line.client import LineClient
from bot.outbox import reminders
from bot.outbox.delivery import Deliverer
from bot.settings import Settings
from db import notices
from db.calendar import seed_calendar
from db.engine import Database
from db.models import Notice, Subscription, User
from knowledge.calendar import load_calendar
from knowledge.labels import TAIPEI


@dataclass
class ScaleResult:
    what: str
    database: str
    recipients: int
    latency_ms: int
    queue_s: float
    send_s: float
    calls: int
    delivered: int
    peak_rss_mb: float  # this process's, stand-in included


def _fresh_db(directory: str, pg: str | None = None) -> tuple[Database, str]:
    """An empty database at head: a SQLite file, or — with ``pg`` — that PostgreSQL database wiped."""
    url = pg or f"sqlite:///{Path(directory) / 'bench.db'}"
    db = Database(url)
    if pg:
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP SCHEMA public CASCADE")
            connection.exec_driver_sql("CREATE SCHEMA public")
    db.migrate()
    return db, url


def _users(db: Database, n: int, *, subscribe: bool = False) -> None:
    ids = [f"U{i:032d}" for i in range(n)]
    with db.session() as session:
        for start in range(0, n, 5000):
            chunk = ids[start:start + 5000]
            session.execute(insert(User), [{"line_user_id": u} for u in chunk])
            if subscribe:
                session.execute(insert(Subscription), [{"line_user_id": u, "program": "digital_cluster", "class_": "A",
                                                        "role": "leader"} for u in chunk])


def _measure(what: str, n: int, latency_ms: int, setup, plan, pg: str | None = None) -> ScaleResult:  # type: ignore[no-untyped-def]
    """Time ``plan`` (queueing) and the delivery run that follows, against a fresh stand-in and DB."""
    standin = LineStandin(latency=latency_ms / 1000)
    with tempfile.TemporaryDirectory() as tmp, serve_in_thread(standin.app) as line_url:
        db, url = _fresh_db(tmp, pg)
        setup(db)
        settings = Settings(_env_file=None, database_url=url, line_api_base_url=line_url,
                            line_channel_access_token="bench", line_channel_secret="bench", admin_token="bench")
        sampler = Sampler(os.getpid(), every=0.05)
        start = time.perf_counter()
        with db.session() as session:
            plan(session, settings)
        queued = time.perf_counter()

        async def send() -> int:
            line = LineClient(settings)
            try:
                return (await Deliverer(db, line, concurrency=settings.multicast_concurrency).run()).calls
            finally:
                await line.close()

        calls = asyncio.run(send())
        done = time.perf_counter()
        peak = sampler.stop()
        delivered = sum(len(c.body["to"]) for c in standin.calls_to("/message/multicast"))
        db.dispose()
    return ScaleResult(what, "PostgreSQL" if pg else "SQLite", n, latency_ms, queued - start, done - queued, calls,
                       delivered, peak)


def notice(n: int, latency_ms: int, pg: str | None = None) -> ScaleResult:
    return _measure(
        "notice", n, latency_ms, lambda db: _users(db, n),
        lambda session, _settings: notices.create(session=session, text="說明會提醒：3/1 14:00 線上說明會", audience="all",
                                                  actor="bench"), pg,
    )


def reminder_run(n: int) -> ScaleResult:
    def setup(db: Database) -> None:
        with db.session() as session:
            seed_calendar(session=session, calendar=load_calendar())
        _users(db, n, subscribe=True)

    at = datetime(2023, 2, 21, 9, 0, tzinfo=TAIPEI)  # 09:00 on the day 14 days before the A類 deadline
    return _measure("reminder run", n, 0, setup, lambda session, settings: reminders.plan(session, at, settings))


def clock_memory(n: int) -> tuple[float, float, float]:
    """Clock process RSS (MB): at rest, and peak while sending a notice to ``n`` people; seconds taken."""
    standin = LineStandin()
    with tempfile.TemporaryDirectory() as tmp, serve_in_thread(standin.app) as line_url:
        url = f"sqlite:///{Path(tmp) / 'clock.db'}"
        env = env_for(url, line_url)
        migrate(env)
        proc = subprocess.Popen([sys.executable, "-m", "bot.clock"], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            time.sleep(4)
            rest = rss_mb(proc.pid)[0]
        finally:
            proc.terminate()
            proc.wait(timeout=10)
        db = Database(url)
        _users(db, n)
        with db.session() as session:
            session.add(Notice(text="說明會提醒", audience={"all": True}, created_by="bench", recipients=n,
                               status="scheduled", send_at=datetime.now(UTC)))
        db.dispose()
        proc = subprocess.Popen([sys.executable, "-m", "bot.clock"], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        sampler = Sampler(proc.pid, every=0.05)
        start = time.time()
        try:
            while sum(len(c.body["to"]) for c in standin.calls_to("/message/multicast")) < n and time.time() - start < 120:
                time.sleep(0.1)
            took = time.time() - start
        finally:
            peak = sampler.stop()
            proc.terminate()
            proc.wait(timeout=10)
    return rest, peak, took
