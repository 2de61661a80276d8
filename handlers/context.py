"""What a handler gets: the event, a database session, the assistant, and a reply buffer."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from linebot.v3.messaging import Message
from linebot.v3.webhooks import Event, MessageEvent, PostbackEvent, TextMessageContent
from sqlalchemy.orm import Session

from handlers import postback

if TYPE_CHECKING:
    from bot.services import Services

__all__ = ["Ctx", "MAX_REPLY_MESSAGES"]

MAX_REPLY_MESSAGES = 5
_ADDRESS_PREFIXES = ("助理", "小幫手", "@助理", "@小幫手")


@dataclass
class Ctx:
    event: Event
    session: Session
    services: "Services"
    messages: list[Message] = field(default_factory=list)
    #: Async work to run after the reply is sent (deliver a notice, fetch a photo's bytes).
    deferred: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    # -- who and what --------------------------------------------------------------------------

    @cached_property
    def user_id(self) -> str | None:
        return getattr(getattr(self.event, "source", None), "user_id", None)

    @cached_property
    def chat_id(self) -> str | None:
        """Where to push: the group or room if the event came from one, else the user."""
        source = getattr(self.event, "source", None)
        return getattr(source, "group_id", None) or getattr(source, "room_id", None) or self.user_id

    @cached_property
    def text(self) -> str | None:
        if isinstance(self.event, MessageEvent) and isinstance(self.event.message, TextMessageContent):
            text = self.event.message.text or ""
            return self._without_address(text).strip()
        return None

    @cached_property
    def text_folded(self) -> str:
        return unicodedata.normalize("NFKC", self.text or "").strip().lower()

    @cached_property
    def postback(self) -> tuple[str, dict[str, str]] | None:
        if isinstance(self.event, PostbackEvent):
            return postback.decode(self.event.postback.data)
        return None

    @property
    def postback_action(self) -> str | None:
        return self.postback[0] if self.postback else None

    @property
    def postback_params(self) -> dict[str, str]:
        return self.postback[1] if self.postback else {}

    @cached_property
    def addressed(self) -> bool:
        """Whether a group/room message is meant for the assistant."""
        if not isinstance(self.event, MessageEvent) or not isinstance(self.event.message, TextMessageContent):
            return False
        mention = self.event.message.mention
        if mention and any(getattr(m, "is_self", False) for m in mention.mentionees or []):
            return True
        return (self.event.message.text or "").lstrip().startswith(_ADDRESS_PREFIXES)

    def _without_address(self, text: str) -> str:
        message = getattr(self.event, "message", None)
        mention = getattr(message, "mention", None)
        if mention:
            for m in sorted(mention.mentionees or [], key=lambda m: m.index, reverse=True):
                if getattr(m, "is_self", False):
                    text = text[: m.index] + text[m.index + m.length :]
        stripped = text.lstrip()
        for prefix in _ADDRESS_PREFIXES:
            if stripped.startswith(prefix):
                return stripped[len(prefix) :].lstrip(" ,，:：")
        return text

    # -- replying ------------------------------------------------------------------------------

    def reply(self, *messages: Message) -> None:
        """Queue messages; the webhook sends them in one reply call after the handler returns."""
        self.messages.extend(messages)
        if len(self.messages) > MAX_REPLY_MESSAGES:
            raise ValueError(f"a reply holds at most {MAX_REPLY_MESSAGES} messages")

    def defer(self, job: str, params: dict[str, Any]) -> None:
        self.deferred.append((job, params))

    @property
    def is_staff(self) -> bool:
        return self.user_id is not None and self.user_id in self.services.settings.staff_ids
