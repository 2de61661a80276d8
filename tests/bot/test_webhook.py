"""The webhook as LINE drives it: signatures, every event type, groups, and the replies LINE gets."""
from __future__ import annotations

import pytest

from bot.dev import line_events
from tests.utils import openapi
from tests.utils.chat import Bot, quick_replies, text_of


def test_health(bot: Bot) -> None:
    assert bot.client.get("/healthz").status_code == 200


def test_valid_signature_gets_a_reply_delivered_to_line(bot: Bot) -> None:
    messages = bot.say("A類截止是哪天？")
    assert "3月7日" in text_of(messages) and "17:00" in text_of(messages)
    call = bot.standin.replies()[-1]
    assert call.headers == {} or "x-line-retry-key" not in call.headers


@pytest.mark.parametrize(
    "headers",
    [
        {},  # missing header
        {"X-Line-Signature": "bm90IGEgcmVhbCBzaWduYXR1cmU="},  # forged
        {"X-Line-Signature": ""},
    ],
)
def test_unsigned_or_forged_requests_are_rejected_and_not_processed(bot: Bot, headers: dict) -> None:
    body = line_events.payload(line_events.text_event("A類截止是哪天？"))
    response = bot.client.post("/callback", content=body, headers=headers)
    assert response.status_code == 400
    assert bot.standin.replies() == []


def test_signature_with_another_secret_is_rejected(bot: Bot) -> None:
    response = bot.post(line_events.text_event("hi"), secret="someone-elses-secret")
    assert response.status_code == 400
    assert bot.standin.replies() == []


@pytest.mark.parametrize("body", [b"not json", b"{}", b'{"events": "nope"}', b"\xff\xfe", b"[]"])
def test_garbage_body_with_valid_signature_is_400(bot: Bot, body: bytes) -> None:
    response = bot.client.post("/callback", content=body, headers={"X-Line-Signature": line_events.sign(body, "test-channel-secret")})
    assert response.status_code == 400
    assert "Traceback" not in response.text


def test_empty_event_list_is_a_verification_ping(bot: Bot) -> None:
    assert bot.post().status_code == 200


def test_follow_greets_with_a_topic_menu(bot: Bot) -> None:
    messages = bot.send(line_events.follow_event())
    assert len(messages) == 1
    assert "小幫手" in messages[0]["text"]
    labels = [item["action"]["label"] for item in quick_replies(messages[0])]
    assert "截止日期" in labels and "查鄉鎮分群" in labels
    # Tapping a menu item asks a real question and gets a real answer.
    answer = bot.tap(next(i for i in quick_replies(messages[0]) if i["action"]["label"] == "截止日期"))
    assert "3月7日" in text_of(answer) and "2月22日" in text_of(answer)


@pytest.mark.parametrize("kind", sorted(line_events.MEDIA_MESSAGES))
def test_media_messages_get_a_friendly_line(bot: Bot, kind: str) -> None:
    messages = bot.send(line_events.message_event(line_events.MEDIA_MESSAGES[kind]))
    assert len(messages) == 1
    assert "文字" in messages[0]["text"]


def test_unknown_event_types_are_ignored(bot: Bot) -> None:
    weird = {"type": "somethingNew", "mode": "active", "timestamp": 1, "source": {"type": "user", "userId": "U1"},
             "webhookEventId": "01WEIRD", "deliveryContext": {"isRedelivery": False}}
    response = bot.post(weird, line_events.text_event("B類截止？"))
    assert response.status_code == 200
    assert "2月22日" in text_of([m for c in bot.standin.replies() for m in c.body["messages"]])


def test_unfollow_is_accepted_without_reply(bot: Bot) -> None:
    assert bot.post(line_events.unfollow_event()).status_code == 200
    assert bot.standin.replies() == []


def test_group_chatter_is_left_alone_but_a_mention_is_answered(bot: Bot) -> None:
    assert bot.say("大家明天幾點集合？", source="group") == []
    messages = bot.say("助理 A類截止是哪天", source="group")
    assert "3月7日" in text_of(messages)
    mention = line_events.text_event("@小幫手 B類截止是哪天", source="room")
    mention["message"]["mention"] = {"mentionees": [{"index": 0, "length": 4, "type": "user", "userId": "Ubot", "isSelf": True}]}
    assert "2月22日" in text_of(bot.send(mention))


def test_redelivered_event_is_processed_once(bot: Bot) -> None:
    event = line_events.text_event("A類截止是哪天？")
    bot.post(event)
    event = dict(event, deliveryContext={"isRedelivery": True})
    bot.post(event)
    assert len(bot.standin.replies()) == 1


def test_standby_events_get_no_reply(bot: Bot) -> None:
    event = line_events.text_event("A類截止是哪天？")
    event["mode"] = "standby"
    bot.post(event)
    assert bot.standin.replies() == []


