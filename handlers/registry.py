"""The one place where handlers are registered, in the order they are tried."""
from __future__ import annotations

from handlers import countdown, faq, greeting, handoff, kpis, privacy, subscriptions
from handlers.dialogs import chat as dialogs
from handlers.filters import (
    ADDRESSED,
    FOLLOW,
    IMAGE,
    IN_GROUP,
    MEDIA,
    POSTBACK,
    TEXT,
    Filter,
    text_matches,
)
from handlers.router import Router

__all__ = ["build_router"]

#: Asking for the menu shows it; greetings, thanks and the like are social turns the assistant
#: answers itself (knowledge/social.yaml), in the user's language.
MENU_WORDS = r"(?:選單|主選單|menu|help|說明|功能|幫助|開始|問問題|我要問問題|\?|？)[!！。.~]*"
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
    router.add(POSTBACK("ask"), faq.on_program_choice)
    router.add(POSTBACK("page"), dialogs.on_page)
    router.add(POSTBACK("form"), dialogs.on_form_postback)
    router.add(POSTBACK("date"), dialogs.on_form_date)
    router.add(POSTBACK("sub"), subscriptions.on_subscribe_step)
    router.add(POSTBACK("erase"), privacy.on_erase_confirmed)
    # In groups and rooms, only messages addressed to the assistant are answered.
    router.add(IN_GROUP & ~ADDRESSED, lambda ctx: None)
    # Personal-data rights come before everything else a user might be in the middle of.
    router.add(TEXT & ~IN_GROUP & text_matches(r"我的資料|查看我的資料|我的個資"), privacy.on_my_data)
    router.add(TEXT & ~IN_GROUP & text_matches(r"刪除我的資料|刪除我的個資|刪除資料|刪除個資"), privacy.on_erase_request)
    # Forms: start or resume one by name, join a cluster, or continue the one in progress.
    router.add(TEXT & ~IN_GROUP & text_matches(dialogs.JOIN.pattern), dialogs.on_join_cluster)
    router.add(TEXT & ~IN_GROUP & FORM_TRIGGER, dialogs.on_start_form)
    router.add(TEXT & ~IN_GROUP & LIVE_FORM, dialogs.on_form_text)
    router.add(TEXT & ~IN_GROUP & text_matches(kpis.ADD_KPI), kpis.on_add_kpi)
    router.add(TEXT & ~IN_GROUP & text_matches(kpis.LIST_KPIS), kpis.on_list_kpis)
    router.add(IMAGE & ~IN_GROUP & LIVE_FORM, dialogs.on_form_image)
    router.add(MEDIA & ~IN_GROUP & LIVE_FORM, dialogs.on_form_media)
    router.add(TEXT & ~IN_GROUP & text_matches(r"繼續|繼續填|繼續填寫"), dialogs.on_resume)
    # Reminders and the calendar.
    router.add(TEXT & ~IN_GROUP & text_matches(r"(我要)?訂閱(提醒)?|訂閱截止日提醒"), subscriptions.on_subscribe)
    router.add(TEXT & ~IN_GROUP & text_matches(r"取消訂閱|取消提醒|不要提醒"), subscriptions.on_unsubscribe)
    router.add(TEXT & ~IN_GROUP & text_matches(r"我的提醒|我的訂閱|提醒設定"), subscriptions.on_my_reminders)
    router.add(TEXT & text_matches(countdown.COUNTDOWN), countdown.on_countdown)
    # A person: asking for one, going back, and quiet while one is on the way.
    router.add(TEXT & ~IN_GROUP & text_matches(handoff.LEAVE), handoff.on_leave)
    router.add(TEXT & ~IN_GROUP & handoff.WANTS_PERSON, handoff.on_request)
    # Typed text.
    router.add(TEXT & text_matches(MENU_WORDS), greeting.on_menu)
    router.add((TEXT | MEDIA) & ~IN_GROUP & handoff.IN_HANDOFF, handoff.on_message)
    router.add(TEXT, faq.on_question)
    # Everything we cannot read yet.
    router.add(MEDIA, greeting.on_media)
    return router
