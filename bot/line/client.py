"""The LINE Messaging API client, created once per process.

Building an ``AsyncApiClient`` loads TLS certificates and opens a connection pool; doing that per
request cut a minimal webhook from ~3,500 to ~40 requests/s, so the app creates one in its
lifespan and every call goes through it. ``LINE_API_BASE_URL`` points it at LINE or at a local
stand-in (dev mode, tests, benchmarks).
"""
from __future__ import annotations

import json
import logging
from collections.abc import Sequence

from aiolimiter import AsyncLimiter
from linebot.v3.messaging import (
    AsyncApiClient,
    AsyncMessagingApi,
    AsyncMessagingApiBlob,
    Configuration,
    Message,
    MulticastRequest,
    PushMessageRequest,
    ReplyMessageRequest,
    RichMenuRequest,
    ShowLoadingAnimationRequest,
)
from linebot.v3.messaging.exceptions import ApiException

from bot import metrics
from bot.settings import Settings
from knowledge.errors import AssistantError

__all__ = ["LineClient", "LineError"]

log = logging.getLogger(__name__)


class LineError(AssistantError, RuntimeError):
    """A LINE API call failed; ``status`` is the HTTP status (0 when no response arrived)."""

    def __init__(self, status: int, message: str, *, retry_after: float | None = None, detail: str = "") -> None:
        super().__init__(f"LINE API {status}: {message}" + (f" ({detail})" if detail else ""))
        self.status = status
        self.retry_after = retry_after
        self.detail = detail  # LINE's own "message" from the response body, e.g. "Invalid reply token"

    @property
    def retryable(self) -> bool:
        """Worth trying again with the same retry key: throttled, server error, or no answer."""
        return self.status in (0, 429) or self.status >= 500

    @property
    def token_refused(self) -> bool:
        """LINE refused the reply token: used already, or expired."""
        return self.status == 400 and "reply token" in self.detail.lower()


def _detail(body: object) -> str:
    """LINE's error message from a response body (JSON with a "message"), if there is one."""
    try:
        data = json.loads(body) if isinstance(body, (str, bytes, bytearray)) else {}
        return str(data.get("message", ""))[:200] if isinstance(data, dict) else ""
    except ValueError:
        return ""


def _retry_after(headers) -> float | None:  # type: ignore[no-untyped-def]
    try:
        value = (headers or {}).get("Retry-After") or (headers or {}).get("retry-after")
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


class LineClient:
    def __init__(self, settings: Settings) -> None:
        config = Configuration(host=settings.line_api_base_url, access_token=settings.line_channel_access_token)
        self._api_client = AsyncApiClient(config)
        self.api = AsyncMessagingApi(self._api_client)
        blob_config = Configuration(host=settings.line_data_api_base_url, access_token=settings.line_channel_access_token)
        self._blob_client = AsyncApiClient(blob_config)
        self.blob = AsyncMessagingApiBlob(self._blob_client)
        self.timeout = settings.line_timeout_seconds
        # LINE limits multicast per channel; one client per process, so one budget per process.
        self._multicast_budget = AsyncLimiter(max(1.0, settings.multicast_per_second), 1.0)

    async def reply(self, reply_token: str, messages: Sequence[Message]) -> None:
        """Send up to five messages with a reply token."""
        await self._call(
            "reply", self.api.reply_message(
                ReplyMessageRequest(replyToken=reply_token, messages=list(messages)),
                _request_timeout=self.timeout,
            )
        )

    async def push(self, to: str, messages: Sequence[Message], *, retry_key: str | None = None) -> None:
        """Send messages to one user, group or room without a reply token."""
        headers = {"X-Line-Retry-Key": retry_key} if retry_key else {}
        await self._call(
            "push", self.api.push_message(
                PushMessageRequest(to=to, messages=list(messages)),
                _request_timeout=self.timeout,
                _headers=headers,
            )
        )

    async def multicast(self, to: Sequence[str], messages: Sequence[Message], *, retry_key: str) -> None:
        """Send the same messages to up to 500 users; ``retry_key`` makes a resend harmless."""
        if not 1 <= len(to) <= 500:
            raise ValueError("multicast takes 1 to 500 recipients")
        async with self._multicast_budget:
            await self._call(
                "multicast", self.api.multicast(
                    MulticastRequest(to=list(to), messages=list(messages)),
                    _request_timeout=self.timeout,
                    _headers={"X-Line-Retry-Key": retry_key},
                )
            )

    async def show_loading(self, chat_id: str, seconds: int = 20) -> None:
        """The typing indicator while slow work runs (one-to-one chats only)."""
        await self._call(
            "loading", self.api.show_loading_animation(
                ShowLoadingAnimationRequest(chatId=chat_id, loadingSeconds=seconds), _request_timeout=self.timeout
            )
        )

    async def _call(self, endpoint: str, awaitable):  # type: ignore[no-untyped-def]
        """Await a LINE API call; any failure becomes a :class:`LineError` with its status.

        Every call is timed and counted by ``endpoint`` and status (``/metrics``).
        """
        try:
            with metrics.timed_line_call(endpoint, lambda exc: getattr(exc, "status", 0) or 0):
                return await awaitable
        except ApiException as exc:
            raise LineError(exc.status or 0, str(exc.reason), retry_after=_retry_after(exc.headers),
                            detail=_detail(exc.body)) from None
        except (TimeoutError, OSError) as exc:
            raise LineError(0, type(exc).__name__) from None

    async def content(self, message_id: str) -> tuple[bytes, str | None]:
        """The bytes of a user's photo/file (LINE keeps them for a limited time)."""
        response = await self._call(
            "content", self.blob.get_message_content_with_http_info(message_id, _request_timeout=self.timeout)
        )
        headers = response.headers or {}
        return bytes(response.data), headers.get("Content-Type") or headers.get("content-type")

    # -- rich menu (``python -m bot richmenu``; dev mode installs one into the stand-in) ----------

    async def rich_menus(self) -> list[tuple[str, str]]:
        """(id, name) of every rich menu on the channel."""
        response = await self._call("richmenu", self.api.get_rich_menu_list(_request_timeout=self.timeout))
        return [(menu.rich_menu_id, menu.name) for menu in response.richmenus or []]

    async def create_rich_menu(self, request: RichMenuRequest, image: bytes, content_type: str = "image/png") -> str:
        """Create a rich menu and upload its image; returns its id."""
        created = await self._call("richmenu", self.api.create_rich_menu(request, _request_timeout=self.timeout))
        await self._call("richmenu", self.blob.set_rich_menu_image(created.rich_menu_id, image, _request_timeout=self.timeout,
                                                       _headers={"Content-Type": content_type}))
        return created.rich_menu_id

    async def set_default_rich_menu(self, rich_menu_id: str) -> None:
        await self._call("richmenu", self.api.set_default_rich_menu(rich_menu_id, _request_timeout=self.timeout))

    async def delete_rich_menu(self, rich_menu_id: str) -> None:
        await self._call("richmenu", self.api.delete_rich_menu(rich_menu_id, _request_timeout=self.timeout))

    async def close(self) -> None:
        await self._api_client.close()
        await self._blob_client.close()
