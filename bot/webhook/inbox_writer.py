"""The acknowledgement path's writer: one thread and its own connection, shared commits.

Every webhook request hands its events to this writer and waits for their inbox ids; the writer
takes everything that has arrived meanwhile and writes it in one transaction (group commit), so
a burst of 200 requests costs a handful of commits, not 200. It has its own connection pool,
which handling never uses, so a backlog of work can never make an acknowledgement wait for a
connection.
"""
from __future__ import annotations

import asyncio
import logging
import queue
import threading
from typing import Any

from db import inbox
from db.engine import Database
from knowledge.clock import Clock

__all__ = ["InboxWriter"]

log = logging.getLogger(__name__)

_BATCH = 500  # events per commit at most


class InboxWriter:
    def __init__(self, url: str, clock: Clock) -> None:
        self.db = Database(url, pool_size=1)
        self.clock = clock
        self._queue: queue.SimpleQueue[tuple[list[Any], asyncio.Future[list[tuple[int, Any]]], asyncio.AbstractEventLoop] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="inbox-writer", daemon=True)
        self._thread.start()

    async def store(self, raws: list[Any]) -> list[tuple[int, Any]]:
        """Keep these events durably; returns (inbox id, raw) pairs once committed."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[list[tuple[int, Any]]] = loop.create_future()
        self._queue.put((raws, future, loop))
        return await future

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=5)
        self.db.dispose()

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            count = len(first[0])
            while count < _BATCH:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self._queue.put(None)
                    break
                batch.append(item)
                count += len(item[0])
            self._commit(batch)

    def _commit(self, batch: list[tuple[list[Any], asyncio.Future[list[tuple[int, Any]]], asyncio.AbstractEventLoop]]) -> None:
        try:
            with self.db.session() as session:
                stored = inbox.store(session=session, raws=[raw for raws, _, _ in batch for raw in raws],
                                     now=self.clock.now())
        except Exception as exc:
            log.exception("inbox write failed")
            for _, future, loop in batch:
                loop.call_soon_threadsafe(_fail, future, exc)
            return
        start = 0
        for raws, future, loop in batch:
            loop.call_soon_threadsafe(_done, future, stored[start:start + len(raws)])
            start += len(raws)


def _done(future: asyncio.Future[Any], value: Any) -> None:
    if not future.done():
        future.set_result(value)


def _fail(future: asyncio.Future[Any], exc: BaseException) -> None:
    if not future.done():
        future.set_exception(exc)
