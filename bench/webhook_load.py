"""Webhook load: acknowledgement latency, handling throughput and webhook→reply latency.

The app runs under uvicorn with the Procfile's two workers (each with its handler process); the
generator (``loadgen.py``) sends signed webhooks at a fixed rate from a process of its own; this
process hosts the LINE stand-in, which timestamps each reply as it arrives. The ceiling — a
minimal signature-checking app (``ceiling.py``) — is driven by the same generator.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from bench import loadgen
from bench.procs import (
    SECRET,
    children,
    cmdline,
    descendants,
    env_for,
    migrate,
    rss_mb,
    start_web,
    status_of,
    stop,
)
from bot.dev.line_standin import LineStandin
from bot.dev.threaded import free_port, serve_in_thread
from bot.webhook.dispatcher import retry_key_for

__all__ = ["LoadResult", "ceiling", "run"]


@dataclass
class LoadResult:
    database: str
    rate: float
    seconds: float
    sent: int = 0
    acked: int = 0
    replied: int = 0
    ack_ms: list[float] = field(default_factory=list)
    reply_ms: list[float] = field(default_factory=list)
    rss_rest_mb: float = 0.0
    rss_peak_mb: float = 0.0
    handler_rss_peak_mb: float = 0.0
    achieved_rate: float = 0.0  # acknowledged per second while sending
    processed_rate: float = 0.0  # replies per second, from the first request to the last reply
    drain_s: float = 0.0  # from the last request sent to the last reply
    lost: int = 0  # acknowledged, never answered (within the wait)


class _Memory:
    """Polls the web workers' and handler processes' RSS while the load runs."""

    def __init__(self, pid: int) -> None:
        import threading

        self.pid, self.web, self.handler = pid, 0.0, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.web = max(self.web, rss_mb(self.pid)[0])
                for child in handler_processes(self.pid):
                    self.handler = max(self.handler, _rss(child))
            except OSError:
                return
            time.sleep(0.1)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def handler_processes(server: int) -> list[int]:
    """The handler processes of a uvicorn server: its workers' spawned children (not the fork
    server that builds knowledge)."""
    return [grandchild for worker in children(server) for grandchild in descendants(worker)
            if "spawn_main" in cmdline(grandchild) and "forkserver" not in cmdline(grandchild)]


def _rss(pid: int) -> float:
    try:
        return status_of(pid).get("VmRSS", 0.0)
    except OSError:
        return 0.0


def run(database_url: str, *, label: str, rate: float, seconds: float, workers: int = 2,
        drain_timeout: float = 120.0) -> LoadResult:
    """``workers`` as in the Procfile's default (WEB_CONCURRENCY=2); RSS is per process."""
    result = LoadResult(label, rate, seconds)
    standin = LineStandin()
    with serve_in_thread(standin.app) as line_url:
        env = env_for(database_url, line_url)
        migrate(env)
        port = free_port()
        proc = start_web(env, port, workers)
        try:
            time.sleep(1.0)
            result.rss_rest_mb = rss_mb(proc.pid)[0]
            memory = _Memory(proc.pid)
            sent = loadgen.drive(port, rate=rate, seconds=seconds, secret=SECRET)
            finished = max((s.at for s in sent), default=time.time())  # the last request
            started = min((s.at for s in sent), default=finished)  # the first request (not the generator's start-up)
            acked = [s for s in sent if s.ack_ms is not None]
            result.sent, result.acked = len(sent), len(acked)
            result.ack_ms = [s.ack_ms for s in acked]  # type: ignore[misc]
            result.achieved_rate = result.acked / max(1e-9, finished - started)
            deadline = time.time() + drain_timeout
            # An answer goes as a reply, or — decided late, behind a backlog — as a push with the
            # event's retry key (bot/webhook/dispatcher.py); either counts, found by token or key.
            sent_at = {s.token: s.at for s in acked}
            token_of = {retry_key_for(s.event_id): s.token for s in acked}

            def answered() -> list[tuple[str, float]]:
                found = [(c.body.get("replyToken"), c.at) for c in standin.replies() if c.body.get("replyToken") in sent_at]
                found += [(token_of[c.headers.get("x-line-retry-key", "")], c.at) for c in standin.calls_to("/message/push")
                          if c.headers.get("x-line-retry-key", "") in token_of]
                return found

            while len(answered()) < result.acked and time.time() < deadline:
                time.sleep(0.2)
            memory.stop()
            answers = answered()
            result.reply_ms = [(at - sent_at[token]) * 1000 for token, at in answers]
            result.replied = len({token for token, _ in answers})
            result.lost = result.acked - result.replied
            last = max((at for _, at in answers), default=finished)
            result.processed_rate = result.replied / max(1e-9, last - started)
            result.drain_s = max(0.0, last - finished)
            result.rss_peak_mb = max(memory.web, rss_mb(proc.pid)[0])
            result.handler_rss_peak_mb = memory.handler
        finally:
            stop(proc)
    return result


def ceiling(rate: float, seconds: float, workers: int = 2) -> LoadResult:
    """The minimal signature-checking app under the same generator and uvicorn settings."""
    result = LoadResult("ceiling", rate, seconds)
    env = env_for("sqlite://", "http://127.0.0.1:9")
    port = free_port()
    proc = start_web(env, port, workers, app="bench.ceiling:app")
    try:
        sent = loadgen.drive(port, rate=rate, seconds=seconds, secret=SECRET)
        finished = max((s.at for s in sent), default=time.time())
        started = min((s.at for s in sent), default=finished)
        acked = [s for s in sent if s.ack_ms is not None]
        result.sent, result.acked = len(sent), len(acked)
        result.ack_ms = [s.ack_ms for s in acked]  # type: ignore[misc]
        result.achieved_rate = result.acked / max(1e-9, finished - started)
        result.rss_peak_mb = rss_mb(proc.pid)[0]
    finally:
        stop(proc)
    return result
