"""Staff notices through the API: audiences, batching, retries and the delivery report."""
from __future__ import annotations

import asyncio

from sqlalchemy import insert, select

from bot.line.client import LineClient
from bot.outbox.delivery import Deliverer
from db.models import AuditLog, Cluster, Delivery, FormSession, Subscription, User
from tests.utils.chat import Bot

AUTH = {"Authorization": "Bearer test-admin-token"}


def add_users(bot: Bot, n: int, *, program: str = "digital_cluster", class_: str = "A", role: str = "member") -> list[str]:
    ids = [f"U{i:032d}" for i in range(n)]
    with bot.services.db.session() as session:
        session.execute(insert(User), [{"line_user_id": u} for u in ids])
        session.execute(insert(Subscription), [{"line_user_id": u, "program": program, "class_": class_, "role": role} for u in ids])
    return ids


def test_broadcast_api_requires_the_token(bot: Bot) -> None:
    assert bot.client.post("/admin/api/broadcasts", json={"text": "hi", "audience": "all"}).status_code == 401
    assert bot.client.get("/admin/api/broadcasts").status_code == 401
    assert bot.client.get("/admin/api/calendar").status_code == 401


def test_ten_thousand_recipients_go_out_in_batches_of_500(bot: Bot) -> None:
    add_users(bot, 10_000)
    response = bot.client.post("/admin/api/broadcasts", json={"text": "明天下午兩點說明會", "audience": "all"}, headers=AUTH)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["recipients"] == 10_000
    calls = bot.standin.calls_to("/message/multicast")
    assert len(calls) == 20
    assert all(len(c.body["to"]) <= 500 for c in calls)
    assert len({u for c in calls for u in c.body["to"]}) == 10_000
    assert len({c.headers["x-line-retry-key"] for c in calls}) == 20
    report = bot.client.get(f"/admin/api/broadcasts/{body['id']}", headers=AUTH).json()
    assert report["sent"] == 10_000 and report["failed"] == 0 and report["status"] == "done"


def test_audience_by_program_class_and_role(bot: Bot) -> None:
    a = add_users(bot, 3, class_="A", role="leader")
    with bot.services.db.session() as session:
        session.add(User(line_user_id="U" + "b" * 32))
        session.add(Subscription(line_user_id="U" + "b" * 32, program="digital_cluster", class_="B", role="member"))
    response = bot.client.post("/admin/api/broadcasts", headers=AUTH,
                               json={"text": "A類領導企業請注意", "audience": {"program": "digital_cluster", "class": "A", "role": "leader"}})
    assert response.json()["recipients"] == 3
    sent_to = {u for c in bot.standin.calls_to("/message/multicast") for u in c.body["to"]}
    assert sent_to == set(a)


def test_leaders_who_have_not_reported_this_month(bot: Bot) -> None:
    leaders = ["U" + c * 32 for c in "xyz"]
    with bot.services.db.session() as session:
        for i, leader in enumerate(leaders):
            session.add(User(line_user_id=leader))
            session.add(Cluster(code=f"CODE{i}X", name=f"群聚{i}", class_="A", type="觀光休閒合作", leader_user_id=leader))
        session.add(FormSession(line_user_id=leaders[0], form_id="checkin", status="submitted", pending={"month": "2026-11"}))
    response = bot.client.post("/admin/api/broadcasts", headers=AUTH,
                               json={"text": "請記得回報月報", "audience": {"not_reported": "2026-11"}})
    assert response.json()["recipients"] == 2
    sent_to = {u for c in bot.standin.calls_to("/message/multicast") for u in c.body["to"]}
    assert sent_to == set(leaders[1:])


def test_bad_requests_are_clear_errors(bot: Bot) -> None:
    for payload in [{"text": "", "audience": "all"}, {"text": "x", "audience": {"planet": "mars"}},
                    {"text": "x", "audience": {"program": "nope"}}, {"text": "x", "audience": "all", "link_url": "javascript:alert(1)"}]:
        response = bot.client.post("/admin/api/broadcasts", json=payload, headers=AUTH)
        assert response.status_code == 422, payload
        assert "Traceback" not in response.text


def test_link_button_notice_is_a_valid_flex_message(bot: Bot) -> None:
    add_users(bot, 2)
    bot.client.post("/admin/api/broadcasts", headers=AUTH,
                    json={"text": "說明會報名", "audience": "all", "link_url": "https://www.198.org.tw", "link_label": "立即報名"})
    message = bot.standin.calls_to("/message/multicast")[0].body["messages"][0]
    assert message["type"] == "flex" and message["altText"] == "說明會報名"
    from tests.utils import openapi

    assert openapi.errors({"to": ["U1"], "messages": [message]}, "MulticastRequest") == []


def test_429_with_retry_after_is_retried_and_recorded(bot: Bot, settings, standin) -> None:  # type: ignore[no-untyped-def]
    add_users(bot, 3)
    standin.fail_next("/message/multicast", 429, {"Retry-After": "1"})
    waits: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        waits.append(seconds)

    with bot.services.db.session() as session:
        from db import notices

        notice, _ = notices.create(session=session, text="重要通知", audience="all", actor="test")
        notice_id = notice.id

    async def go() -> None:
        line = LineClient(settings)
        try:
            await Deliverer(bot.services.db, line, sleep=fake_sleep).run(kind="notice", ref=str(notice_id))
        finally:
            await line.close()

    asyncio.run(go())
    assert waits == [1.0]
    calls = standin.calls_to("/message/multicast")
    assert len(calls) == 1  # the 429 was not recorded as a call by the stand-in; the retry went through
    with bot.services.db.session() as session:
        rows = session.scalars(select(Delivery).where(Delivery.ref == str(notice_id))).all()
        assert {r.status for r in rows} == {"sent"}


