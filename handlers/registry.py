"""The one place where handlers are registered, in the order they are tried."""
from __future__ import annotations

from handlers import faq, greeting
from handlers.filters import ADDRESSED, FOLLOW, IN_GROUP, MEDIA, POSTBACK, TEXT, text_matches
from handlers.router import Router

__all__ = ["build_router"]

#: Greetings and requests for help show the menu instead of searching the FAQ.
MENU_WORDS = r"(?:hi|hello|嗨|哈囉|你好|您好|安安|選單|主選單|menu|help|說明|功能|幫助|開始|\?|？)[!！。.~]*"


def build_router() -> Router:
    router = Router()
    # Conversation starters.
    router.add(FOLLOW, greeting.on_follow)
    # Taps on buttons we sent.
    router.add(POSTBACK("faq"), faq.on_suggestion)
    router.add(POSTBACK("town"), faq.on_town_choice)
    router.add(POSTBACK("fb"), faq.on_feedback)
    router.add(POSTBACK("none"), faq.on_none_of_these)
    # In groups and rooms, only messages addressed to the assistant are answered.
    router.add(IN_GROUP & ~ADDRESSED, lambda ctx: None)
    # Typed text.
    router.add(TEXT & text_matches(MENU_WORDS), greeting.on_menu)
    router.add(TEXT, faq.on_question)
    # Everything we cannot read yet.
    router.add(MEDIA, greeting.on_media)
    return router
