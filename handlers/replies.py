"""Reply builders: our answers as LINE message objects, always within LINE's limits.

Limits (Messaging API): text ≤ 5,000 characters, ≤ 13 quick-reply items, action labels ≤ 20
characters, postback data ≤ 300 characters, ≤ 5 messages per reply. Builders clamp rather than
fail, because a slightly shortened answer is better than no answer.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

from linebot.v3.messaging import (
    Message,
    MessageAction,
    PostbackAction,
    QuickReply,
    QuickReplyItem,
    TextMessage,
)

from handlers import postback
from handlers.answering import Answer, Choice

__all__ = [
    "MAX_LABEL",
    "MAX_QUICK_REPLIES",
    "MAX_TEXT",
    "answer_messages",
    "clamp_label",
    "menu_items",
    "text_message",
]

MAX_TEXT = 5000
MAX_QUICK_REPLIES = 13
MAX_LABEL = 20

#: The greeting's menu: (label, what tapping it says). The text goes through the FAQ like any
#: typed question, so the menu never drifts from the knowledge base.
MENU: tuple[tuple[str, str], ...] = (
    ("截止日期", "提案截止日期是什麼時候？"),
    ("申請資格", "哪些企業可以申請數位群聚？"),
    ("A類B類差在哪", "A類和B類有什麼不同？"),
    ("補助經費", "輔導經費最多多少？"),
    ("應備文件", "提案要準備哪些文件？"),
    ("評分標準", "評分標準是什麼？"),
    ("查鄉鎮分群", "怎麼查鄉鎮的數位發展分群？"),
    ("國際主題聯盟", "國際主題聯盟是什麼？"),
    ("聯絡窗口", "計畫的聯絡電話和信箱？"),
    ("填成員自評", "自我評估"),
    ("填群聚自評", "群聚自評"),
    ("填聯盟調查", "聯盟調查"),
    ("訂閱截止提醒", "訂閱"),
)


def clamp_label(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"


def _clamp_text(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def _item(choice: Choice) -> QuickReplyItem:
    label = clamp_label(choice.label)
    if choice.action == "say":
        return QuickReplyItem(action=MessageAction(label=label, text=choice.params.get("text", choice.label)))
    data = postback.encode(choice.action, choice.params)
    return QuickReplyItem(action=PostbackAction(label=label, data=data, displayText=choice.label[:300]))


def text_message(text: str, choices: Sequence[Choice] = ()) -> TextMessage:
    """A text message with up to 13 quick replies."""
    items = [_item(c) for c in list(choices)[:MAX_QUICK_REPLIES]]
    return TextMessage(text=_clamp_text(text), quickReply=QuickReply(items=items) if items else None)


def menu_items() -> tuple[Choice, ...]:
    return tuple(Choice(label, "say", {"text": text}) for label, text in MENU)


def feedback_choices(entry_id: str) -> tuple[Choice, ...]:
    return (
        Choice("👍 有幫助", "fb", {"e": entry_id, "h": "1"}),
        Choice("👎 沒幫助", "fb", {"e": entry_id, "h": "0"}),
    )


def answer_messages(answer: Answer, extra: Iterable[Choice] = ()) -> list[Message]:
    """The messages for an :class:`Answer`: answers carry 有幫助/沒幫助, suggestions their options."""
    choices: list[Choice] = list(answer.choices)
    if answer.kind in ("faq", "lookup"):
        choices += list(feedback_choices(answer.entry_id or "township-tier"))
    choices += list(extra)
    return [text_message(answer.text, choices)]
