"""Reminders with an injected clock: each fires once, on time, across restarts and rival clocks."""
from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.line.client import LineClient
from bot.outbox import reminders
from bot.services import Services
from bot.settings import Settings
from db.models import AuditLog, Cluster, Delivery, Subscription, User
from knowledge.clock import Clock
from knowledge.labels import TAIPEI

LEADER_A = "U" + "1" * 32
MEMBER_B = "U" + "2" * 32
ALLIANCE = "U" + "3" * 32


def taipei(*args: int) -> datetime:
    return datetime(*args, tzinfo=TAIPEI)


@pytest.fixture
def services(settings: Settings) -> Services:
    services = Services.build(settings)
    with services.db.session() as session:
        for user in (LEADER_A, MEMBER_B, ALLIANCE):
            session.add(User(line_user_id=user))
        session.add(Subscription(line_user_id=LEADER_A, program="digital_cluster", class_="A", role="leader"))
        session.add(Subscription(line_user_id=MEMBER_B, program="digital_cluster", class_="B", role="member"))
        session.add(Subscription(line_user_id=ALLIANCE, program="intl_alliance", class_="", role="member"))
    return services


def run_at(services: Services, settings: Settings, now: datetime) -> None:
    async def go() -> None:
        line = LineClient(settings)
        try:
            await reminders.run(services.db, line, settings, Clock(now))
        finally:
            await line.close()

    asyncio.run(go())


def received(standin, user: str) -> list[str]:  # type: ignore[no-untyped-def]
    texts = []
    for call in standin.calls_to("/message/multicast"):
        if user in call.body["to"]:
            texts += [m.get("text", "") for m in call.body["messages"]]
    return texts


def test_each_offset_fires_once_at_0900_taipei_for_the_right_class(services, settings, standin) -> None:  # type: ignore[no-untyped-def]
    # A類 deadline: 112/3/7 17:00. Reminders at 09:00 on 2/21, 2/28, 3/4, 3/6 and 3/7.
    for day in (21, 28):
        run_at(services, settings, taipei(2023, 2, day, 8, 55))  # five minutes early: nothing
        assert not any("A類提案" in t for t in received(standin, LEADER_A))
    moments = [taipei(2023, 2, 21, 9, 0), taipei(2023, 2, 28, 9, 5), taipei(2023, 3, 4, 9, 0),
               taipei(2023, 3, 6, 9, 0), taipei(2023, 3, 7, 9, 0)]
    for moment in moments:
        run_at(services, settings, moment)
        run_at(services, settings, moment + timedelta(minutes=5))  # the next tick sends nothing new
    a_deadline = [t for t in received(standin, LEADER_A) if "A類提案申請截止" in t]
    assert len(a_deadline) == 5
    assert "還有 14 天" in a_deadline[0] and "就是今天" in a_deadline[-1]
    assert "112年3月7日（週二）17:00" in a_deadline[0]
    # The class-B member never gets class-A reminders; the alliance member gets neither.
    assert not any("A類" in t for t in received(standin, MEMBER_B))
    assert not any("數位群聚" in t for t in received(standin, ALLIANCE))


def test_downtime_is_caught_up_within_the_grace_window_only(services, settings, standin) -> None:  # type: ignore[no-untyped-def]
    run_at(services, settings, taipei(2023, 3, 4, 15, 0))  # clock was down from 08:00 to 15:00
    assert len([t for t in received(standin, LEADER_A) if "還有 3 天" in t]) == 1
    run_at(services, settings, taipei(2023, 3, 6, 23, 0))  # 14 h late for the 1-day reminder: too late
    assert not [t for t in received(standin, LEADER_A) if "還有 1 天" in t]


def test_a_crash_between_queueing_and_sending_sends_once_after_restart(services, settings, standin) -> None:  # type: ignore[no-untyped-def]
    now = taipei(2023, 2, 21, 9, 0)
    with services.db.session() as session:
        queued = reminders.plan(session, now, settings)  # the clock dies right after this commit
    assert queued >= 1
    assert received(standin, LEADER_A) == []
    restarted = Services.build(settings)
    run_at(restarted, settings, now + timedelta(minutes=5))
    run_at(restarted, settings, now + timedelta(minutes=10))
    assert len([t for t in received(standin, LEADER_A) if "還有 14 天" in t]) == 1


