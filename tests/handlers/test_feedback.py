"""有幫助/沒幫助, 「都不是」 and the fallback all leave something for staff to review."""
from __future__ import annotations

from bot.line import postback
from db import questions
from tests.utils.chat import Bot, quick_replies, text_of


def unanswered(bot: Bot) -> list:
    with bot.services.db.session() as session:
        return questions.list_unanswered(session=session)


def test_answers_offer_feedback_and_unhelpful_is_queued_for_review(bot: Bot) -> None:
    messages = bot.say("B類截止是哪天？")
    labels = [i["action"]["label"] for i in quick_replies(messages[-1])]
    assert "👍 有幫助" in labels and "👎 沒幫助" in labels
    thumbs_down = next(i for i in quick_replies(messages[-1]) if "沒幫助" in i["action"]["label"])
    reply = bot.tap(thumbs_down)
    assert "2553-3988" in text_of(reply)
    rows = unanswered(bot)
    assert rows and rows[0].reason == "unhelpful" and rows[0].text == "B類截止是哪天？"


def test_helpful_is_recorded_without_review(bot: Bot) -> None:
    messages = bot.say("B類截止是哪天？")
    thumbs_up = next(i for i in quick_replies(messages[-1]) if "有幫助" in i["action"]["label"])
    assert "謝謝" in text_of(bot.tap(thumbs_up))
    assert unanswered(bot) == []


def test_fallback_questions_are_stored_with_candidates(bot: Bot) -> None:
    reply = bot.say("公司尾牙要辦在哪裡比較熱鬧")
    assert "198@cisanet.org.tw" in text_of(reply)
    rows = unanswered(bot)
    assert rows[0].reason == "fallback" and rows[0].text == "公司尾牙要辦在哪裡比較熱鬧"
    assert len(rows[0].candidates) >= 1


def test_suggestion_tap_answers_that_entry(bot: Bot) -> None:
    data = postback.encode("faq", {"e": "dc-deadline-b"})
    reply = bot.tap({"action": {"type": "postback", "data": data}})
    assert "2月22日" in text_of(reply)


def test_stale_or_foreign_postbacks_are_answered_politely(bot: Bot) -> None:
    reply = bot.tap({"action": {"type": "postback", "data": postback.encode("faq", {"e": "no-such-entry"})}})
    assert "再問我一次" in text_of(reply)
    # Data from another version or another bot matches no handler and is ignored.
    assert bot.tap({"action": {"type": "postback", "data": "v=0&a=faq"}}) == []
    assert bot.tap({"action": {"type": "postback", "data": "%%%"}}) == []


def test_ambiguous_town_choice_round_trip(bot: Bot) -> None:
    messages = bot.say("東區是第幾分群？")
    items = quick_replies(messages[0])
    assert len(items) == 4
    tainan = next(i for i in items if i["action"]["label"] == "臺南市東區")
    assert "分群1" in text_of(bot.tap(tainan))


def test_follow_up_context_survives_between_webhooks(bot: Bot) -> None:
    bot.say("A類截止是哪天？")
    assert "2月22日" in text_of(bot.say("那B類呢？"))
