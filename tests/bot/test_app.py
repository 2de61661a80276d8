"""The app's lifespan: what it starts in the background is stopped, not abandoned, at shutdown."""
from __future__ import annotations

import threading
import time
from typing import Any

from fastapi.testclient import TestClient

from bot.app import create_app
from bot.services import Services
from bot.settings import Settings


def test_shutdown_waits_for_a_knowledge_refresh_still_reading_the_database(settings: Settings) -> None:
    """A refresh caught mid-read at shutdown finishes before the app reports it has stopped.

    Otherwise its transaction outlives the app (and the disposed pool): in production a new
    deploy's migration, in CI the next test's TRUNCATE, deadlocks against it."""
    services = Services.build(settings)
    assert services.live is not None
    read = services.live.read
    started = threading.Event()
    finished: list[float] = []

    def slow_read() -> Any:
        started.set()
        time.sleep(0.5)
        outcome = read()
        finished.append(time.monotonic())
        return outcome

    services.live.read = slow_read  # type: ignore[method-assign]
    with TestClient(create_app(settings, services=services)) as client:
        assert client.get("/healthz").status_code == 200
        assert started.wait(60), "the knowledge refresh never ran"
    done_at_stop = len(finished)
    services.db.dispose()
    assert done_at_stop == 1
