"""「找專人」: a user asks for a person, staff answer from the console, the assistant keeps quiet
meanwhile, and comes back when staff close it, the user leaves, or nobody answered in time."""
from __future__ import annotations

import asyncio
import re
from datetime import timedelta

from bot.dev import line_events
from db.models import Handoff, HandoffMessage
from tests.utils.chat import Bot, quick_replies, text_of
from tests.utils.staff import login_as

USER = "U" + "7" * 32
STAFF = "U" + "5" * 32


def _pushes_to(bot: Bot, user: str) -> list[str]:
    return [m.get("text", "") for c in bot.standin.calls if c.path.endswith(("/push", "/multicast"))
            and (c.body.get("to") == user or user in (c.body.get("to") or []))
            for m in c.body["messages"]]


def _open(bot: Bot) -> int:
    bot.services.settings.staff_line_ids = STAFF
    bot.say("B類截止是哪天？", user_id=USER)
    opened = bot.say("找專人", user_id=USER)
    text = text_of(opened)
    assert "計畫同仁" in text and "服務時間" in text and "📞" in text
    assert "回到小幫手" in [i["action"]["label"] for i in quick_replies(opened[-1])]
    with bot.services.db.session() as session:
        return session.query(Handoff).filter_by(line_user_id=USER, status="open").one().id


def test_a_full_handoff_from_request_to_reply_to_the_assistant_coming_back(bot: Bot) -> None:
    handoff_id = _open(bot)
    alerts = _pushes_to(bot, STAFF)
    assert len(alerts) == 1 and f"#{handoff_id}" in alerts[0] and "B類截止是哪天" in alerts[0]
    bot.say("找專人", user_id=USER)  # asking again does not alert staff again
    assert len(_pushes_to(bot, STAFF)) == 1
    quiet = bot.say("我想問經費可以買電腦嗎？", user_id=USER)
    assert quiet == []  # the assistant does not answer: staff will
    csrf = login_as(bot, "editor")
    page = bot.client.get(f"/admin/handoffs/{handoff_id}").text
    assert "我想問經費可以買電腦嗎？" in page and "B類截止是哪天" in page
    bot.client.post(f"/admin/handoffs/{handoff_id}/take", data={"csrf": csrf})
    sent = bot.client.post(f"/admin/handoffs/{handoff_id}/reply", data={"csrf": csrf, "text": "可以的，電腦屬於設備費。"})
    assert sent.status_code == 200
    assert _pushes_to(bot, USER) == ["可以的，電腦屬於設備費。"]
    bot.client.post(f"/admin/handoffs/{handoff_id}/close", data={"csrf": csrf})
    bot.client.post(f"/admin/handoffs/{handoff_id}/close", data={"csrf": csrf})  # a double click closes once
    back = _pushes_to(bot, USER)
    assert len(back) == 2 and "小幫手回來了" in back[1]
    assert "3月7日" in text_of(bot.say("A類截止是哪天？", user_id=USER))


def test_forms_and_the_menu_still_work_while_waiting_for_a_person(bot: Bot) -> None:
    _open(bot)
    assert "同意" in text_of(bot.say("自我評估", user_id=USER))
    bot.say("不同意", user_id=USER)
    assert "截止日期" in [i["action"]["label"] for i in quick_replies(bot.say("選單", user_id=USER)[-1])]


def test_the_user_can_go_back_to_the_assistant(bot: Bot) -> None:
    handoff_id = _open(bot)
    assert "小幫手回來了" in text_of(bot.say("回到小幫手", user_id=USER))
    with bot.services.db.session() as session:
        assert session.get(Handoff, handoff_id).closed_reason == "user"  # type: ignore[union-attr]