def test_two_clocks_at_once_send_nothing_twice(services, settings, standin) -> None:  # type: ignore[no-untyped-def]
    now = taipei(2023, 2, 21, 9, 0)
    clocks = [threading.Thread(target=run_at, args=(Services.build(settings), settings, now)) for _ in range(2)]
    for clock in clocks:
        clock.start()
    for clock in clocks:
        clock.join()
    assert len([t for t in received(standin, LEADER_A) if "還有 14 天" in t]) == 1
    with services.db.session() as session:
        keys = session.scalars(select(Delivery.key)).all()
        assert len(keys) == len(set(keys))


def test_blocked_users_are_counted_not_messaged(services, settings, standin) -> None:  # type: ignore[no-untyped-def]
    with services.db.session() as session:
        session.get(User, LEADER_A).blocked = True  # type: ignore[union-attr]
    run_at(services, settings, taipei(2023, 2, 21, 9, 0))
    assert received(standin, LEADER_A) == []
    with services.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Delivery).where(Delivery.status == "blocked")) >= 1


def test_monthly_report_reminder_on_the_25th_and_follow_up_on_the_last_day(services, settings, standin) -> None:  # type: ignore[no-untyped-def]
    with services.db.session() as session:
        session.add(Cluster(code="ABCDEF", name="竹山群聚", class_="A", type="觀光休閒合作", leader_user_id=LEADER_A))
    run_at(services, settings, taipei(2024, 2, 25, 9, 0))
    assert any("2月月報提醒" in t for t in received(standin, LEADER_A))
    assert any("2月月報提醒" in t for t in received(standin, ALLIANCE))  # alliance: every member reports
    assert not any("月報" in t for t in received(standin, MEMBER_B))  # cluster members do not
    # 2024 is a leap year: the follow-up is on 2/29 at 09:00 Taipei (01:00 UTC).
    run_at(services, settings, taipei(2024, 2, 28, 9, 0))
    assert not any("最後一天" in t for t in received(standin, LEADER_A))
    run_at(services, settings, taipei(2024, 2, 29, 9, 0))
    assert len([t for t in received(standin, LEADER_A) if "最後一天" in t]) == 1
    run_at(services, settings, taipei(2024, 2, 29, 9, 5))  # the next tick does not repeat it
    assert len([t for t in received(standin, LEADER_A) if "最後一天" in t]) == 1


def test_every_run_is_audited(services, settings, standin) -> None:  # type: ignore[no-untyped-def]
    run_at(services, settings, taipei(2023, 2, 21, 9, 0))
    with services.db.session() as session:
        row = session.scalars(select(AuditLog).where(AuditLog.action == "reminder_run")).first()
        assert row is not None and row.details["sent"] >= 1 and row.actor == "clock"


def test_month_end_in_taipei_is_not_month_end_in_utc(services, settings, standin) -> None:  # type: ignore[no-untyped-def]
    with services.db.session() as session:
        session.add(Cluster(code="GHJKMN", name="群聚", class_="A", type="觀光休閒合作", leader_user_id=LEADER_A))
    # 2024-01-31 09:00 in Taipei is 01:00 UTC on the same day; 2024-01-31 20:00 UTC is already February in Taipei.
    run_at(services, settings, datetime(2024, 1, 31, 1, 0, tzinfo=TAIPEI).astimezone(TAIPEI).replace(hour=9))
    assert len([t for t in received(standin, LEADER_A) if "1月最後一天" in t]) == 1

    run_at(services, settings, datetime(2024, 1, 31, 20, 0, tzinfo=UTC))  # 2/1 04:00 in Taipei
    assert not any("2月" in t for t in received(standin, LEADER_A))


def test_the_clock_tick_queues_and_delivers(services, settings, standin) -> None:  # type: ignore[no-untyped-def]
    from bot.clock import Ticker

    async def go() -> None:
        ticker = Ticker(services.db, LineClient(settings), settings, Clock(taipei(2023, 3, 6, 9, 0)))
        try:
            await ticker.tick()
        finally:
            await ticker.line.close()

    asyncio.run(go())
    assert any("還有 1 天" in t for t in received(standin, LEADER_A))
