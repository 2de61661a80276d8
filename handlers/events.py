"""What happened in the chat, in our own words: handlers never see LINE's event types.

``bot/webhook/events.py`` turns each LINE webhook event into an :class:`Incoming`, so handlers
(and their tests) work with plain data: who, where, and what they sent.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = ["Incoming", "Kind"]

Kind = Literal["text", "postback", "follow", "unfollow", "media", "other"]


@dataclass(frozen=True)
class Incoming:
    kind: Kind
    user_id: str | None = None
    #: Where a push goes: the group or room the event came from, else the user.
    chat_id: str | None = None
    in_group: bool = False
    #: In a group, whether the message was addressed to the assistant (a mention, or 「助理…」).
    addressed: bool = False
    #: The message text, without the address to the assistant.
    text: str | None = None
    #: A tapped button: the action and its parameters (our own postback format, decoded).
    action: str | None = None
    params: dict[str, str] = field(default_factory=dict)
    #: sticker, image, audio, video, file or location.
    media: str | None = None
    message_id: str | None = None
    event_id: str | None = None
