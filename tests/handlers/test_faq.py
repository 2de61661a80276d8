"""The FAQ in the chat: signed webhooks in, LINE-valid replies out, as a user meets them."""
from __future__ import annotations

from datetime import datetime

import pytest

from db import calendar, questions
from knowledge.labels import TAIPEI
from tests.utils import openapi
from tests.utils.chat import Bot, quick_replies, text_of


def replies_are_valid(bot: Bot) -> None:
    for call in bot.standin.replies():
        assert openapi.errors(call.body, "ReplyMessageRequest") == [], call.body


def test_two_questions_in_one_message_get_two_messages_in_order(bot: Bot) -> None:
    messages = bot.say("群聚簽約後中途放棄會被停權幾年？那國際聯盟簽約後不執行呢？")
    assert len(messages) == 2
    assert "2年" in messages[0]["text"] and "1年" in messages[1]["text"]
    labels = [i["action"]["label"] for i in quick_replies(messages[-1])]
    assert "👍 有幫助" in labels  # the buttons ride on the last message, where LINE shows them
    replies_are_valid(bot)


def test_english_question_gets_english_answer_and_english_buttons(bot: Bot) -> None:
    messages = bot.say("When is the deadline for Category A?")
    assert "March 7, 2023" in messages[0]["text"]
    labels = [i["action"]["label"] for i in quick_replies(messages[-1])]
    assert "👍 Helpful" in labels and "👎 Not helpful" in labels
    thumbs_down = next(i for i in quick_replies(messages[-1]) if "Not helpful" in i["action"]["label"])
    assert "Sorry" in text_of(bot.tap(thumbs_down))
    replies_are_valid(bot)


def test_thanks_gets_a_warm_reply_not_the_fallback(bot: Bot) -> None:
    reply = text_of(bot.say("謝謝"))
    assert "不客氣" in reply and "沒有把握" not in reply
    with bot.services.db.session() as session:
        assert questions.list_unanswered(session=session) == []


def test_greeting_shows_the_menu_in_the_users_language(bot: Bot) -> None:
    zh = bot.say("你好")
    assert "截止日期" in [i["action"]["label"] for i in quick_replies(zh[-1])]
    en = bot.say("Hello")
    assert "Deadlines" in [i["action"]["label"] for i in quick_replies(en[-1])]
    replies_are_valid(bot)


def test_a_complaint_is_logged_as_unhelpful_with_the_previous_answer(bot: Bot) -> None:
    bot.say("A類截止是哪天？")
    reply = text_of(bot.say("你答錯了"))
    assert "抱歉" in reply and "2553-3988" in reply
    with bot.services.db.session() as session:
        rows = questions.list_unanswered(session=session)
    assert rows[0].reason == "complaint" and rows[0].entry_id == "dc-deadline-a"


def test_asking_for_a_person_gives_the_contact_window_now(bot: Bot) -> None:
    reply = text_of(bot.say("轉真人"))
    assert "2553-3988" in reply and "198@cisanet.org.tw" in reply


def test_near_miss_year_is_honest_and_logged_for_staff(bot: Bot) -> None:
    reply = text_of(bot.say("115年A類截止是哪天"))
    assert "112年" in reply and "2553-3988" in reply
    with bot.services.db.session() as session:
        assert questions.list_unanswered(session=session)[0].reason == "year"


def test_a_staff_calendar_edit_changes_the_answer(bot: Bot) -> None:
    with bot.services.db.session() as session:
        calendar.upsert_milestone(
            session=session, id="dc115-deadline-a", program="digital_cluster", year=115, title="A類提案申請截止",
            at=datetime(2099, 3, 9, 17, 0, tzinfo=TAIPEI), classes=["A"],
        )
    bot.services.assistant.milestones.ttl = 0  # type: ignore[attr-defined]  # read the calendar now
    reply = text_of(bot.say("A類截止是哪天？"))
    assert "112年3月7日" in reply and "188年3月9日" in reply


def test_program_choice_postback_answers_for_that_program(bot: Bot) -> None:
    from bot.dev import line_events
    from bot.line import postback

    data = postback.encode("ask", {"q": "截止是哪天", "p": "intl_alliance"})
    reply = text_of(bot.send(line_events.postback_event(data)))
    assert "3月6日" in reply


@pytest.mark.parametrize("message", ["", "   ", "🙂🙂🙂", "<script>alert(1)</script>", "啊" * 500, "問" * 4999])
def test_odd_messages_get_a_polite_reply(bot: Bot, message: str) -> None:
    messages = bot.say(message)
    assert messages and all(m["text"] for m in messages)
    replies_are_valid(bot)
