"""The long-lived objects of one process, built once in the app's lifespan: the composition root.

Handlers reach the database, the assistant, the clock and the staff list through this object,
so tests can build a second instance on the same database to simulate a restart, and set the
time on its clock.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from linebot.v3.webhook import SignatureValidator

from bot.live_knowledge import LiveKnowledge, default_assistant
from bot.ratelimit import RateLimiter
from bot.settings import Settings
from db import inbox
from db.engine import Database
from handlers.registry import build_router
from handlers.router import Router
from knowledge.assistant import Assistant
from knowledge.calendar import Dated
from knowledge.clock import Clock
from knowledge.loader import KnowledgeBase

__all__ = ["CalendarSource", "Services", "default_assistant"]


@dataclass
class Services:
    settings: Settings
    db: Database
    make_assistant: Callable[[], Assistant]
    clock: Clock = field(default_factory=Clock)
    router: Router = field(default_factory=build_router)
    rate_limiter: RateLimiter = field(default_factory=RateLimiter)
    live: LiveKnowledge | None = None  # keeps ``assistant`` in step with what staff publish
    #: Where acknowledged events wait (``db/inbox.py``): ``db``, or on SQLite a file of its own.
    inbox_db: Database = None  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.inbox_db is None:
            self.inbox_db = inbox.open_spool(self.db)
        self.rate_limiter.limit = self.settings.rate_limit_per_minute
        self.signature = SignatureValidator(self.settings.line_channel_secret)
        self._assistant: Assistant | None = None
        self._assistant_lock = threading.Lock()

    @property
    def assistant(self) -> Assistant:
        """Built on first use: a web worker whose events a handler process answers (``bot/handler.py``)
        needs it only for the console's try-it box, and then saves the memory until then."""
        if self._assistant is None:
            with self._assistant_lock:
                if self._assistant is None:
                    self._assistant = self.make_assistant()
        return self._assistant

    @assistant.setter
    def assistant(self, value: Assistant) -> None:
        self._assistant = value

    @property
    def assistant_built(self) -> bool:
        return self._assistant is not None

    @property
    def kb(self) -> KnowledgeBase:
        return self.assistant.kb

    @property
    def staff_ids(self) -> frozenset[str]:
        return frozenset(self.settings.staff_ids)

    @classmethod
    def build(cls, settings: Settings, *, kb: KnowledgeBase | None = None, clock: Clock | None = None,
              lazy: bool = False) -> Services:
        """``lazy``: build the assistant on first use instead of now."""
        db = Database(settings.database_url)
        db.ready(dev_mode=settings.dev_mode)
        _seed_calendar(db)
        clock = clock or Clock()
        live = LiveKnowledge(db, interval=settings.knowledge_poll_seconds)
        calendar = CalendarSource(db)

        def make() -> Assistant:
            return (Assistant(kb) if kb is not None else live.initial()).using(milestones=calendar, clock=clock.now)

        services = cls(settings=settings, db=db, make_assistant=make, clock=clock, live=live if kb is None else None)
        if not lazy:
            services.assistant  # noqa: B018 — built now, before the first message
        return services


class CalendarSource:
    """The program calendar as staff keep it in the database, read at most every few seconds.

    Answers state dates from here, so a date staff change in the console is the date every
    answer gives — within ``ttl`` seconds, in every worker.
    """

    def __init__(self, db: Database, *, ttl: float = 5.0) -> None:
        self.db = db
        self.ttl = ttl
        self._rows: list[Dated] = []
        self._read_at = float("-inf")
        self._lock = threading.Lock()

    def __call__(self) -> list[Dated]:
        now = time.monotonic()
        if now - self._read_at > self.ttl:
            with self._lock:
                if now - self._read_at > self.ttl:
                    from db import calendar

                    with self.db.session() as session:
                        self._rows = list(calendar.milestones(session=session))
                    self._read_at = now
        return self._rows


def _seed_calendar(db: Database) -> None:
    from db import calendar
    from knowledge.calendar import load_calendar

    with db.session() as session:
        calendar.seed_calendar(session=session, calendar=load_calendar())
