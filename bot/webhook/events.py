"""LINE webhook events → :class:`handlers.events.Incoming`, the plain data handlers work with.

Everything LINE-specific about an event is settled here: its source (user, group, room), a
mention of the assistant or a leading 「助理」 in a group, our postback format, and which kind
of media a message holds. Events we do not handle (join, leave, beacon…) become ``other``.
"""
from __future__ import annotations

from typing import Any

from linebot.v3.webhooks import (
    Event,
    FollowEvent,
    GroupSource,
    MessageEvent,
    PostbackEvent,
    RoomSource,
    TextMessageContent,
    UnfollowEvent,
)

from bot.line import postback
from handlers.events import Incoming

__all__ = ["ADDRESS_PREFIXES", "chat_of", "incoming", "is_standby"]

ADDRESS_PREFIXES = ("助理", "小幫手", "@助理", "@小幫手")
_MEDIA = {"sticker", "image", "audio", "video", "file", "location"}


def chat_of(event: Event) -> str | None:
    """Where to push: the group or room the event came from, else the user."""
    source = getattr(event, "source", None)
    return getattr(source, "group_id", None) or getattr(source, "room_id", None) or getattr(source, "user_id", None)


def is_standby(event: Event) -> bool:
    """Another channel (e.g. a human operator in LINE's console) owns the chat."""
    return str(getattr(event, "mode", "active")).lower().endswith("standby")


def _address(message: TextMessageContent) -> tuple[bool, str]:
    """Whether a message is addressed to the assistant, and its text without the address."""
    text = message.text or ""
    addressed = False
    mention = message.mention
    if mention:
        for m in sorted(mention.mentionees or [], key=lambda m: m.index, reverse=True):
            if getattr(m, "is_self", False):
                addressed = True
                text = text[: m.index] + text[m.index + m.length:]
    stripped = text.lstrip()
    for prefix in ADDRESS_PREFIXES:
        if stripped.startswith(prefix):
            return True, stripped[len(prefix):].lstrip(" ,，:：")
    return addressed, text


def incoming(event: Event) -> Incoming:
    source = getattr(event, "source", None)
    common: dict[str, Any] = {
        "user_id": getattr(source, "user_id", None),
        "chat_id": chat_of(event),
        "in_group": isinstance(source, (GroupSource, RoomSource)),
        "event_id": getattr(event, "webhook_event_id", None),
    }
    if isinstance(event, MessageEvent):
        message = event.message
        if isinstance(message, TextMessageContent):
            addressed, text = _address(message)
            return Incoming("text", text=text, addressed=addressed, message_id=message.id, **common)
        kind = str(getattr(message, "type", "")).lower()
        return Incoming("media", media=kind if kind in _MEDIA else "other", message_id=getattr(message, "id", None),
                        **common)
    if isinstance(event, PostbackEvent):
        decoded = postback.decode(event.postback.data)
        action, params = decoded if decoded else ("expired", {})
        picked = getattr(event.postback, "params", None) or {}
        for key in ("date", "time", "datetime"):  # what a date picker returns
            if isinstance(picked, dict) and picked.get(key):
                params = {**params, key: str(picked[key])}
        return Incoming("postback", action=action, params=params, **common)
    if isinstance(event, FollowEvent):
        return Incoming("follow", **common)
    if isinstance(event, UnfollowEvent):
        return Incoming("unfollow", **common)
    return Incoming("other", **common)