def test_permanent_failure_is_recorded_and_visible(bot: Bot, settings, standin) -> None:  # type: ignore[no-untyped-def]
    add_users(bot, 2)
    standin.fail_next("/message/multicast", 400)
    response = bot.client.post("/admin/api/broadcasts", json={"text": "x", "audience": "all"}, headers=AUTH)
    report = bot.client.get(f"/admin/api/broadcasts/{response.json()['id']}", headers=AUTH).json()
    assert report["failed"] == 2 and report["sent"] == 0


def test_409_counts_as_delivered(bot: Bot, settings, standin) -> None:  # type: ignore[no-untyped-def]
    add_users(bot, 2)
    standin.fail_next("/message/multicast", 409)
    response = bot.client.post("/admin/api/broadcasts", json={"text": "x", "audience": "all"}, headers=AUTH)
    report = bot.client.get(f"/admin/api/broadcasts/{response.json()['id']}", headers=AUTH).json()
    assert report["sent"] == 2


def test_broadcasts_are_audited(bot: Bot) -> None:
    add_users(bot, 1)
    bot.client.post("/admin/api/broadcasts", json={"text": "x", "audience": "all"}, headers=AUTH)
    with bot.services.db.session() as session:
        actions = [r.action for r in session.scalars(select(AuditLog))]
    assert "notice_created" in actions and "notice_delivered" in actions


def test_calendar_can_be_changed_without_a_deploy(bot: Bot) -> None:
    body = {"id": "dc115-deadline-a", "program": "digital_cluster", "year": 115, "title": "A類提案申請截止",
            "at": "2026-12-20T17:00:00", "what": "於線上提案系統送出", "classes": ["A"]}
    assert bot.client.put("/admin/api/calendar/dc115-deadline-a", json=body, headers=AUTH).status_code == 200
    calendar = bot.client.get("/admin/api/calendar", headers=AUTH).json()
    added = next(m for m in calendar if m["id"] == "dc115-deadline-a")
    assert added["at"].startswith("2026-12-20T17:00:00+08:00") and added["origin"] == "staff"
    reply = bot.say("A類還有幾天截止？")
    assert "A類提案申請截止" in reply[0]["text"] and "115/12/20" in reply[0]["text"]


def test_several_senders_at_once_send_each_recipient_once_within_the_rate(bot: Bot, settings, standin) -> None:  # type: ignore[no-untyped-def]
    """Two clocks (or a clock and the console's "send now") racing over one 6,000-recipient
    notice, each with four multicasts in flight, under a budget of 5 multicasts a second."""
    from db import notices

    add_users(bot, 6000)
    with bot.services.db.session() as session:
        notice, _ = notices.create(session=session, text="說明會改期", audience="all", actor="test")
        ref = str(notice.id)
    limited = settings.model_copy(update={"multicast_per_second": 5.0})

    async def go() -> None:
        line = LineClient(limited)  # one client per process: the budget is shared by its senders
        try:
            await asyncio.gather(*(Deliverer(bot.services.db, line, concurrency=4).run(kind="notice", ref=ref)
                                   for _ in range(2)))
        finally:
            await line.close()

    asyncio.run(go())
    calls = standin.calls_to("/message/multicast")
    got = [u for c in calls for u in c.body["to"]]
    assert len(got) == 6000 and len(set(got)) == 6000, "someone got the notice twice, or not at all"
    assert len(calls) == 12
    # A bucket of 5 that refills at 5 a second: 12 calls cannot all go out in less than 1.4 s.
    times = sorted(c.at for c in calls)
    assert times[-1] - times[0] >= 1.2
    assert max(sum(1 for t in times if start <= t < start + 1.0) for start in times) <= 10


def test_queueing_a_notice_twice_queues_each_recipient_once(bot: Bot) -> None:
    from db import deliveries, notices

    ids = add_users(bot, 1200)
    with bot.services.db.session() as session:
        notice, _ = notices.create(session=session, text="說明會", audience="all", actor="test")
        again = notices.queue(session=session, notice=notice)
        blocked_row = {"key": f"notice:{notice.id}:Ublocked", "kind": "notice", "ref": str(notice.id),
                       "line_user_id": "Ublocked", "payload": {"notice": {"text": "x"}}, "status": "blocked"}
        assert deliveries.queue_many(session=session, rows=[blocked_row]) == 1
        assert deliveries.queue_many(session=session, rows=[blocked_row]) == 0
    assert again == 0
    with bot.services.db.session() as session:
        rows = session.execute(select(Delivery.line_user_id, Delivery.status, Delivery.payload)
                               .where(Delivery.ref == str(notice.id))).all()
    assert sorted(r.line_user_id for r in rows if r.status == "pending") == sorted(ids)
    assert [r.line_user_id for r in rows if r.status == "blocked"] == ["Ublocked"]
    assert rows[0].payload["notice"]["text"] == "說明會"
