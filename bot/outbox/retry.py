"""Retrying a LINE call the way LINE asks: honour Retry-After on 429, back off on 5xx and
timeouts, stop at once on other 4xx. The caller passes the same ``X-Line-Retry-Key`` on every
attempt, so a request that did arrive is not delivered twice (LINE answers 409)."""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Literal

from bot.line.client import LineError

__all__ = ["Outcome", "with_retries"]

Outcome = Literal["sent", "failed", "unknown"]


async def with_retries(
    call: Callable[[], Awaitable[None]],
    *,
    attempts: int = 4,
    base_delay: float = 0.5,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    on_try: Callable[[], None] | None = None,
) -> tuple[Outcome, str | None]:
    """``sent`` (incl. 409), ``failed`` (permanent: don't retry) or ``unknown`` (gave up for now)."""
    delay = base_delay
    error: str | None = None
    for attempt in range(1, attempts + 1):
        if on_try is not None:
            on_try()
        try:
            await call()
            return "sent", None
        except LineError as exc:
            if exc.status == 409:  # the retry key was already accepted: delivered
                return "sent", None
            error = str(exc)
            if not exc.retryable:
                return "failed", error
            if attempt < attempts:
                await sleep(exc.retry_after if exc.retry_after is not None else delay)
                delay *= 2
    return "unknown", error
