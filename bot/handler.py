"""The handler process: a web worker's events handled beside it, at their own pace.

A web worker only acknowledges: it reads and checks the webhook, appends the events to the inbox
(``inbox_writer.py``) and answers LINE 200. The work — answering, forms, replies — runs in this
separate process, one per web worker, so it never competes with acknowledgements for the
interpreter: when more arrives than can be handled, acknowledgements stay fast while the backlog
(the inbox) grows, and the backlog then drains in arrival order, one event at a time per chat.

The web worker passes each acknowledged batch down a pipe. Events are durable before that, so a
lost message (the process died, the pipe broke) costs only time: the recovery loop here — and in
every other handler process — leases inbox rows that nobody finished and handles them.
"""
from __future__ import annotations

import asyncio
import logging
import os
import queue
import threading
from multiprocessing import get_context
from multiprocessing.connection import Connection
from typing import Any

from bot.settings import Settings

__all__ = ["HandlerProcess", "main"]

log = logging.getLogger(__name__)

#: How long a starting handler process may spend settling a dead process's replies before it
#: says it is ready (a reply left unsettled is then settled by the recovery loop).
STARTUP_RECOVERY_SECONDS = 20.0


class HandlerProcess:
    """Owned by a web worker: starts its handler process and feeds it acknowledged events."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._outgoing: queue.SimpleQueue[list[tuple[int, Any]] | None] = queue.SimpleQueue()
        self._process = None
        self._conn: Connection | None = None
        self._ready = None
        self._feeder = threading.Thread(target=self._feed, name="handler-feeder", daemon=True)
        self._watcher = threading.Thread(target=self._watch, name="handler-watcher", daemon=True)
        self._starting = threading.Lock()
        self._stopping = threading.Event()

    def start(self) -> None:
        with self._starting:
            self._start()
        if not self._feeder.is_alive():
            self._feeder.start()
        if not self._watcher.is_alive():
            self._watcher.start()

    def _start(self) -> None:
        context = get_context("spawn")
        mine, theirs = context.Pipe()
        self._ready = context.Event()
        # Not a daemon: it builds knowledge in a process of its own. It leaves when the pipe closes.
        self._process = context.Process(target=main, args=(self.settings.model_dump(), theirs, self._ready),
                                        name="handler")
        self._process.start()
        theirs.close()
        self._conn = mine

    @property
    def ready(self) -> bool:
        """Started and able to handle (its assistant built); /readyz says so."""
        return bool(self._ready is not None and self._ready.is_set() and self._process and self._process.is_alive())

    def feed(self, stored: list[tuple[int, Any]]) -> None:
        """Hand over acknowledged events; never blocks the event loop (a thread does the sending)."""
        if stored:
            self._outgoing.put(stored)

    def _feed(self) -> None:
        while True:
            batch = self._outgoing.get()
            if batch is None:
                return
            try:
                assert self._conn is not None
                self._conn.send(batch)
            except (OSError, AssertionError, ValueError):
                # The handler is gone; recovery will lease these from the inbox, and the watcher
                # starts another.
                log.warning("handler process lost; events wait in the inbox")

    def _watch(self) -> None:
        """Start a new handler whenever the current one has died — at start-up too (the database
        busy or unreachable while it built its services), when nothing would be fed to notice.
        Until then /readyz says the worker is not ready. Waits grow to a minute between tries."""
        wait = 1.0
        while not self._stopping.wait(1.0):
            process = self._process
            if process is None or process.is_alive():
                if process is not None and self.ready:
                    wait = 1.0
                continue
            log.warning("handler process exited; starting another", extra={"exitcode": process.exitcode,
                                                                            "retry_in_s": wait})
            if self._stopping.wait(wait):
                return
            wait = min(60.0, wait * 2)
            try:
                with self._starting:
                    if not self._stopping.is_set():
                        self._start()
            except OSError:
                log.exception("could not start a handler process")

    def stop(self) -> None:
        self._stopping.set()
        self._outgoing.put(None)
        if self._conn is not None:
            self._conn.close()
        if self._process is not None:
            self._process.join(timeout=10)
            if self._process.is_alive():
                self._process.terminate()


def main(settings_data: dict[str, Any], conn: Connection, ready: Any = None) -> None:
    """The handler process's entry: build the services, then handle until the pipe closes."""
    from bot.logs import configure_logging

    settings = Settings(_env_file=None, **settings_data)
    configure_logging(settings.log_level)
    # Acknowledgements first: when there is more work than CPU, the scheduler gives the web
    # worker the core it needs for its few milliseconds, and the backlog waits instead.
    os.nice(max(0, settings.handler_nice))
    asyncio.run(_serve(settings, conn, ready))


