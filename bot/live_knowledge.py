"""Keeping every worker's assistant in step with what staff publish — without a deploy or restart.

Each web worker checks the published knowledge version every ``interval`` seconds (a one-row
query). When it changed, the new assistant (the shipped knowledge with the staff changes laid
over it, its indexes built) is made in a separate process, so the worker keeps answering at full
speed meanwhile, and swapped in with one assignment: a message is answered wholly by the old
assistant or wholly by the new one. The builds fork from a multiprocessing fork server that
preloads :mod:`bot.knowledge_builder` (libraries and the shipped knowledge, started with the
worker), so a build takes two or three seconds and publishing reaches every worker in the
interval plus that.
"""
from __future__ import annotations

import asyncio
import logging
import pickle
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import lru_cache
from multiprocessing import get_context
from typing import TYPE_CHECKING, Any, Protocol

import anyio

from db import knowledge as staff_knowledge
from knowledge.assistant import Assistant
from knowledge.editing import apply
from knowledge.loader import default_knowledge

if TYPE_CHECKING:
    from db.engine import Database

__all__ = ["Holder", "LiveKnowledge", "build", "default_assistant", "warm_builder"]

log = logging.getLogger(__name__)


class Holder(Protocol):
    """What holds the assistant that answers (the services of a worker)."""

    assistant: Assistant


@lru_cache(maxsize=1)
def default_assistant() -> Assistant:
    """The assistant over the shipped knowledge; its index is built once per process."""
    return Assistant(default_knowledge())


def build(overlay: dict[str, Any], out_of_scope: list[str]) -> Assistant:
    """The assistant over the shipped knowledge with these staff changes."""
    return Assistant(apply(default_knowledge(), overlay, out_of_scope=out_of_scope))


def _context():  # type: ignore[no-untyped-def]
    """The fork server builds run in (spawn where there is no fork server)."""
    try:
        context = get_context("forkserver")
    except ValueError:
        return get_context("spawn")
    context.set_forkserver_preload(["bot.knowledge_builder"])
    return context


def _build_in_process(overlay: dict[str, Any], scope: list[str]) -> Assistant:
    """Build in the fork server's child (all of it in a worker thread: forking, waiting for the
    server, unpickling — the event loop never waits on any of it)."""
    from bot.knowledge_builder import build_pickled

    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=_context()) as pool:
            data = pool.submit(build_pickled, overlay, scope).result()
        return pickle.loads(data)
    except (OSError, RuntimeError, BrokenProcessPool) as exc:  # no subprocesses here: build in this thread
        log.warning("knowledge built in-process", extra={"error": type(exc).__name__})
        return build(overlay, scope)


def warm_builder() -> None:
    """Start the fork server now, so the first publish does not wait for it."""
    context = _context()
    if context.get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()


class LiveKnowledge:
    def __init__(self, db: Database, *, interval: float = 2.0, isolated: bool = True) -> None:
        self.db = db
        self.interval = interval
        self.version = -1
        #: Build in a separate process (answers stay fast meanwhile); tests may build in a thread.
        self.isolated = isolated

    def read(self) -> tuple[int, dict[str, Any], list[str]]:
        with self.db.session() as session:
            return (staff_knowledge.version(session=session), staff_knowledge.live(session=session),
                    staff_knowledge.out_of_scope(session=session))

    def initial(self) -> Assistant:
        """At start-up: the shipped assistant, or one with the published changes (built here)."""
        version, overlay, scope = self.read()
        self.version = version
        if not overlay and not scope:
            return default_assistant()
        return build(overlay, scope)

    async def refresh(self, services: Holder) -> bool:
        """Swap in the newest published knowledge if it changed; True when it did."""
        version, overlay, scope = await anyio.to_thread.run_sync(self.read)
        if version == self.version:
            return False
        if not getattr(services, "assistant_built", True):
            self.version = -1  # not built yet: it will be built from the newest knowledge when first used
            return False
        assistant = await self._build_elsewhere(overlay, scope)
        current = services.assistant
        services.assistant = assistant.using(milestones=current.milestones, clock=current.clock)
        self.version = version
        log.info("knowledge updated", extra={"version": version})
        return True

    async def _build_elsewhere(self, overlay: dict[str, Any], scope: list[str]) -> Assistant:
        if not self.isolated:
            return await anyio.to_thread.run_sync(build, overlay, scope)
        return await anyio.to_thread.run_sync(_build_in_process, overlay, scope)

    async def run(self, services: Holder) -> None:
        if self.isolated:
            try:
                await anyio.to_thread.run_sync(warm_builder)
            except Exception as exc:
                log.warning("knowledge builder not started", extra={"error": type(exc).__name__})
        while True:
            try:
                await self.refresh(services)
            except Exception:
                log.exception("knowledge refresh failed")
            await asyncio.sleep(self.interval)
