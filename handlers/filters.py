"""Composable event predicates: ``TEXT & ~IN_GROUP``, ``POSTBACK("faq") | FOLLOW``.

Routing reads like a sentence instead of an if/elif chain; each filter is a plain function of
the handler context, wrapped so that ``&``, ``|`` and ``~`` compose them.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from handlers.context import Ctx

__all__ = ["ADDRESSED", "FOLLOW", "IMAGE", "IN_GROUP", "MEDIA", "POSTBACK", "TEXT", "Filter", "text_matches"]


class Filter:
    def __init__(self, test: Callable[[Ctx], bool], name: str) -> None:
        self.test = test
        self.name = name

    def __call__(self, ctx: Ctx) -> bool:
        return self.test(ctx)

    def __and__(self, other: Filter) -> Filter:
        return Filter(lambda c: self(c) and other(c), f"({self.name} & {other.name})")

    def __or__(self, other: Filter) -> Filter:
        return Filter(lambda c: self(c) or other(c), f"({self.name} | {other.name})")

    def __invert__(self) -> Filter:
        return Filter(lambda c: not self(c), f"~{self.name}")

    def __repr__(self) -> str:
        return f"Filter({self.name})"


TEXT = Filter(lambda c: c.event.kind == "text", "text")
MEDIA = Filter(lambda c: c.event.kind == "media", "media")
IMAGE = Filter(lambda c: c.event.kind == "media" and c.event.media == "image", "image")
FOLLOW = Filter(lambda c: c.event.kind == "follow", "follow")
IN_GROUP = Filter(lambda c: c.event.in_group, "in_group")
#: In a group or room the assistant speaks only when spoken to (a mention of it, or a leading
#: 「助理」/「小幫手」), so it never floods a members' chat.
ADDRESSED = Filter(lambda c: c.event.addressed, "addressed")


def POSTBACK(action: str) -> Filter:
    return Filter(lambda c: c.event.kind == "postback" and c.event.action == action, f"postback:{action}")


def text_matches(pattern: str) -> Filter:
    """The whole message (trimmed, NFKC) matches ``pattern``."""
    regex = re.compile(pattern)
    return Filter(lambda c: c.text is not None and bool(regex.fullmatch(c.text_folded)), f"text~{pattern}")
