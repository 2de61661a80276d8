"""What handlers say, as plain reply models; ``bot/line/render.py`` turns them into LINE messages.

Handlers never build LINE messages and never count against LINE's limits (5 messages, 13 quick
replies, 20-character labels, 5,000 characters): the renderer is the one place that knows them.
A long list of choices is simply a long tuple; the renderer pages it, and a tap on its «more»
button comes back as a ``page`` postback with the reply's ``page_key``.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from knowledge.assistant import Answer, Choice, Response
from knowledge.loader import default_knowledge

__all__ = [
    "Card", "Choice", "Line", "Link", "Reply", "Row", "Rule", "Text", "answer_replies", "fallback_choices", "feedback_choices",
    "menu_items", "notice_reply", "response_replies", "text",
]


@dataclass(frozen=True)
class Text:
    """A text message, with quick replies.

    ``page`` and ``page_key`` matter only when the choices are more than one screen holds: the
    renderer shows page ``page`` and sends ``page_key`` back when the user asks for another.
    """

    text: str
    choices: tuple[Choice, ...] = ()
    page: int = 0
    page_key: str | None = None


@dataclass(frozen=True)
class Line:
    """A line of text in a card."""

    text: str
    bold: bool = False
    small: bool = False
    muted: bool = False


@dataclass(frozen=True)
class Row:
    """A label and its value on one line of a card."""

    left: str
    right: str
    bold: bool = False


@dataclass(frozen=True)
class Rule:
    """A separator line in a card; ``page_break`` starts a new page when the card is paged."""

    page_break: bool = False


@dataclass(frozen=True)
class Link:
    """A button that opens a web page."""

    label: str
    url: str


@dataclass(frozen=True)
class Card:
    """A card: a title, lines and rows, link buttons, and quick replies.

    A card may be long: the renderer pages it (a carousel of «第 1/4 頁» bubbles), so handlers
    never cut a summary short to fit a screen.
    """

    alt: str
    title: str
    blocks: tuple[Line | Row | Rule, ...] = ()
    links: tuple[Link, ...] = ()
    choices: tuple[Choice, ...] = field(default=())
    badge: str | None = None  # a small coloured line above the title («📢 計畫公告»)


Reply = Text | Card


def text(body: str, choices: Iterable[Choice] = ()) -> Text:
    return Text(body, tuple(choices))


def notice_reply(body: str, link_url: str | None = None, link_label: str | None = None) -> Reply:
    """A staff notice as recipients see it: plain text, or a card with a link button."""
    if not link_url:
        return Text(body)
    return Card(alt=body, title="", badge="📢 計畫公告", blocks=(Line(body),), links=(Link(link_label or "查看詳情", link_url),))


def menu_items(lang: str = "zh") -> tuple[Choice, ...]:
    """The topic menu (``knowledge/messages.yaml``) in the user's language."""
    return tuple(Choice(str(label), "say", {"text": str(say)}) for label, say in default_knowledge().text(lang, "menu"))


def fallback_choices(lang: str = "zh") -> tuple[Choice, ...]:
    """Ways on from 「我沒有把握」: the menu, a way to ask that works, a person."""
    return tuple(Choice(str(label), "say", {"text": str(say)})
                 for label, say in default_knowledge().text(lang, "fallback_menu"))


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
    if answer.kind == "fallback" and not choices:
        choices += list(fallback_choices(answer.lang))
    return choices


def answer_replies(answer: Answer, extra: Iterable[Choice] = ()) -> list[Reply]:
    """An :class:`Answer`: answers carry 有幫助/沒幫助, suggestions their options."""
    return [Text(answer.text, (*_choices(answer), *extra))]


def response_replies(response: Response) -> list[Reply]:
    """One message per answer, in order; quick replies go on the last, where LINE shows them."""
    answers = list(response.answers)
    replies: list[Reply] = [Text(a.text) for a in answers[:-1]]
    last = answers[-1]
    choices = _choices(last)
    if len(answers) > 1 and last.kind not in ("faq", "lookup"):
        answered = next((a for a in reversed(answers) if a.kind in ("faq", "lookup")), None)
        if answered is not None:
            choices += list(feedback_choices(answered.entry_id or "township-tier", answered.lang))
    replies.append(Text(last.text, tuple(choices)))
    return replies
