from __future__ import annotations

import pytest

from bot.app import create_app
from bot.settings import ConfigError, Settings


def test_production_requires_real_secrets() -> None:
    settings = Settings(_env_file=None, dev_mode=False, line_channel_secret="", line_channel_access_token="x", admin_token="y")
    with pytest.raises(ConfigError, match="LINE_CHANNEL_SECRET"):
        create_app(settings)


def test_dev_mode_runs_on_dummy_credentials() -> None:
    settings = Settings(_env_file=None, dev_mode=True, line_api_base_url="http://127.0.0.1:8000/dev/line-api")
    settings.check_production()
    assert settings.line_channel_secret and settings.line_channel_access_token and settings.admin_token


def test_dev_mode_cannot_be_enabled_against_the_real_line_api() -> None:
    with pytest.raises(ConfigError, match="DEV_MODE"):
        create_app(Settings(_env_file=None, dev_mode=True))


def test_default_database_is_a_local_sqlite_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("LINE_API_BASE_URL", raising=False)
    assert Settings(_env_file=None).database_url.startswith("sqlite:///")
    assert Settings(_env_file=None).line_api_base_url == "https://api.line.me"


def test_dev_pages_do_not_exist_outside_dev_mode(bot) -> None:  # type: ignore[no-untyped-def]
    assert bot.client.get("/dev/chat").status_code == 404
    assert bot.client.get("/dev/api/config").status_code == 404
