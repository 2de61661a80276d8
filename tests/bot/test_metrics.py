"""``/metrics``: what an operator's Prometheus scrapes — counts that move with the traffic, the
backlog read from the database, staff tokens only, and nothing personal in it."""
from __future__ import annotations

import re

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update

from bot.dev import line_events
from db import inbox
from db.models import InboxEvent
from tests.utils.chat import Bot
from tests.utils.staff import login_as

AUTH = {"Authorization": "Bearer test-admin-token"}


def scrape(bot: Bot) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = bot.client.get("/metrics", headers=AUTH)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_need_a_staff_token(bot: Bot) -> None:
    assert bot.client.get("/metrics").status_code == 401
    assert bot.client.get("/metrics", headers={"Authorization": "Bearer guess"}).status_code == 401


def test_counters_move_with_the_traffic(bot: Bot) -> None:
    before = scrape(bot)
    bot.say("A類截止是哪天？", user_id="U" + "m" * 32)
    body = line_events.payload(line_events.text_event("hi"))
    assert bot.client.post("/callback", content=body, headers={"X-Line-Signature": "forged"}).status_code == 400
    after = scrape(bot)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("assistant_events_received_total") == 1
    assert grew("assistant_webhook_requests_total", outcome="acked") == 1
    assert grew("assistant_webhook_requests_total", outcome="bad_signature") == 1
    assert grew("assistant_events_handled_total", outcome="handled") == 1
    assert grew("assistant_ack_seconds_count") == 1
    assert grew("assistant_handling_seconds_count") == 1
    assert grew("assistant_line_api_calls_total", endpoint="reply", status="200") == 1
    assert grew("assistant_line_api_seconds_count", endpoint="reply") == 1


def test_backlog_depth_and_age_come_from_the_inbox(bot: Bot) -> None:
    from datetime import timedelta

    clock = bot.services.clock
    with bot.services.inbox_db.session() as session:  # acknowledged two minutes ago, still being handled
        [(inbox_id, _)] = inbox.store(session=session, raws=[line_events.text_event("還在嗎")], now=clock.now())
        session.execute(update(InboxEvent).where(InboxEvent.id == inbox_id)
                        .values(received_at=clock.now() - timedelta(minutes=2)))
    samples = scrape(bot)
    assert value(samples, "assistant_inbox_backlog") == 1
    assert 110 <= value(samples, "assistant_inbox_oldest_age_seconds") <= 600
    login_as(bot, "viewer")  # the console's dashboard shows the same
    page = bot.client.get("/admin")
    assert re.search(r'id="backlog">1<', page.text) and "訊息處理落後超過一分鐘" in page.text


def test_notice_deliveries_are_counted(bot: Bot) -> None:
    from tests.bot.test_broadcasts import add_users

    add_users(bot, 3)
    before = scrape(bot)
    assert bot.client.post("/admin/api/broadcasts", json={"text": "說明會", "audience": "all"},
                           headers=AUTH).status_code == 201
    after = scrape(bot)
    assert value(after, "assistant_deliveries_total", outcome="sent") - value(before, "assistant_deliveries_total",
                                                                              outcome="sent") == 3
    assert value(after, "assistant_delivery_rows", status="sent") == 3
    assert value(after, "assistant_line_api_calls_total", endpoint="multicast", status="200") > \
        value(before, "assistant_line_api_calls_total", endpoint="multicast", status="200")


def test_nothing_personal_is_exposed(bot: Bot) -> None:
    user = "U" + "p" * 32
    bot.say("我的電話是0912345678", user_id=user)
    text = bot.client.get("/metrics", headers=AUTH).text
    assert user not in text and "0912345678" not in text and "電話" not in text


def test_a_database_outage_still_serves_the_counters(bot: Bot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy.exc import OperationalError

    from bot.admin import monitoring

    assert value(scrape(bot), "assistant_database_up") == 1

    def down(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(monitoring, "backlog_figures", down)
    samples = scrape(bot)
    assert value(samples, "assistant_database_up") == 0
    assert ("assistant_inbox_backlog", ()) not in samples
    assert any(name == "assistant_events_received_total" for name, _ in samples)
