"""The one answer to "what time is it?".

The composition root (``bot.services.Services``) holds one :class:`Clock` and passes it to
everything that asks: the assistant (is a deadline past?), the form engine (which month is a
check-in for?), reminders, notices and deliveries. Tests set the time on it instead of patching
private names.
"""
from __future__ import annotations

from datetime import UTC, date, datetime

from knowledge.labels import TAIPEI

__all__ = ["Clock"]


class Clock:
    """The real time, or — after :meth:`set` — a fixed one."""

    def __init__(self, fixed: datetime | None = None) -> None:
        self._fixed = fixed

    def now(self) -> datetime:
        """Timezone-aware; compare freely with stored UTC times."""
        return self._fixed if self._fixed is not None else datetime.now(UTC)

    def today(self) -> date:
        """Today in Asia/Taipei, where the program runs."""
        return self.now().astimezone(TAIPEI).date()

    def set(self, moment: datetime | None) -> None:
        """Fix the time (a naive time is read as Taipei time); ``None`` returns to the real time."""
        if moment is not None and moment.tzinfo is None:
            moment = moment.replace(tzinfo=TAIPEI)
        self._fixed = moment
