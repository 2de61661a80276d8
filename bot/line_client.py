"""The LINE Messaging API client, created once per process.

Building an ``AsyncApiClient`` loads TLS certificates and opens a connection pool; doing that per
request cut a minimal webhook from ~3,500 to ~40 requests/s, so the app creates one in its
lifespan and every call goes through it. ``LINE_API_BASE_URL`` points it at LINE or at a local
stand-in (dev mode, tests, benchmarks).
"""
from __future__ import annotations

import logging
from collections.abc import Sequence

from linebot.v3.messaging import (
    AsyncApiClient,
    AsyncMessagingApi,
    Configuration,
    Message,
    PushMessageRequest,
    ReplyMessageRequest,
)
from linebot.v3.messaging.exceptions import ApiException

from bot.settings import Settings

__all__ = ["LineClient", "LineError"]

log = logging.getLogger(__name__)


class LineError(RuntimeError):
    """A LINE API call failed; ``status`` is the HTTP status (0 when no response arrived)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"LINE API {status}: {message}")
        self.status = status


class LineClient:
    def __init__(self, settings: Settings) -> None:
        config = Configuration(host=settings.line_api_base_url, access_token=settings.line_channel_access_token)
        self._api_client = AsyncApiClient(config)
        self.api = AsyncMessagingApi(self._api_client)
        self.timeout = settings.line_timeout_seconds

    async def reply(self, reply_token: str, messages: Sequence[Message]) -> None:
        """Send up to five messages with a reply token."""
        await self._call(
            self.api.reply_message(
                ReplyMessageRequest(replyToken=reply_token, messages=list(messages)),
                _request_timeout=self.timeout,
            )
        )

    async def push(self, to: str, messages: Sequence[Message], *, retry_key: str | None = None) -> None:
        """Send messages to one user, group or room without a reply token."""
        headers = {"X-Line-Retry-Key": retry_key} if retry_key else {}
        await self._call(
            self.api.push_message(
                PushMessageRequest(to=to, messages=list(messages)),
                _request_timeout=self.timeout,
                _headers=headers,
            )
        )

    async def _call(self, awaitable) -> None:  # type: ignore[no-untyped-def]
        try:
            await awaitable
        except ApiException as exc:
            raise LineError(exc.status or 0, str(exc.reason)) from None
        except (TimeoutError, OSError) as exc:
            raise LineError(0, type(exc).__name__) from None

    async def close(self) -> None:
        await self._api_client.close()
