"""Prometheus metrics, summed over every process of one deployment.

A deployment is several processes: uvicorn's web workers, a handler process beside each, and
possibly the clock. A scrape reaches one web worker, so counters and histograms are kept in
prometheus-client's multiprocess mode: each process writes its values to memory-mapped files in
one directory, and ``/metrics`` sums them. The directory is ``PROMETHEUS_MULTIPROC_DIR`` when
the operator sets it (wipe it when the deployment restarts); otherwise one per process group
under the system temp directory, so a restart starts from zero and two deployments on one
machine never mix.

Figures that only the database knows for sure — the inbox backlog and its age, dead letters,
deliveries by status — are read from it at scrape time (:class:`DatabaseCollector`), so they are
right whichever process did the work, even a clock on another machine.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any


def _directory() -> str:
    """The shared directory; must be set before prometheus_client is imported."""
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not path:
        base = Path(tempfile.gettempdir()) / f"assistant-metrics-{os.getuid()}"
        group = os.getpgid(0)
        path = str(base / f"{group}-{_started(group)}")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = path  # inherited by the handler processes
        _sweep(base, keep=Path(path).name)
    Path(path).mkdir(parents=True, exist_ok=True)
    return path


def _started(pid: int) -> str:
    """When ``pid`` started (clock ticks since boot): a reused process id gets a new directory."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return "0"


def _sweep(base: Path, *, keep: str) -> None:
    """Remove the directories of process groups that are gone (earlier runs on this machine)."""
    if not base.is_dir():
        return
    for child in base.iterdir():
        group, _, started = child.name.partition("-")
        if child.name != keep and group.isdigit() and _started(int(group)) != started:
            shutil.rmtree(child, ignore_errors=True)


DIRECTORY = _directory()

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

__all__ = ["ACK_SECONDS", "DELIVERIES", "EVENTS_HANDLED", "EVENTS_RECEIVED", "HANDLING_SECONDS", "LINE_API_CALLS",
           "LINE_API_SECONDS", "WEBHOOK_REQUESTS", "DatabaseCollector", "exposition", "timed_line_call"]

_FAST = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)

WEBHOOK_REQUESTS = Counter("assistant_webhook_requests", "Webhook requests by outcome: acked, or why refused",
                           ["outcome"])
EVENTS_RECEIVED = Counter("assistant_events_received", "Events kept in the inbox and acknowledged")
ACK_SECONDS = Histogram("assistant_ack_seconds", "From the webhook request arriving to its 200", buckets=_FAST)
EVENTS_HANDLED = Counter("assistant_events_handled", "Events finished, by outcome: handled, failed (to be retried), "
                         "dead_lettered, duplicate, skipped", ["outcome"])
HANDLING_SECONDS = Histogram("assistant_handling_seconds", "Handling one event: deciding, storing and replying",
                             buckets=_FAST)
DELIVERIES = Counter("assistant_deliveries", "Queued messages (notices, reminders) by outcome: sent, failed, "
                     "and retried calls", ["outcome"])
LINE_API_SECONDS = Histogram("assistant_line_api_seconds", "LINE API call latency", ["endpoint"], buckets=_FAST)
LINE_API_CALLS = Counter("assistant_line_api_calls", "LINE API calls by endpoint and HTTP status (0: no answer)",
                         ["endpoint", "status"])


@contextlib.contextmanager
def timed_line_call(endpoint: str, status_of: Callable[[BaseException], int]) -> Iterator[None]:
    """Time one LINE API call and count its status."""
    with LINE_API_SECONDS.labels(endpoint).time():
        try:
            yield
        except BaseException as exc:
            LINE_API_CALLS.labels(endpoint, str(status_of(exc))).inc()
            raise
    LINE_API_CALLS.labels(endpoint, "200").inc()


class DatabaseCollector(Collector):
    """Gauges read from the database when scraped: ``read()`` returns the current figures."""

    def __init__(self, read: Callable[[], dict[str, Any]]) -> None:
        self.read = read

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            figures = self.read()
        except Exception:  # noqa: BLE001 — the database is down: say so, and still serve the counters
            yield GaugeMetricFamily("assistant_database_up", "Whether the database answered this scrape", value=0)
            return
        yield GaugeMetricFamily("assistant_database_up", "Whether the database answered this scrape", value=1)
        yield GaugeMetricFamily("assistant_inbox_backlog", "Acknowledged events not yet handled",
                                value=figures["backlog"])
        yield GaugeMetricFamily("assistant_inbox_oldest_age_seconds", "Age of the oldest unhandled event (0: none)",
                                value=figures["oldest_age_seconds"])
        yield GaugeMetricFamily("assistant_dead_letters", "Events given up on, kept for staff",
                                value=figures["dead_letters"])
        by_status = GaugeMetricFamily("assistant_delivery_rows", "Queued deliveries by status", labels=["status"])
        for status, count in sorted(figures["deliveries"].items()):
            by_status.add_metric([status], count)
        yield by_status


def exposition(database: Collector | None = None) -> bytes:
    """The Prometheus text format: every process's counters and histograms, and the database's gauges."""
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=DIRECTORY)
    if database is not None:
        registry.register(database)
    return generate_latest(registry)
