"""Configuration from environment variables (and an optional ``.env``), validated at start-up.

Outside dev mode a missing or placeholder secret stops the process with a message naming the
variable, rather than letting the webhook reject every event later.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from db.engine import DEFAULT_URL
from knowledge.errors import AssistantError

__all__ = ["DEV_SECRET", "DEV_TOKEN", "ConfigError", "Settings", "get_settings"]

ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET = "dev-channel-secret"
DEV_TOKEN = "dev-channel-access-token"
DEV_ADMIN_TOKEN = "dev-admin-token"
_PLACEHOLDERS = {"", "changeme", "change-me", DEV_SECRET, DEV_TOKEN, DEV_ADMIN_TOKEN}


class ConfigError(AssistantError, RuntimeError):
    """The configuration cannot run in this mode; the message says which variable to set."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    dev_mode: bool = Field(default=False, description="Local mode: dummy secrets, /dev pages, LINE stand-in")
    line_channel_secret: str = ""
    line_channel_access_token: str = ""
    line_api_base_url: str = "https://api.line.me"
    line_data_api_base_url: str = ""  # message content (photos); default: api-data.line.me, or the stand-in in dev mode
    database_url: str = DEFAULT_URL
    admin_token: str = ""
    staff_line_ids: str = ""
    line_timeout_seconds: float = 10.0
    reminder_offset_days: str = "14,7,3,1,0"
    reminder_hour: int = 9
    reminder_grace_hours: int = 12
    monthly_report_day: int = 25
    rate_limit_per_minute: int = 60
    delivery_stale_seconds: int = 60  # a batch left "sending" this long (a crashed run) is re-sent, same retry key
    #: Multicast calls per second at most, per process: LINE's documented limit for the endpoint.
    multicast_per_second: float = 200.0
    #: Multicast calls in flight at once while sending a notice or reminders.
    multicast_concurrency: int = 8
    #: How long a reply token is used after the event; later, answers go out as pushes with a retry key.
    reply_token_seconds: float = 50.0
    #: A first reply only this soon after the event (later: a push), leaving a crashed process's
    #: successor the rest of the token's life to settle whether its reply arrived.
    reply_first_seconds: float = 25.0
    #: An event leased this long without being handled belongs to a dead process (or failed): retried.
    orphan_after_seconds: float = 10.0
    #: How often a worker looks for orphaned events and unsent replies.
    recovery_seconds: float = 5.0
    #: Attempts before an event that keeps failing goes to the dead letters (the user gets one apology).
    handling_attempts: int = 5
    #: Handler processes per web worker (``bot/handler.py``): 0 handles events in the web worker
    #: itself (dev mode and tests), 1 keeps acknowledgements fast whatever the load.
    handler_processes: int | None = None
    #: Events a handler process works on at once (one at a time per chat, always).
    handler_concurrency: int = 4
    #: How much the handler process defers to its web worker for CPU (Unix nice increment).
    handler_nice: int = 10
    #: How often a web worker checks for knowledge staff published (then rebuilds in the background).
    knowledge_poll_seconds: float = 2.0
    #: Proxies whose X-Forwarded-For/-Proto uvicorn trusts (the Procfile passes it on); see README.
    forwarded_allow_ips: str = "127.0.0.1"
    log_level: str = "INFO"

    @field_validator("line_api_base_url", "line_data_api_base_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @model_validator(mode="after")
    def _dev_defaults(self) -> Settings:
        if not self.line_data_api_base_url:
            official = self.line_api_base_url == "https://api.line.me"
            self.line_data_api_base_url = "https://api-data.line.me" if official else self.line_api_base_url
        if self.handler_processes is None:
            self.handler_processes = 0 if self.dev_mode else 1
        if self.dev_mode:
            self.line_channel_secret = self.line_channel_secret or DEV_SECRET
            self.line_channel_access_token = self.line_channel_access_token or DEV_TOKEN
            self.admin_token = self.admin_token or DEV_ADMIN_TOKEN
        return self

    def check_production(self) -> None:
        """Raise :class:`ConfigError` when a secret needed in production is missing.

        Dev mode (dummy secrets, /dev pages) cannot be combined with the real LINE API: a
        production deployment that sets DEV_MODE by mistake refuses to start.
        """
        if self.dev_mode:
            if self.line_api_base_url.rstrip("/") in ("https://api.line.me", "https://api.line.me/"):
                raise ConfigError("DEV_MODE is for local runs against the built-in LINE stand-in; it cannot be "
                                  "used with the real LINE API (unset DEV_MODE, or set LINE_API_BASE_URL to a stand-in).")
            return
        missing = [
            name.upper()
            for name in ("line_channel_secret", "line_channel_access_token", "admin_token")
            if getattr(self, name).strip().lower() in _PLACEHOLDERS
        ]
        if missing:
            raise ConfigError(
                "Missing configuration: set " + ", ".join(missing) + " (or DEV_MODE=1 for a local run "
                "with dummy credentials; see README.md → Configuration)."
            )

    @property
    def reminder_offsets(self) -> tuple[int, ...]:
        """Days before a milestone on which to remind (0 = the day itself)."""
        return tuple(sorted({int(d) for d in self.reminder_offset_days.split(",") if d.strip()}, reverse=True))

    @property
    def staff_ids(self) -> frozenset[str]:
        return frozenset(s.strip() for s in self.staff_line_ids.split(",") if s.strip())


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
