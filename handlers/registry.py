"""The one place where handlers are registered, in the order they are tried."""
from __future__ import annotations

from handlers import dialogs, faq, greeting
from handlers.filters import ADDRESSED, FOLLOW, IN_GROUP, MEDIA, POSTBACK, TEXT, Filter, text_matches
from handlers.router import Router

__all__ = ["build_router"]

#: Greetings and requests for help show the menu instead of searching the FAQ.
MENU_WORDS = r"(?:hi|hello|嗨|哈囉|你好|您好|安安|選單|主選單|menu|help|說明|功能|幫助|開始|\?|？)[!！。.~]*"
FORM_TRIGGER = Filter(lambda c: dialogs.form_for(c.text) is not None, "form_trigger")
LIVE_FORM = Filter(dialogs.has_live_form, "live_form")


def build_router() -> Router:
    router = Router()
    # Conversation starters.
    router.add(FOLLOW, greeting.on_follow)
    # Taps on buttons we sent.
    router.add(POSTBACK("faq"), faq.on_suggestion)
    router.add(POSTBACK("town"), faq.on_town_choice)
    router.add(POSTBACK("fb"), faq.on_feedback)
    router.add(POSTBACK("none"), faq.on_none_of_these)
    router.add(POSTBACK("page"), dialogs.on_page)
    router.add(POSTBACK("form"), dialogs.on_form_postback)
    # In groups and rooms, only messages addressed to the assistant are answered.
    router.add(IN_GROUP & ~ADDRESSED, lambda ctx: None)
    # Forms: start or resume one by name, join a cluster, or continue the one in progress.
    router.add(TEXT & ~IN_GROUP & text_matches(dialogs.join_pattern()), dialogs.on_join_cluster)
    router.add(TEXT & ~IN_GROUP & FORM_TRIGGER, dialogs.on_start_form)
    router.add(TEXT & ~IN_GROUP & LIVE_FORM, dialogs.on_form_text)
    router.add(TEXT & ~IN_GROUP & text_matches(r"繼續|繼續填|繼續填寫"), dialogs.on_resume)
    # Typed text.
    router.add(TEXT & text_matches(MENU_WORDS), greeting.on_menu)
    router.add(TEXT, faq.on_question)
    # Everything we cannot read yet.
    router.add(MEDIA, greeting.on_media)
    return router
