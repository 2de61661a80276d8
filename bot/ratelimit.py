"""A per-user flood guard: past the limit, one polite warning, then silence until it calms down.

Kept in memory per web process: it protects the process and LINE quota from one user's flood;
it is not an accounting system, so a few extra messages across several workers are fine.
"""
from __future__ import annotations

import threading
import time
from collections import deque
from typing import Literal

__all__ = ["RateLimiter"]

Verdict = Literal["ok", "warn", "drop"]


class RateLimiter:
    def __init__(self, *, limit: int = 20, window: float = 60.0, max_users: int = 100_000) -> None:
        self.limit = limit
        self.window = window
        self.max_users = max_users
        self._seen: dict[str, deque[float]] = {}
        self._warned: dict[str, float] = {}
        self._lock = threading.Lock()

    def check(self, user: str, now: float | None = None) -> Verdict:
        now = time.monotonic() if now is None else now
        with self._lock:
            if len(self._seen) > self.max_users:
                self._seen.clear()
                self._warned.clear()
            times = self._seen.setdefault(user, deque())
            while times and now - times[0] > self.window:
                times.popleft()
            times.append(now)
            if len(times) <= self.limit:
                self._warned.pop(user, None)
                return "ok"
            if user in self._warned and now - self._warned[user] < self.window:
                return "drop"
            self._warned[user] = now
            return "warn"

    def forget(self, user: str | None = None) -> None:
        """Forget what one user (or everyone) sent: a user whose data was erased, or a test."""
        with self._lock:
            if user is None:
                self._seen.clear()
                self._warned.clear()
            else:
                self._seen.pop(user, None)
                self._warned.pop(user, None)
