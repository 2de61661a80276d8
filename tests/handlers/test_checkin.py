"""月報 by chat, subscriptions, and /公告 for staff."""
from __future__ import annotations

from datetime import datetime

from fastapi.testclient import TestClient

from bot.app import create_app
from bot.dev import line_events
from bot.services import Services
from db import clusters, users
from db.models import Cluster, Evidence, FormSession, Subscription
from knowledge.labels import TAIPEI
from tests.utils.chat import Bot, quick_replies, text_of

LEADER = "U" + "d" * 32
STAFF = "U" + "e" * 32


def make_cluster(bot: Bot) -> None:
    with bot.services.db.session() as session:
        cluster = Cluster(code="PQRSTU", name="竹山光采群聚", class_="A", type="觀光休閒合作", leader_user_id=LEADER)
        session.add(cluster)
        session.flush()
        clusters.add_kpi(session=session, cluster_id=cluster.id, name="體驗遊程人次", target=500, unit="人次")
        users.get_or_create_user(session=session, line_user_id=LEADER).cluster_id = cluster.id


def checkin(bot: Bot, answers: list[str]) -> list[dict]:
    messages = bot.say("月報", user_id=LEADER)
    assert "第 1/" in text_of(messages), text_of(messages)
    for answer in answers:
        messages = bot.say(answer, user_id=LEADER)
    return messages


def test_monthly_checkin_with_a_restart_and_the_standing_report(bot: Bot, settings) -> None:  # type: ignore[no-untyped-def]
    bot.services.clock.set(datetime(2026, 7, 20, 10, 0, tzinfo=TAIPEI))
    make_cluster(bot)
    # July: 2 meetings, 1 workshop (digital), 0 visits, progress 30%, KPI 120 — then a restart mid-form.
    messages = checkin(bot, ["2", "1", "1"])
    assert "跨群聚交流參訪" in text_of(messages)
    fresh = Services.build(settings, clock=bot.services.clock)
    with TestClient(create_app(settings, services=fresh)) as client:
        again = Bot(client, bot.standin, fresh)
        messages = again.say("0", user_id=LEADER)  # visits
        assert "累計完成" in text_of(messages)
        for answer in ["30", "120", "略過", "略過", "略過"]:
            messages = again.say(answer, user_id=LEADER)
        assert any(m["type"] == "flex" for m in messages)
        assert "送出" in [i["action"]["label"] for i in quick_replies(messages[-1])]
        report = text_of(again.say("送出", user_id=LEADER))
    # Hand count: meetings 2/4, workshops 1/3, digital 1/1, visits 0/1, KPI 120/500; 7/31 needs 35%, at 30%.
    assert "群聚討論會議：2次（至少 4次）" in report
    assert "研習：1場（至少 3場）" in report
    assert "✅ 其中數位方式研習：1場" in report
    assert "跨群聚交流參訪還差 1場" in report
    assert "體驗遊程人次：120人次 / 目標 500人次" in report
    assert "期中查核（7/31）前要到 35%，還差 5%" in report


def test_second_month_accumulates(bot: Bot) -> None:
    make_cluster(bot)
    for month, answers in ((6, ["2", "2", "1", "1", "20", "100"]), (7, ["2", "1", "0", "0", "40", "50"])):
        bot.services.clock.set(datetime(2026, month, 26, 10, 0, tzinfo=TAIPEI))
        checkin(bot, answers + ["略過", "略過", "略過"])
        report = text_of(bot.say("送出", user_id=LEADER))
    assert "共 2 次回報" in report
    assert "✅ 群聚討論會議：4次" in report and "✅ 研習：3場" in report
    assert "體驗遊程人次：150人次" in report
    assert "累計工作進度：40%" in report and "期中查核（7/31）目標 35%，已達標" in report
    assert "👍" in report and "需要加把勁" not in report


def test_photos_are_kept_as_evidence(bot: Bot) -> None:
    bot.services.clock.set(datetime(2026, 7, 20, 10, 0, tzinfo=TAIPEI))
    make_cluster(bot)
    messages = checkin(bot, ["1", "1", "0", "0", "10", "5", "略過", "略過"])
    assert "照片" in text_of(messages)
    image = line_events.message_event(line_events.MEDIA_MESSAGES["image"], user_id=LEADER)
    assert "第 1 張" in text_of(bot.send(image))
    summary = bot.say("完成", user_id=LEADER)
    assert any(m["type"] == "flex" for m in summary)
    assert "送出" in [i["action"]["label"] for i in quick_replies(summary[-1])]
    with bot.services.db.session() as session:
        evidence = session.query(Evidence).all()
        assert len(evidence) == 1 and evidence[0].data and evidence[0].data.startswith(b"\x89PNG")


