"""Reply models (``handlers/replies.py``) → LINE messages, always within LINE's limits.

This is the one place that knows them (Messaging API): at most 5 messages per reply, text up to
5,000 characters, at most 13 quick-reply items, action labels up to 20 characters, postback
data up to 300 characters. It clamps rather than fails — a slightly shortened answer beats no
answer — and pages a long list of choices, with «more» buttons that come back as ``page``
postbacks carrying the reply's ``page_key``.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from linebot.v3.messaging import (
    FlexMessage,
    Message,
    MessageAction,
    PostbackAction,
    QuickReply,
    QuickReplyItem,
    TextMessage,
)

from bot.line import postback
from handlers.replies import Card, Line, Reply, Row, Rule, Text, notice_reply
from knowledge.assistant import Choice

__all__ = [
    "MAX_LABEL", "MAX_MESSAGES", "MAX_QUICK_REPLIES", "MAX_TEXT", "clamp_label", "payload_messages", "render",
    "render_one",
]

MAX_TEXT = 5000
MAX_QUICK_REPLIES = 13
MAX_LABEL = 20
MAX_MESSAGES = 5
#: Options per page when a list is too long for one screen: room is left for ◀ ▶ and navigation.
PAGE_SIZE = 10
_NAVIGATION = {"上一題", "略過", "暫停", "完成"}


def clamp_label(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"


def _clamp_text(text: str) -> str:
    text = text or " "
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def _item(choice: Choice) -> QuickReplyItem:
    label = clamp_label(choice.label)
    if choice.action == "say":
        return QuickReplyItem(action=MessageAction(label=label, text=choice.params.get("text", choice.label)[:300]))
    data = postback.encode(choice.action, choice.params)
    return QuickReplyItem(action=PostbackAction(label=label, data=data, displayText=choice.label[:300]))


def _paged(reply: Text) -> list[Choice]:
    """The choices one screen shows: all of them, or a page of options plus ◀ ▶ and navigation."""
    choices = list(reply.choices)
    if len(choices) <= MAX_QUICK_REPLIES or reply.page_key is None:
        return choices[:MAX_QUICK_REPLIES]
    options = [c for c in choices if c.label not in _NAVIGATION]
    navigation = [c for c in choices if c.label in _NAVIGATION]
    pages = max(1, -(-len(options) // PAGE_SIZE))
    page = max(0, min(reply.page, pages - 1))
    shown = options[page * PAGE_SIZE:(page + 1) * PAGE_SIZE]
    if page > 0:
        shown.append(Choice("◀ 上一頁", "page", {"k": reply.page_key, "p": str(page - 1)}))
    if page < pages - 1:
        shown.append(Choice("更多選項 ▶", "page", {"k": reply.page_key, "p": str(page + 1)}))
    room = MAX_QUICK_REPLIES - len(shown)
    return shown + navigation[:room]


def _quick_reply(choices: Sequence[Choice]) -> QuickReply | None:
    items = [_item(c) for c in list(choices)[:MAX_QUICK_REPLIES]]
    return QuickReply(items=items) if items else None


def _flex_text(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "text", "text": (text or " ")[:1900], "wrap": True, **style}


def _block(block: Line | Row | Rule) -> dict[str, Any]:
    if isinstance(block, Rule):
        return {"type": "separator", "margin": "md"}
    if isinstance(block, Row):
        weight = {"weight": "bold"} if block.bold else {}
        return {"type": "box", "layout": "horizontal", "contents": [
            _flex_text(block.left, size="sm", flex=3, **weight),
            _flex_text(block.right, size="sm", flex=2, align="end", **weight),
        ]}
    style: dict[str, Any] = {"size": "xs" if block.small else "sm"}
    if block.bold:
        style["weight"] = "bold"
    if block.muted:
        style["color"] = "#555555"
    return _flex_text(block.text, **style)


def card_json(card: Card) -> dict[str, Any]:
    """A card as LINE's flex message JSON."""
    head: list[dict[str, Any]] = []
    if card.badge:
        head.append(_flex_text(card.badge, weight="bold", size="sm", color="#06C755"))
    if card.title:
        head.append(_flex_text(card.title, weight="bold", size="md"))
    bubble: dict[str, Any] = {"type": "bubble", "size": "giga"}
    if head:
        bubble["header"] = {"type": "box", "layout": "vertical", "contents": head}
    bubble["body"] = {"type": "box", "layout": "vertical", "spacing": "sm",
                      "contents": [_block(b) for b in card.blocks] or [_flex_text(" ")]}
    if card.links:
        bubble["footer"] = {"type": "box", "layout": "vertical", "spacing": "sm", "contents": [
            {"type": "button", "style": "primary",
             "action": {"type": "uri", "label": clamp_label(link.label), "uri": link.url}}
            for link in card.links
        ]}
    message: dict[str, Any] = {"type": "flex", "altText": (card.alt or card.title or " ")[:400], "contents": bubble}
    return message


def render_one(reply: Reply) -> Message:
    if isinstance(reply, Card):
        message = FlexMessage.from_dict(card_json(reply))
        if reply.choices:
            message.quick_reply = _quick_reply(reply.choices)
        return message
    return TextMessage(text=_clamp_text(reply.text), quickReply=_quick_reply(_paged(reply)))


def render(replies: Sequence[Reply]) -> list[Message]:
    """At most five messages: when there are more, the oldest texts are merged into the first."""
    replies = list(replies)
    if len(replies) > MAX_MESSAGES:
        head, tail = replies[: len(replies) - (MAX_MESSAGES - 1)], replies[len(replies) - (MAX_MESSAGES - 1):]
        merged = "\n\n".join(r.text if isinstance(r, Text) else r.alt for r in head)
        replies = [Text(merged), *tail]
    return [render_one(r) for r in replies]


def payload_messages(payload: dict[str, Any]) -> list[Message]:
    """The messages of a queued delivery: a notice, a text, or LINE JSON stored by older versions."""
    if "notice" in payload:
        notice = payload["notice"]
        return render([notice_reply(notice.get("text", ""), notice.get("link_url"), notice.get("link_label"))])
    if "text" in payload:
        return render([Text(str(payload["text"]))])
    return [Message.from_dict(m) for m in payload.get("messages", [])]
