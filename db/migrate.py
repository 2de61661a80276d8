"""Schema migrations (Alembic) from code: upgrade, and the start-up check.

Production runs ``alembic upgrade head`` as the Procfile's release step; the app and the clock
refuse to start on an out-of-date schema rather than fail on the first query.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from knowledge.errors import AssistantError

__all__ = ["SchemaOutOfDate", "check", "config", "head", "upgrade"]

ROOT = Path(__file__).resolve().parent.parent


class SchemaOutOfDate(AssistantError, RuntimeError):
    """The database is not at the code's migration head; the message says what to run."""


def config(url: str) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "db" / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


@lru_cache(maxsize=1)
def head() -> str:
    return ScriptDirectory.from_config(config("sqlite://")).get_current_head() or ""


def current(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> None:
    cfg = config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")


def check(engine: Engine) -> None:
    found, wanted = current(engine), head()
    if found != wanted:
        raise SchemaOutOfDate(
            f"Database schema is at {found or 'an empty database'}, the code needs {wanted}: "
            "run `alembic upgrade head` (the Procfile's release step) before starting."
        )
