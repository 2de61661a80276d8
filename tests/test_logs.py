"""Secrets and personal data never reach the logs, even at DEBUG, over a full form walk-through."""
from __future__ import annotations

import logging

import pytest

from bot.logs import configure_logging
from tests.utils.chat import Bot
from tests.utils.forms import USER, fill

SECRETS = ("04595257", "boss@example.com", "0912345678", "0912-345-678", "049-2612345", "test-channel-secret",
           "test-access-token", "test-admin-token")


def test_a_full_walk_through_logs_no_personal_data(bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    configure_logging("DEBUG")
    caplog.set_level(logging.DEBUG)
    try:
        fill(bot, "自我評估")
        bot.say("送出", user_id=USER)
        bot.say("我的資料", user_id=USER)
        bot.client.get("/admin/api/self-assessments.csv", headers={"Authorization": "Bearer test-admin-token"})
    finally:
        configure_logging("INFO")
    text = "\n".join(f"{r.name} {r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert len(caplog.records) > 50  # the walk-through did log (event types, entries, HTTP calls)
    for secret in SECRETS:
        assert secret not in text, secret
