"""What a handler gets: the event, a database session, the few services it needs, and where to
put its replies and effects."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy.orm import Session

from handlers.effects import Effect
from handlers.events import Incoming
from handlers.replies import Reply
from knowledge.assistant import Assistant
from knowledge.clock import Clock
from knowledge.labels import fold

__all__ = ["Ctx", "HandlerServices"]


class HandlerServices(Protocol):
    """The long-lived objects handlers use (``bot.services.Services`` provides them)."""

    @property
    def assistant(self) -> Assistant: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def staff_ids(self) -> frozenset[str]: ...


@dataclass
class Ctx:
    event: Incoming
    session: Session
    services: HandlerServices
    replies: list[Reply] = field(default_factory=list)
    #: Work to do after the reply is sent (deliver a notice, fetch a photo).
    effects: list[Effect] = field(default_factory=list)
    _activity: tuple[bool, bool] | None = None

    @property
    def user_id(self) -> str | None:
        return self.event.user_id

    @property
    def text(self) -> str | None:
        return self.event.text.strip() if self.event.text is not None else None

    @property
    def text_folded(self) -> str:
        return fold(self.event.text).lower()

    @property
    def postback_action(self) -> str | None:
        return self.event.action

    @property
    def postback_params(self) -> dict[str, str]:
        return self.event.params

    @property
    def is_staff(self) -> bool:
        return self.user_id is not None and self.user_id in self.services.staff_ids

    def reply(self, *replies: Reply) -> None:
        """Queue replies; the dispatcher sends them together once the handler returns."""
        self.replies.extend(replies)

    def effect(self, effect: Effect) -> None:
        self.effects.append(effect)

    def activity(self) -> tuple[bool, bool]:
        """(a form in progress, a handoff open): asked of the database once per message."""
        if self._activity is None:
            from db import users

            self._activity = (False, False) if self.user_id is None else \
                users.activity(session=self.session, line_user_id=self.user_id)
        return self._activity