def test_subscribe_by_chat_and_my_reminders(bot: Bot) -> None:
    user = "U" + "f" * 32
    first = bot.say("訂閱", user_id=user)
    a_class = next(i for i in quick_replies(first[0]) if i["action"]["label"] == "數位群聚 A類")
    roles = bot.tap(a_class, user_id=user)
    leader = next(i for i in quick_replies(roles[0]) if i["action"]["label"] == "領導企業")
    done = bot.tap(leader, user_id=user)
    assert "已訂閱：數位群聚 A類（領導企業）" in text_of(done)
    assert "數位群聚 A類（領導企業）" in text_of(bot.say("我的提醒", user_id=user))
    with bot.services.db.session() as session:
        assert session.query(Subscription).filter_by(line_user_id=user, role="leader", class_="A").count() == 1
    assert "已取消全部提醒" in text_of(bot.say("取消訂閱", user_id=user))


def test_staff_role_needs_a_staff_id(bot: Bot) -> None:
    user = "U" + "f" * 32
    reply = bot.tap({"action": {"type": "postback", "data": "v=1&a=sub&p=digital_cluster&c=&r=staff"}}, user_id=user)
    assert "管理員" in text_of(reply)


def test_notice_command_is_only_for_staff(bot: Bot) -> None:
    assert "只開放計畫同仁" in text_of(bot.say("/公告", user_id=LEADER))


def test_staff_compose_preview_confirm_and_send(settings, standin) -> None:  # type: ignore[no-untyped-def]
    settings.staff_line_ids = STAFF
    services = Services.build(settings)
    with TestClient(create_app(settings, services=services)) as client:
        bot = Bot(client, standin, services)
        with services.db.session() as session:
            session.add(Subscription(line_user_id=LEADER, program="digital_cluster", class_="A", role="leader"))
            users.get_or_create_user(session=session, line_user_id=LEADER)
        bot.say("/公告", user_id=STAFF)
        bot.say("3/1 下午兩點線上說明會，歡迎參加", user_id=STAFF)
        audience = bot.say("數位群聚A類", user_id=STAFF)
        preview = bot.say("略過", user_id=STAFF)
        assert "預覽" in text_of(preview) and "共 1 位" in text_of(preview)
        assert standin.calls_to("/message/multicast") == []  # nothing is sent before the confirmation
        sent = bot.say("送出", user_id=STAFF)
        assert "已送出給 1 位" in text_of(sent)
        calls = standin.calls_to("/message/multicast")
        assert len(calls) == 1 and calls[0].body["to"] == [LEADER]
        assert audience


def test_leader_defines_kpis_by_chat_and_the_next_checkin_asks_for_them(bot: Bot) -> None:
    bot.services.clock.set(datetime(2026, 8, 20, 10, 0, tzinfo=TAIPEI))
    with bot.services.db.session() as session:
        session.add(Cluster(code="KPIAB2", name="鹿谷茶鄉群聚", class_="A", type="地方生活需求", leader_user_id=LEADER))
    assert "格式" in text_of(bot.say("新增指標 茶席", user_id=LEADER))
    assert "目標 300場次" in text_of(bot.say("新增指標 茶席體驗 300 場次", user_id=LEADER))
    assert "茶席體驗：目標 300場次" in text_of(bot.say("我的指標", user_id=LEADER))
    other = "U" + "o" * 32
    assert "領導企業" in text_of(bot.say("新增指標 亂加 1 次", user_id=other))
    messages = checkin(bot, ["1", "1", "1", "1", "50"])
    assert "茶席體驗" in text_of(messages) and "目標 300場次" in text_of(messages)


def test_staff_lock_submitted_forms_and_add_kpis_by_api(bot: Bot) -> None:
    auth = {"Authorization": "Bearer test-admin-token"}
    with bot.services.db.session() as session:
        session.add(Cluster(code="KPICD3", name="群聚", class_="B", type="商模數位創新", leader_user_id=LEADER))
        fs = FormSession(line_user_id=LEADER, form_id="dc_member", status="submitted")
        session.add(fs)
        session.flush()
        form_id = fs.id
    assert bot.client.post("/admin/api/clusters/KPICD3/kpis", json={"name": "新增會員", "target": 200, "unit": "人"}).status_code == 401
    response = bot.client.post("/admin/api/clusters/KPICD3/kpis", json={"name": "新增會員", "target": 200, "unit": "人"}, headers=auth)
    assert response.status_code == 201 and response.json()["target"] == 200
    assert bot.client.post(f"/admin/api/forms/{form_id}/lock", headers=auth).json()["locked"] is True
    assert "鎖定" in text_of(bot.say("自我評估", user_id=LEADER))


def test_a_photo_where_none_is_asked_is_acknowledged_once(bot: Bot) -> None:
    bot.services.clock.set(datetime(2026, 7, 20, 10, 0, tzinfo=TAIPEI))
    make_cluster(bot)
    checkin(bot, [])
    image = line_events.message_event(line_events.MEDIA_MESSAGES["image"], user_id=LEADER)
    reply = bot.send(image)
    assert [m["text"].count("不需要照片") for m in reply] == [1, 0]
    assert "第 1/" in reply[1]["text"]
