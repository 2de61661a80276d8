"""Filling the official forms by chat, through signed webhooks, as a member or lead firm would."""
from __future__ import annotations

import asyncio
import csv
import io
import re

import pytest

from bot.app import create_app
from bot.dev import line_events
from bot.line.client import LineClient
from bot.services import Services
from bot.webhook.dispatcher import process_events, to_events
from bot.webhook.endpoint import raw_events
from db.models import FormAnswer, FormSession
from tests.utils.chat import Bot, quick_replies, text_of
from tests.utils.forms import (
    FORMS,
    LEADER,
    MEMBER,
    USER,
    answer,
    current_item,
    fill,
)


def sessions(bot: Bot) -> list[FormSession]:
    with bot.services.db.session() as session:
        return list(session.query(FormSession))


def stored(bot: Bot, fs_id: int) -> dict:
    with bot.services.db.session() as session:
        return {a.item_id: a.value for a in session.query(FormAnswer).filter_by(session_id=fs_id)}


def test_member_form_start_to_submit_and_the_export_shows_it(bot: Bot) -> None:
    messages = fill(bot, "自我評估")
    flex = next(m for m in messages if m["type"] == "flex")
    assert "O 12/12" in flex["altText"] and "E 9/9" in flex["altText"]
    assert "S 13/13" in flex["altText"] and "I 29/29" in flex["altText"]
    done = bot.say("送出", user_id=USER)
    assert "已送出" in text_of(done)
    response = bot.client.get("/admin/api/self-assessments.csv", headers={"Authorization": "Bearer test-admin-token"})
    assert response.status_code == 200
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, row = rows[0], rows[1]
    assert len(rows) == 2
    assert header.index("企業名稱") < header.index("統一編號") < header.index("O1 研習活動｜勾選與說明")
    assert row[header.index("統一編號")] == "04595257"
    assert row[header.index("O1 研習活動｜勾選與說明")] == "有（社區研習2場）"
    assert row[header.index("O1 研習活動｜指標積分")] == "1"
    assert row[header.index("組織凝聚力(O) 小計")] == "12"
    assert row[header.index("資訊加值力(I) 小計")] == "29"


def test_all_no_scores_zero_and_lists_what_to_improve(bot: Bot) -> None:
    messages = fill(bot, "自我評估", yes=False)
    flex = next(m for m in messages if m["type"] == "flex")
    assert "O 0/12" in flex["altText"] and "I 0/29" in flex["altText"]


def test_export_requires_the_staff_token(bot: Bot) -> None:
    assert bot.client.get("/admin/api/self-assessments.csv").status_code == 401
    assert bot.client.get("/admin/api/self-assessments.csv", headers={"Authorization": "Bearer wrong"}).status_code == 401
    xlsx = bot.client.get("/admin/api/self-assessments.xlsx", headers={"Authorization": "Bearer test-admin-token"})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_consent_refused_stores_nothing(bot: Bot) -> None:
    bot.say("自我評估", user_id=USER)
    reply = bot.say("不同意", user_id=USER)
    assert "不會記錄" in text_of(reply)
    assert sessions(bot) == []


def test_full_notice_is_available_before_consenting(bot: Bot) -> None:
    bot.say("自我評估", user_id=USER)
    reply = bot.say("看全文", user_id=USER)
    assert "個人資料" in text_of(reply) and len(text_of(reply)) <= 5000


def test_back_skip_pause_resume_edit_progress(bot: Bot) -> None:
    messages = fill(bot, "自我評估", stop_at=4)
    assert current_item(messages).id == MEMBER.items[3].id  # type: ignore[union-attr]
    messages = bot.say("上一題", user_id=USER)
    assert current_item(messages) == MEMBER.items[2]
    assert "目前的答案" in text_of(messages)
    assert "必填" in text_of(bot.say("略過", user_id=USER))
    paused = bot.say("暫停", user_id=USER)
    assert "暫存" in text_of(paused)
    assert sessions(bot)[0].status == "paused"
    # While paused the FAQ works normally.
    assert "3月7日" in text_of(bot.say("A類截止是哪天？", user_id=USER))
    resumed = bot.say("繼續", user_id=USER)
    assert current_item(resumed) == MEMBER.items[2]
    assert "第 3" in text_of(bot.say("進度", user_id=USER))
    edited = bot.say("修改 1", user_id=USER)
    assert current_item(edited) == MEMBER.items[0]
    after = bot.say("新群聚名", user_id=USER)
    assert current_item(after) == MEMBER.items[1]
    assert stored(bot, sessions(bot)[0].id)["cluster_name"] == "新群聚名"


def test_optional_items_can_be_skipped(bot: Bot) -> None:
    messages = fill(bot, "自我評估", stop_at=len(MEMBER.items))
    last = MEMBER.items[-1]
    assert not last.required and current_item(messages) == last
    summary = bot.say("略過", user_id=USER)
    assert any(m["type"] == "flex" for m in summary)


def test_cancel_needs_confirmation_and_deletes_answers(bot: Bot) -> None:
    fill(bot, "自我評估", stop_at=3)
    assert "確定" in text_of(bot.say("取消", user_id=USER))
    kept = bot.say("繼續填寫", user_id=USER)
    assert current_item(kept) == MEMBER.items[2]
    bot.say("取消", user_id=USER)
    assert "已取消" in text_of(bot.say("確定取消", user_id=USER))
    fs = sessions(bot)[0]
    assert fs.status == "cancelled" and stored(bot, fs.id) == {}


