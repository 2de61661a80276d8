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
from knowledge.assistant import Answer, Choice, Response
from knowledge.loader import default_knowledge

__all__ = [
    "MAX_LABEL",
    "MAX_QUICK_REPLIES",
    "MAX_TEXT",
    "answer_messages",
    "clamp_label",
    "menu_items",
    "response_messages",
    "text_message",
]

MAX_TEXT = 5000
MAX_QUICK_REPLIES = 13
MAX_LABEL = 20
MAX_MESSAGES = 5

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


def menu_items(lang: str = "zh") -> tuple[Choice, ...]:
    """The topic menu (``knowledge/messages.yaml``) in the user's language."""
    return tuple(Choice(str(label), "say", {"text": str(text)}) for label, text in default_knowledge().text(lang, "menu"))


def feedback_choices(entry_id: str, lang: str = "zh") -> tuple[Choice, ...]:
    kb = default_knowledge()
    tag = {"l": "en"} if lang == "en" else {}
    return (
        Choice(kb.text(lang, "helpful"), "fb", {"e": entry_id, "h": "1", **tag}),
        Choice(kb.text(lang, "unhelpful"), "fb", {"e": entry_id, "h": "0", **tag}),
    )


def _choices(answer: Answer) -> list[Choice]:
    choices: list[Choice] = list(answer.choices)
    if answer.kind in ("faq", "lookup"):
        choices += list(feedback_choices(answer.entry_id or "township-tier", answer.lang))
    if answer.menu:
        choices += list(menu_items(answer.lang))
    return choices


def answer_messages(answer: Answer, extra: Iterable[Choice] = ()) -> list[Message]:
    """The messages for an :class:`Answer`: answers carry 有幫助/沒幫助, suggestions their options."""
    return [text_message(answer.text, [*_choices(answer), *extra])]


def response_messages(response: Response) -> list[Message]:
    """One message per answer, in order; quick replies go on the last, where LINE shows them."""
    answers = list(response.answers)[:MAX_MESSAGES]
    messages: list[Message] = [text_message(a.text) for a in answers[:-1]]
    last = answers[-1]
    choices = _choices(last)
    if len(answers) > 1 and last.kind not in ("faq", "lookup"):
        answered = next((a for a in reversed(answers) if a.kind in ("faq", "lookup")), None)
        if answered is not None:
            choices += list(feedback_choices(answered.entry_id or "township-tier", answered.lang))
    messages.append(text_message(last.text, choices))
    return messages
