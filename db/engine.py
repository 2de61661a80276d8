"""Engine and session factory, one per process.

SQLite (the local default) gets WAL mode and a busy timeout so the web process and the clock
can share the file; PostgreSQL needs nothing special. Error messages never carry the statement's
parameters (``hide_parameters``): they hold people's messages, ids and answers.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

__all__ = ["DEFAULT_URL", "Database"]

#: The embedded default: a SQLite file beside the code, so a fresh checkout runs with no setup.
DEFAULT_URL = f"sqlite:///{Path(__file__).resolve().parent.parent / 'data' / 'assistant.db'}"


class Database:
    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        if url.startswith("sqlite"):
            path = url.split("///", 1)[-1]
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            self.engine: Engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                                                hide_parameters=True)
            event.listen(self.engine, "connect", _sqlite_pragmas)
        else:
            self.engine = create_engine(url, pool_pre_ping=True, pool_size=pool_size, max_overflow=pool_size,
                                        hide_parameters=True)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def migrate(self) -> None:
        """Bring the schema to the code's head (dev mode, tests, the release step)."""
        from db.migrate import upgrade

        upgrade(self.engine)

    def ready(self, *, dev_mode: bool) -> None:
        """Dev mode migrates by itself; production only checks (migrating is the release step)."""
        if dev_mode:
            self.migrate()
        else:
            self.check_schema()

    def check_schema(self) -> None:
        """Raise :class:`db.migrate.SchemaOutOfDate` unless the schema is at head."""
        from db.migrate import check

        check(self.engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed when the block ends, rolled back on any exception."""
        with self._sessions() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def dispose(self) -> None:
        self.engine.dispose()


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: safe across process crashes, no fsync per commit
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
