"""Reply models (``handlers/replies.py``) → LINE messages, always within LINE's limits.

This is the one place that knows them (Messaging API): at most 5 messages per reply, text up to
5,000 characters, at most 13 quick-reply items, action labels up to 20 characters, postback
data up to 300 characters. It clamps rather than fails — a slightly shortened answer beats no
answer — and pages a long list of choices, with «more» buttons that come back as ``page``
postbacks carrying the reply's ``page_key``.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from linebot.v3.messaging import (
    DatetimePickerAction,
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
    "MAX_LABEL", "MAX_MESSAGES", "MAX_QUICK_REPLIES", "MAX_TEXT", "card_messages", "clamp_label", "payload_messages",
    "render",
    "render_one", "render_reply",
]

MAX_TEXT = 5000
MAX_QUICK_REPLIES = 13
MAX_LABEL = 20
MAX_MESSAGES = 5
#: Options per page when a list is too long for one screen: room is left for ◀ ▶ and navigation.
PAGE_SIZE = 10
#: Flex: rows per bubble (a phone screen or two), bubbles per carousel, and bytes per carousel.
BUBBLE_BLOCKS = 32
MAX_BUBBLES = 12
MAX_CAROUSEL_BYTES = 45_000
#: A card longer than this many carousels is cut, with a note saying so.
MAX_CARD_MESSAGES = 3
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
    if choice.action == "date":  # LINE's own date picker; the picked date comes back in the postback's params
        return QuickReplyItem(action=DatetimePickerAction(label=label, data=data, mode="date"))
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


def _bubble(card: Card, blocks: Sequence[Line | Row | Rule], page: tuple[int, int] | None,
            links: bool) -> dict[str, Any]:
    head: list[dict[str, Any]] = []
    if card.badge:
        head.append(_flex_text(card.badge, weight="bold", size="sm", color="#06C755"))
    if card.title:
        head.append(_flex_text(card.title, weight="bold", size="md"))
    if page is not None:
        head.append(_flex_text(f"第 {page[0]}/{page[1]} 頁", size="xs", color="#555555"))
    bubble: dict[str, Any] = {"type": "bubble", "size": "giga"}
    if head:
        bubble["header"] = {"type": "box", "layout": "vertical", "contents": head}
    bubble["body"] = {"type": "box", "layout": "vertical", "spacing": "sm",
                      "contents": [_block(b) for b in blocks] or [_flex_text(" ")]}
    if links and card.links:
        bubble["footer"] = {"type": "box", "layout": "vertical", "spacing": "sm", "contents": [
            {"type": "button", "style": "primary",
             "action": {"type": "uri", "label": clamp_label(link.label), "uri": link.url}}
            for link in card.links
        ]}
    return bubble


def _size(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())


def _pages(card: Card) -> list[list[Line | Row | Rule]]:
    """The card's blocks cut into bubble-sized pages, at its page breaks and wherever one is full."""
    pages: list[list[Line | Row | Rule]] = [[]]
    for block in card.blocks:
        page = pages[-1]
        if page and (isinstance(block, Rule) and block.page_break or len(page) >= BUBBLE_BLOCKS):
            pages.append([])
            if isinstance(block, Rule):
                continue
        pages[-1].append(block)
    return [p for p in pages if p] or [[]]


def card_messages(card: Card) -> list[dict[str, Any]]:
    """A card as LINE flex JSON: one bubble, or carousels of numbered pages when it is long.

    LINE allows 12 bubbles and about 50 KB per carousel (30 KB per bubble). A card longer than
    that becomes several carousels; nothing is dropped silently — if even that would not fit, the
    last page says how much is left out.
    """
    pages = _pages(card)
    if len(pages) == 1:
        bubbles = [_bubble(card, pages[0], None, links=True)]
    else:
        bubbles = [_bubble(card, blocks, (n, len(pages)), links=n == len(pages)) for n, blocks in enumerate(pages, 1)]
    alt = (card.alt or card.title or " ")[:400]
    if len(bubbles) == 1:
        return [{"type": "flex", "altText": alt, "contents": bubbles[0]}]
    carousels: list[list[dict[str, Any]]] = [[]]
    for bubble in bubbles:
        group = carousels[-1]
        if group and (len(group) >= MAX_BUBBLES or _size(group) + _size(bubble) > MAX_CAROUSEL_BYTES):
            carousels.append([])
        carousels[-1].append(bubble)
    if len(carousels) > MAX_CARD_MESSAGES:
        kept = carousels[:MAX_CARD_MESSAGES]
        left = sum(len(group) for group in carousels[MAX_CARD_MESSAGES:])
        note = _flex_text(f"（還有 {left} 頁放不下，請到網頁版或請計畫同仁提供完整內容）", size="xs", color="#B00020")
        kept[-1][-1]["body"]["contents"].append(note)
        carousels = kept
    return [{"type": "flex", "altText": alt, "contents": {"type": "carousel", "contents": group}}
            for group in carousels]


def card_json(card: Card) -> dict[str, Any]:
    """A short card as one flex message (notice previews in the console)."""
    return card_messages(card)[0]


def render_reply(reply: Reply) -> list[Message]:
    """One reply as LINE messages: a text, or a card (several messages only for a very long card)."""
    if isinstance(reply, Card):
        messages = [FlexMessage.from_dict(m) for m in card_messages(reply)]
        if reply.choices:
            messages[-1].quick_reply = _quick_reply(reply.choices)
        return messages
    return [TextMessage(text=_clamp_text(reply.text), quickReply=_quick_reply(_paged(reply)))]


def render_one(reply: Reply) -> Message:
    return render_reply(reply)[0]


def render(replies: Sequence[Reply]) -> list[Message]:
    """At most five messages: when there are more, the oldest replies are merged into one text."""
    replies = list(replies)
    rendered = [render_reply(r) for r in replies]
    if sum(len(group) for group in rendered) > MAX_MESSAGES:
        kept, used = 0, 0
        for group in reversed(rendered):
            if used + len(group) > MAX_MESSAGES - 1:
                break
            kept, used = kept + 1, used + len(group)
        head = replies[: len(replies) - kept]
        merged = Text("\n\n".join(r.text if isinstance(r, Text) else r.alt for r in head))
        rendered = [render_reply(merged), *rendered[len(rendered) - kept:]]
    return [message for group in rendered for message in group]


def payload_messages(payload: dict[str, Any]) -> list[Message]:
    """The messages of a queued delivery: a notice, a text, or LINE JSON stored by older versions."""
    if "notice" in payload:
        notice = payload["notice"]
        return render([notice_reply(notice.get("text", ""), notice.get("link_url"), notice.get("link_label"))])
    if "text" in payload:
        return render([Text(str(payload["text"]))])
    return [Message.from_dict(m) for m in payload.get("messages", [])]