async def _serve(settings: Settings, conn: Connection, ready: Any = None) -> None:
    import anyio

    from bot.line.client import LineClient
    from bot.outbox import replies as outbox
    from bot.services import Services
    from bot.webhook import dispatcher
    from bot.webhook import inbox as kept

    services = Services.build(settings)
    line = LineClient(settings)
    anyio.to_thread.current_default_thread_limiter().total_tokens = max(4, settings.handler_concurrency + 2)
    loop = asyncio.get_running_loop()
    work: asyncio.Queue[tuple[Any, ...] | None] = asyncio.Queue()
    held: set[int] = set()  # inbox ids given to us and not finished: their leases are kept fresh

    def receive() -> None:
        """Pipe → queue, until the web worker closes its end (it stopped, or died)."""
        while True:
            try:
                batch = conn.recv()
            except (EOFError, OSError):
                loop.call_soon_threadsafe(work.put_nowait, None)
                return
            for item in batch:
                loop.call_soon_threadsafe(accept, item)

    def accept(item: tuple[Any, ...]) -> None:
        held.add(item[0])
        work.put_nowait(item)

    threading.Thread(target=receive, name="handler-pipe", daemon=True).start()
    stop = asyncio.Event()

    async def consume() -> None:
        while not stop.is_set():
            item = await work.get()
            if item is None:
                stop.set()
                work.put_nowait(None)  # wake the other consumers
                return
            try:
                await dispatcher.process_stored([item], services, line)
            finally:
                held.discard(item[0])

    async def renew() -> None:
        """Behind a backlog, events wait here longer than a lease: renew them so that no other
        process's recovery takes them (which would answer a user's messages out of order)."""
        ids = sorted(held)
        if ids:
            await anyio.to_thread.run_sync(kept.renew, services, ids)

    async def recover() -> None:
        """Replies and events a dead process left: replies first (their tokens age), then events,
        leased only while this process has little queued and handled like its own (held, renewed,
        in order per chat) — a lease that ran out while an event waited here would let another
        process take it too."""
        await outbox.recover(services, line)
        if work.qsize() < 2 * settings.handler_concurrency:
            for item in await anyio.to_thread.run_sync(kept.orphans, services):
                accept(item)

    async def background() -> None:
        await asyncio.gather(_every(settings.recovery_seconds, recover),
                             _every(max(0.5, settings.orphan_after_seconds / 3), renew),
                             services.live.run(services) if services.live else asyncio.sleep(0))

    # Replies a dead process left half-sent are settled before anything else, while their reply
    # tokens can still tell whether they were delivered (past the token's life an answer must be
    # pushed, and might then arrive twice). /readyz waits for this — for a bounded time: were
    # LINE slow or unreachable, the rest is settled by the recovery loop once the process runs.
    try:
        with anyio.move_on_after(STARTUP_RECOVERY_SECONDS):
            await outbox.recover(services, line)
    except Exception:
        log.exception("reply recovery at start-up failed")
    consumers = [asyncio.create_task(consume()) for _ in range(settings.handler_concurrency)]
    if ready is not None:
        ready.set()
    helper = asyncio.create_task(background())
    log.info("handler started", extra={"concurrency": settings.handler_concurrency})
    await stop.wait()
    await asyncio.gather(*consumers, return_exceptions=True)
    helper.cancel()
    await line.close()
    services.db.dispose()


async def _every(seconds: float, job) -> None:  # type: ignore[no-untyped-def]
    while True:
        try:
            await job()
        except Exception:
            log.exception("handler background job failed")
        await asyncio.sleep(seconds)