def test_without_a_staff_reply_in_time_the_assistant_takes_over_again(bot: Bot) -> None:
    handoff_id = _open(bot)
    bot.services.clock.set(bot.services.clock.now() + timedelta(minutes=31))
    answered = text_of(bot.say("A類截止是哪天？", user_id=USER))
    assert "同仁暫時沒能回覆" in answered and "3月7日" in answered
    with bot.services.db.session() as session:
        assert session.get(Handoff, handoff_id).closed_reason == "timeout"  # type: ignore[union-attr]


def test_the_clock_closes_forgotten_handoffs_and_tells_the_user(bot: Bot) -> None:
    from bot.clock import Ticker
    from bot.line.client import LineClient

    handoff_id = _open(bot)
    bot.services.clock.set(bot.services.clock.now() + timedelta(minutes=45))

    async def tick() -> None:
        line = LineClient(bot.services.settings)
        try:
            await Ticker(bot.services.db, line, bot.services.settings, bot.services.clock).tick()
        finally:
            await line.close()

    asyncio.run(tick())
    with bot.services.db.session() as session:
        assert session.get(Handoff, handoff_id).status == "closed"  # type: ignore[union-attr]
    assert any("同仁暫時沒能回覆" in t for t in _pushes_to(bot, USER))


def test_a_user_who_deleted_their_data_or_blocked_closes_cleanly(bot: Bot) -> None:
    handoff_id = _open(bot)
    bot.post(line_events.unfollow_event(USER))
    with bot.services.db.session() as session:
        assert session.get(Handoff, handoff_id).closed_reason == "blocked"  # type: ignore[union-attr]
    csrf = login_as(bot, "editor")
    refused = bot.client.post(f"/admin/handoffs/{handoff_id}/reply", data={"csrf": csrf, "text": "還在嗎？"})
    assert "已經結束" in refused.text or "封鎖" in refused.text
    assert _pushes_to(bot, USER) == []
    bot.post(line_events.follow_event(USER))
    second = _open(bot)
    ask = bot.say("刪除我的資料", user_id=USER)
    confirm = next(i for i in quick_replies(ask[0]) if i["action"]["label"] == "確定刪除")
    bot.tap(confirm, user_id=USER)
    with bot.services.db.session() as session:
        assert session.query(Handoff).filter_by(line_user_id=USER).count() == 0
        assert session.query(HandoffMessage).count() == 0
    assert bot.client.get(f"/admin/handoffs/{second}").status_code == 404


def test_a_staff_reply_becomes_a_knowledge_draft_in_one_step(bot: Bot) -> None:
    handoff_id = _open(bot)
    csrf = login_as(bot, "editor")
    page = bot.client.post(f"/admin/handoffs/{handoff_id}/reply", data={
        "csrf": csrf, "text": "停車可以停在老街口的公有停車場。", "save_entry": "1", "question": "活動時要停哪裡？",
        "entry_id": "dc-parking", "program": "digital_cluster"})
    assert re.search(r"已存成知識條目草稿.*dc-parking", page.text)
    draft = bot.client.get("/admin/knowledge/entry/dc-parking").text
    assert "活動時要停哪裡？" in draft and "公有停車場" in draft


def test_the_api_replies_and_closes_with_a_token(bot: Bot) -> None:
    handoff_id = _open(bot)
    auth = {"Authorization": "Bearer test-admin-token"}
    listed = bot.client.get("/admin/api/handoffs?status=open", headers=auth).json()
    assert [h["id"] for h in listed] == [handoff_id]
    assert bot.client.post(f"/admin/api/handoffs/{handoff_id}/reply", json={"text": "您好，我是承辦人。"},
                           headers=auth).status_code == 200
    assert bot.client.post(f"/admin/api/handoffs/{handoff_id}/close", headers=auth).json() == {"id": handoff_id,
                                                                                               "closed": True}
    assert _pushes_to(bot, USER)[0] == "您好，我是承辦人。"
    assert bot.client.post(f"/admin/api/handoffs/{handoff_id}/reply", json={"text": "再一句"}, headers=auth).status_code == 409
