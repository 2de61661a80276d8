"""我的資料 shows what is stored; 刪除我的資料 (confirmed) leaves nothing of the user behind."""
from __future__ import annotations

from sqlalchemy import inspect, text

from tests.utils.chat import Bot, quick_replies, text_of
from tests.utils.forms import USER, fill


def test_my_data_lists_what_is_stored(bot: Bot) -> None:
    fill(bot, "自我評估")
    bot.say("送出", user_id=USER)
    shown = text_of(bot.say("我的資料", user_id=USER))
    assert "數位群聚成員基本資料表" in shown and "已送出" in shown
    assert "boss@example.com" in shown and "0912-345-678" in shown


def test_erase_needs_confirmation_then_removes_every_trace(bot: Bot) -> None:
    fill(bot, "自我評估")
    bot.say("送出", user_id=USER)
    bot.say("勞保費率怎麼算", user_id=USER)  # an unanswered-question record
    ask = bot.say("刪除我的資料", user_id=USER)
    assert "確定" in text_of(ask)
    with bot.services.db.session() as session:
        assert session.execute(text("SELECT count(*) FROM form_sessions")).scalar() == 1  # nothing deleted yet
    confirm = next(i for i in quick_replies(ask[0]) if i["action"]["label"] == "確定刪除")
    assert "已刪除" in text_of(bot.tap(confirm, user_id=USER))
    engine = bot.services.db.engine
    with engine.connect() as connection:
        for table in inspect(engine).get_table_names():
            for column in inspect(engine).get_columns(table):
                if str(column["type"]).upper().startswith(("VARCHAR", "TEXT", "JSON", "STRING")):
                    hits = connection.execute(
                        text(f'SELECT count(*) FROM "{table}" WHERE CAST("{column["name"]}" AS TEXT) LIKE :needle'),
                        {"needle": f"%{USER}%"},
                    ).scalar()
                    assert hits == 0, (table, column["name"])
                    for secret in ("04595257", "boss@example.com", "0912-345-678"):
                        found = connection.execute(
                            text(f'SELECT count(*) FROM "{table}" WHERE CAST("{column["name"]}" AS TEXT) LIKE :needle'),
                            {"needle": f"%{secret}%"},
                        ).scalar()
                        assert found == 0, (table, column["name"], secret)
    export = bot.client.get("/admin/api/self-assessments.csv", headers={"Authorization": "Bearer test-admin-token"})
    assert "04595257" not in export.text
