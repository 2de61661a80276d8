"""The long-lived objects of one process, built once in the app's lifespan.

Handlers reach the database, the assistant and the settings through this object, so tests can
build a second instance on the same database to simulate a restart.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from linebot.v3.webhook import SignatureValidator

from bot.ratelimit import RateLimiter
from bot.settings import Settings
from db.engine import Database
from handlers.answering import Assistant
from handlers.registry import build_router
from handlers.router import Router
from knowledge.loader import KnowledgeBase, default_knowledge

__all__ = ["Services"]


@dataclass
class Services:
    settings: Settings
    db: Database
    kb: KnowledgeBase
    assistant: Assistant
    router: Router = field(default_factory=build_router)
    rate_limiter: RateLimiter = field(default_factory=RateLimiter)

    def __post_init__(self) -> None:
        self.rate_limiter.limit = self.settings.rate_limit_per_minute
        self.signature = SignatureValidator(self.settings.line_channel_secret)

    @classmethod
    def build(cls, settings: Settings, *, kb: KnowledgeBase | None = None) -> "Services":
        db = Database(settings.database_url)
        db.ready(dev_mode=settings.dev_mode)
        _seed_calendar(db)
        assistant = Assistant(kb) if kb is not None else default_assistant()
        return cls(settings=settings, db=db, kb=assistant.kb, assistant=assistant)


@lru_cache(maxsize=1)
def default_assistant() -> Assistant:
    """The assistant over the shipped knowledge base; its index is built once per process."""
    return Assistant(default_knowledge())


def _seed_calendar(db: Database) -> None:
    from db import calendar_repo
    from knowledge.calendar import load_calendar

    with db.session() as session:
        calendar_repo.seed_calendar(session=session, calendar=load_calendar())
