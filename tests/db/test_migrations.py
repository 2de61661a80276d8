"""Migrations build exactly the schema the models describe, and the app refuses an old schema."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

from db.migrate import SchemaOutOfDate, check, head
from db.models import Base

ROOT = Path(__file__).resolve().parents[2]


def test_migrations_match_the_models(database_url: str) -> None:
    engine = create_engine(database_url)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert diff == []


def test_an_empty_database_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        check(engine)
    except SchemaOutOfDate as exc:
        assert "alembic upgrade head" in str(exc) and head() in str(exc)
    else:
        raise AssertionError("an empty database passed the schema check")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LINE_", "DEV_MODE", "ADMIN_TOKEN"))}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'empty.db'}", LINE_CHANNEL_SECRET="s" * 32,
               LINE_CHANNEL_ACCESS_TOKEN="t" * 40, ADMIN_TOKEN="a" * 32)
    result = subprocess.run([sys.executable, "-m", "bot", "serve", "--production"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "alembic upgrade head" in result.stderr and "Traceback" not in result.stderr
