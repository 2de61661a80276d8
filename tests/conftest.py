"""Shared fixtures: a real database, a real LINE API stand-in over HTTP, and the app.

The database is a fresh SQLite file per test, or — when ``DATABASE_URL`` is set (CI's
PostgreSQL run) — that database with its tables emptied between tests.
"""
from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

# This test run's own metrics (before bot.metrics is imported): counters seen by /metrics are
# this process's alone, whatever else runs on the machine. Servers the tests start get their own.
os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="assistant-test-metrics-")

import pytest
from fastapi.testclient import TestClient

from bot.app import create_app
from bot.dev.line_standin import LineStandin
from bot.dev.threaded import serve_in_thread
from bot.services import Services
from bot.settings import Settings
from db.models import Base
from tests.utils.chat import SECRET, Bot


@pytest.fixture(scope="session")
def standin() -> Iterator[LineStandin]:
    fake = LineStandin()
    with serve_in_thread(fake.app) as url:
        fake.url = url  # type: ignore[attr-defined]
        yield fake


@pytest.fixture(scope="session")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database at the migration head, made once: a template SQLite file, or CI's PostgreSQL."""
    from db.engine import Database

    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp_path_factory.mktemp('template') / 'template.db'}"
    db = Database(url)
    if not url.startswith("sqlite"):
        with db.engine.begin() as connection:
            Base.metadata.drop_all(connection)
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
            connection.exec_driver_sql("DROP TABLE IF EXISTS apscheduler_jobs")
    db.migrate()
    db.dispose()
    return url


@pytest.fixture
def database_url(migrated: str, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database per test: a copy of the template file, or emptied tables."""
    if migrated.startswith("sqlite"):
        import shutil

        copy = tmp_path / "test.db"
        shutil.copy(migrated.split("///", 1)[1], copy)
        yield f"sqlite:///{copy}"
        return
    from sqlalchemy import create_engine

    engine = create_engine(migrated)
    with engine.begin() as connection:
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        connection.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    engine.dispose()
    yield migrated


@pytest.fixture
def settings(standin: LineStandin, database_url: str) -> Settings:
    standin.clear()
    return Settings(
        _env_file=None,
        dev_mode=False,
        line_channel_secret=SECRET,
        line_channel_access_token="test-access-token",
        admin_token="test-admin-token",
        line_api_base_url=standin.url,  # type: ignore[attr-defined]
        database_url=database_url,
        rate_limit_per_minute=100_000,  # tests click faster than people; the flood test sets its own
        knowledge_poll_seconds=3600,  # tests refresh the knowledge themselves (tests/utils/staff.py)
        handler_processes=0,  # events handled in the app itself, so a test sees the reply when its post returns
    )


@pytest.fixture
def bot(settings: Settings, standin: LineStandin) -> Iterator[Bot]:
    services = Services.build(settings)
    app = create_app(settings, services=services)
    with TestClient(app) as client:
        yield Bot(client, standin, services)
    services.db.dispose()