def test_everything_sent_conforms_to_the_messaging_api_spec(bot: Bot) -> None:
    bot.send(line_events.follow_event())
    # …including near ties, whose two rules go out in one text («B類輔導面向…», «What is…for?»).
    for text in ["A類截止是哪天？", "竹山鎮第幾分群？", "東區第幾分群", "明天會下雨嗎", "評分", "影片", "你好",
                 "B類輔導面向的配分是幾%", "What is the international theme alliance program actually for?"]:
        bot.say(text)
    bot.send(line_events.message_event(line_events.MEDIA_MESSAGES["sticker"]))
    calls = bot.standin.replies()
    assert len(calls) >= 8
    for call in calls:
        assert openapi.errors(call.body, "ReplyMessageRequest") == [], call.body
        for message in call.body["messages"]:
            assert len(message.get("text", "")) <= 5000
            items = quick_replies(message)
            assert len(items) <= 13
            for item in items:
                assert len(item["action"]["label"]) <= 20
                assert len(item["action"].get("data", "")) <= 300


def test_rejected_reply_token_falls_back_to_push_once(bot: Bot) -> None:
    bot.standin.fail_next("/message/reply", 400)
    event = line_events.text_event("B類截止是哪天？")
    bot.post(event)
    pushes = bot.standin.calls_to("/message/push")
    assert len(pushes) == 1
    assert pushes[0].body["to"] == event["source"]["userId"]
    assert "2月22日" in pushes[0].body["messages"][0]["text"]
    assert pushes[0].headers.get("x-line-retry-key")


def test_a_reply_without_an_answer_is_asked_again_with_its_token_not_pushed(bot: Bot) -> None:
    """LINE answered 500 (or nothing): the reply may or may not have arrived. The same token is
    tried again — it either delivers now or is refused because the first one did — so the user
    gets the answer once, as a reply, and no push."""
    bot.standin.fail_next("/message/reply", 500)
    event = line_events.text_event("B類截止是哪天？")
    bot.post(event)
    replies = [c for c in bot.standin.replies() if c.body["replyToken"] == event["replyToken"]]
    assert len(replies) == 1 and "2月22日" in replies[0].body["messages"][0]["text"]
    assert bot.standin.calls_to("/message/push") == []


def test_a_reply_left_unanswered_twice_is_asked_again_later_with_its_token_not_pushed(bot: Bot) -> None:
    """LINE answered neither try (it was slow, or down): one of them may still have arrived, so
    nothing is pushed while the token lives; the next try settles it — delivered once, as a reply."""
    from bot.outbox import replies as outbox

    bot.standin.fail_next("/message/reply", 500, times=2)
    event = line_events.text_event("B類截止是哪天？")
    bot.post(event)
    assert bot.standin.replies() == [] and bot.standin.calls_to("/message/push") == []
    bot.services.settings.orphan_after_seconds = 0  # the recovery loop's next pass, now
    # The recovery loop's pass, run now on the app's own event loop (where its LINE client lives).
    assert bot.client.portal.call(outbox.recover, bot.services, bot.client.app.state.line) == 1  # type: ignore[union-attr]
    replies = [c for c in bot.standin.replies() if c.body["replyToken"] == event["replyToken"]]
    assert len(replies) == 1 and "2月22日" in replies[0].body["messages"][0]["text"]
    assert bot.standin.calls_to("/message/push") == []


def test_push_fallback_retries_server_errors(bot: Bot) -> None:
    bot.standin.fail_next("/message/reply", 400)
    bot.standin.fail_next("/message/push", 500)
    bot.post(line_events.text_event("B類截止是哪天？"))
    assert len(bot.standin.calls_to("/message/push")) == 1


def test_unfollow_stops_and_follow_restores(bot: Bot) -> None:
    from db.models import User

    user = "U" + "9" * 32
    bot.post(line_events.follow_event(user))
    bot.post(line_events.unfollow_event(user))
    with bot.services.db.session() as session:
        assert session.get(User, user).blocked is True  # type: ignore[union-attr]
    bot.post(line_events.follow_event(user))
    with bot.services.db.session() as session:
        assert session.get(User, user).blocked is False  # type: ignore[union-attr]


def test_events_of_one_payload_are_handled_in_timestamp_order(bot: Bot) -> None:
    first = line_events.text_event("A類截止是哪天？")
    second = line_events.text_event("那B類呢？")
    first["timestamp"] = second["timestamp"] - 1_000  # sent a second earlier
    bot.post(second, first)  # delivered out of order
    texts = [c.body["messages"][0]["text"] for c in bot.standin.replies()]
    assert "3月7日" in texts[0] and "2月22日" in texts[1]


def test_slow_work_shows_the_loading_animation(bot: Bot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from bot.webhook import dispatcher

    monkeypatch.setattr(dispatcher, "LOADING_AFTER_SECONDS", 0.0)  # every answer counts as slow
    original = bot.services.router.dispatch

    def slow(ctx):  # type: ignore[no-untyped-def]
        import time

        time.sleep(0.2)
        return original(ctx)

    monkeypatch.setattr(bot.services.router, "dispatch", slow)
    bot.say("A類截止是哪天？")
    loading = bot.standin.calls_to("/chat/loading/start")
    assert len(loading) == 1 and loading[0].body["chatId"] == "U" + "a" * 32
    assert openapi.errors(loading[0].body, "ShowLoadingAnimationRequest") == []