@pytest.mark.parametrize(
    ("item_id", "bad", "hint"),
    [("tax_id", "1234", "8 位數字"), ("tax_id", "12345678", "檢查碼"), ("company_phone", "hello", "電話"),
     ("founded_on", "去年", "日期"), ("employees", "很多", "數字")],
)
def test_invalid_answers_get_a_specific_reprompt_and_nothing_is_lost(bot: Bot, item_id: str, bad: str, hint: str) -> None:
    ids = [i.id for i in MEMBER.items]
    if item_id not in ids:
        item_id = next(i.id for i in MEMBER.items if i.type == {"tax_id": "tax_id", "company_phone": "phone",
                                                                 "founded_on": "date", "employees": "number"}[item_id])
    messages = fill(bot, "自我評估", stop_at=ids.index(item_id) + 1)
    assert current_item(messages).id == item_id  # type: ignore[union-attr]
    reply = bot.say(bad, user_id=USER)
    assert hint in text_of(reply)
    assert current_item(reply).id == item_id  # type: ignore[union-attr]
    fs = sessions(bot)[0]
    assert len(stored(bot, fs.id)) == ids.index(item_id)


def test_faq_question_mid_form_is_answered_then_the_question_repeats(bot: Bot) -> None:
    messages = fill(bot, "自我評估", stop_at=2)
    item = current_item(messages)
    reply = bot.say("A類截止是哪天？", user_id=USER)
    assert "3月7日" in text_of(reply)
    assert current_item(reply) == item


def test_long_option_lists_are_paginated_within_line_limits(bot: Bot) -> None:
    industry = next(i for i in MEMBER.items if i.type == "single" and len(i.options) > 13)
    messages = fill(bot, "自我評估", stop_at=MEMBER.index(industry.id) + 1)
    items = quick_replies(messages[-1])
    assert len(items) <= 13
    more = next(i for i in items if i["action"]["label"].startswith("更多"))
    page2 = bot.tap(more, user_id=USER)
    labels = [i["action"]["label"] for i in quick_replies(page2[-1])]
    assert any(label not in [i["action"]["label"] for i in items] for label in labels)
    assert current_item(page2) == industry
    reply = bot.say("其他：文化創意", user_id=USER)
    assert current_item(reply) != industry


def test_restart_mid_form_resumes_exactly_where_it_stopped(bot: Bot, settings) -> None:  # type: ignore[no-untyped-def]
    fill(bot, "自我評估", stop_at=6)
    fresh = Services.build(settings)
    from fastapi.testclient import TestClient

    with TestClient(create_app(settings, services=fresh)) as client:
        again = Bot(client, bot.standin, fresh)
        reply = again.say("進度", user_id=USER)
        assert "已填 5/" in text_of(reply)
        assert current_item(reply) == MEMBER.items[5]


def test_a_burst_of_concurrent_messages_cannot_corrupt_the_state(bot: Bot, settings, standin) -> None:  # type: ignore[no-untyped-def]
    fill(bot, "自我評估", stop_at=1)  # at question 1; questions 1–3 are free text
    assert all(item.type == "text" for item in MEMBER.items[:3])
    events = [line_events.text_event(f"答案{i}", user_id=USER) for i in range(3)]
    parsed = [to_events(raw_events(line_events.payload(e)))[0] for e in events]

    async def burst() -> None:
        line = LineClient(settings)
        try:
            await asyncio.gather(*(process_events([p], bot.services, line) for p in parsed))
        finally:
            await line.close()

    asyncio.run(burst())
    fs = sessions(bot)[0]
    answers = stored(bot, fs.id)
    # Three answers arrived at once: each went to the next question in turn, none lost or doubled.
    assert fs.position == 3
    assert sorted(answers[MEMBER.items[i].id] for i in range(3)) == ["答案0", "答案1", "答案2"]


def test_cluster_code_links_members_and_prefills_counts(bot: Bot) -> None:
    cluster_form = FORMS["dc_cluster"]
    messages = fill(bot, "群聚自評", form=cluster_form, user=LEADER, stop_at=cluster_form.index("cluster_type") + 2)
    found = re.search(r"群聚代碼：([A-Z0-9]{6})", text_of(messages))
    assert found, text_of(messages)
    bot.say("暫停", user_id=LEADER)
    joined = bot.say(f"加入群聚 {found.group(1)}", user_id=USER)
    assert "已加入" in text_of(joined)
    fill(bot, "自我評估")
    bot.say("送出", user_id=USER)
    bot.say("群聚自評", user_id=LEADER)
    messages = bot.say("進度", user_id=LEADER)
    while current_item(messages, cluster_form).type != "count_pair":  # type: ignore[union-attr]
        messages = answer(bot, messages, current_item(messages, cluster_form), LEADER)  # type: ignore[arg-type]
    assert "已送出的成員中有 1 家勾選「有」" in text_of(messages)
    assert "1 1" in [i["action"]["label"] for i in quick_replies(messages[-1])]


def test_submitted_form_can_be_reopened_until_locked(bot: Bot) -> None:
    fill(bot, "自我評估")
    bot.say("送出", user_id=USER)
    again = bot.say("自我評估", user_id=USER)
    reopen = next(i for i in quick_replies(again[-1]) if i["action"]["label"] == "修改答案")
    summary = bot.tap(reopen, user_id=USER)
    assert any(m["type"] == "flex" for m in summary)
    with bot.services.db.session() as session:
        fs = session.query(FormSession).one()
        fs.status, fs.locked = "submitted", True
    assert "鎖定" in text_of(bot.say("自我評估", user_id=USER))


def test_alliance_survey_walk_through(bot: Bot) -> None:
    survey = FORMS["ia_survey"]
    messages = fill(bot, "聯盟調查", form=survey)
    assert any(m["type"] == "flex" for m in messages)
    assert "已送出" in text_of(bot.say("送出", user_id=USER))
