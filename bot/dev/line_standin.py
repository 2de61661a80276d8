"""A local stand-in for the LINE Messaging API, for dev mode, tests and benchmarks.

It accepts the calls the assistant makes (reply, push, multicast, broadcast, loading animation,
profile), enforces LINE's documented limits with LINE-style 400 errors, and records every call
so the dev chat page can show the replies and tests can assert on exactly what LINE received.
Optional latency and scripted failures (e.g. one 429 with Retry-After) exercise the client's
resilience.
"""
from __future__ import annotations

import asyncio
import itertools
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

__all__ = ["Call", "LineStandin"]

_LIMITS = {"reply": 5, "push": 5, "multicast": 5, "broadcast": 5, "narrowcast": 5}


@dataclass
class Call:
    seq: int
    method: str
    path: str
    body: Any
    headers: dict[str, str]
    at: float = field(default_factory=time.time)

    def as_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "method": self.method, "path": self.path, "body": self.body,
                "headers": self.headers, "at": self.at}


def _error(message: str, status: int = 400, details: list | None = None) -> JSONResponse:
    body: dict[str, Any] = {"message": message}
    if details:
        body["details"] = details
    return JSONResponse(body, status_code=status)


def _check_messages(messages: Any, kind: str) -> str | None:
    if not isinstance(messages, list) or not messages:
        return "messages must be a non-empty array"
    if len(messages) > _LIMITS[kind]:
        return f"Size must be between 1 and {_LIMITS[kind]}"
    for message in messages:
        if not isinstance(message, dict) or "type" not in message:
            return "message type required"
        if message["type"] == "text" and not (1 <= len(message.get("text") or "") <= 5000):
            return "text length must be between 1 and 5000"
        items = ((message.get("quickReply") or {}).get("items")) or []
        if len(items) > 13:
            return "quickReply items must be at most 13"
        for item in items:
            action = item.get("action") or {}
            if len(action.get("label") or "") > 20:
                return "action label must be at most 20 characters"
            if len(action.get("data") or "") > 300:
                return "postback data must be at most 300 characters"
    return None


def _check_rich_menu(body: Any) -> str | None:
    """LINE's documented rich menu limits: size, at most 20 areas inside the image, a short bar text."""
    if not isinstance(body, dict):
        return "rich menu object required"
    size = body.get("size") or {}
    if size.get("width") != 2500 or size.get("height") not in (1686, 843):
        return "size must be 2500x1686 or 2500x843"
    if not 1 <= len(body.get("chatBarText") or "") <= 14:
        return "chatBarText must be 1 to 14 characters"
    if not 1 <= len(body.get("name") or "") <= 300:
        return "name must be 1 to 300 characters"
    areas = body.get("areas") or []
    if not 1 <= len(areas) <= 20:
        return "areas must be 1 to 20"
    for area in areas:
        b = area.get("bounds") or {}
        if b.get("x", -1) < 0 or b.get("y", -1) < 0 or b.get("x", 0) + b.get("width", 0) > size["width"] \
                or b.get("y", 0) + b.get("height", 0) > size["height"]:
            return "area bounds must be inside the image"
    return None


class LineStandin:
    def __init__(self, *, latency: float = 0.0, keep: int = 100_000) -> None:
        self.latency = latency
        self.calls: deque[Call] = deque(maxlen=keep)
        self._seq = itertools.count(1)
        self._lock = threading.Lock()
        #: Scripted responses for the next calls to a path suffix, e.g. ``[(429, {"Retry-After": "1"})]``.
        self.failures: dict[str, list[tuple[int, dict[str, str]]]] = {}
        self._accepted_keys: set[str] = set()
        self._used_tokens: set[str] = set()
        #: Rich menus as LINE keeps them: definitions, images, and the default one.
        self.rich_menus: dict[str, dict[str, Any]] = {}
        self.rich_menu_images: dict[str, tuple[bytes, str]] = {}
        self.default_rich_menu: str | None = None
        #: Changes on every start, so the dev chat page knows to read the call log from the top.
        self.boot = uuid.uuid4().hex[:12]
        self.app = self._build()

    # -- inspection (tests, dev page) ---------------------------------------------------------

    def calls_to(self, suffix: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.path.endswith(suffix)]

    def replies(self) -> list[Call]:
        return self.calls_to("/message/reply")

    def clear(self) -> None:
        with self._lock:
            self.calls.clear()
            self._accepted_keys.clear()
            self._used_tokens.clear()
            self.failures.clear()
            self.rich_menus.clear()
            self.rich_menu_images.clear()
            self.default_rich_menu = None

    def fail_next(self, suffix: str, status: int, headers: dict[str, str] | None = None, times: int = 1) -> None:
        self.failures.setdefault(suffix, []).extend([(status, headers or {})] * times)

    # -- the fake API -------------------------------------------------------------------------

    def _build(self) -> FastAPI:
        app = FastAPI(title="LINE API stand-in", docs_url=None, redoc_url=None)
        standin = self

        async def record(request: Request, kind: str | None, *, token: bool = False) -> JSONResponse | tuple[Call, Any]:
            if standin.latency:
                await asyncio.sleep(standin.latency)
            if not request.headers.get("authorization", "").startswith("Bearer "):
                return _error("Authentication failed", 401)
            path = request.url.path
            for suffix, queue in standin.failures.items():
                if path.endswith(suffix) and queue:
                    status, headers = queue.pop(0)
                    return JSONResponse({"message": "scripted failure"}, status_code=status, headers=headers)
            raw = await request.body()
            try:
                body = await request.json() if raw else None
            except ValueError:
                return _error("The request body has 1 error(s)")
            if kind is not None:
                problem = _check_messages((body or {}).get("messages"), kind)
                if problem:
                    return _error("The request body has 1 error(s)", details=[{"message": problem}])
            headers = {k: v for k, v in request.headers.items() if k.lower().startswith("x-line")}
            retry_key = headers.get("x-line-retry-key")
            with standin._lock:
                if token:
                    # LINE: a reply token works once; a second reply with it delivers nothing.
                    reply_token = (body or {}).get("replyToken") if isinstance(body, dict) else None
                    if not reply_token or reply_token in standin._used_tokens:
                        return _error("Invalid reply token")
                    standin._used_tokens.add(reply_token)
                if retry_key and retry_key in standin._accepted_keys:
                    # LINE: a request with this retry key was already accepted; nothing is sent again.
                    return JSONResponse({"message": "The retry key is already accepted"}, status_code=409)
                if retry_key:
                    standin._accepted_keys.add(retry_key)
                call = Call(next(standin._seq), request.method, path, body, headers)
                standin.calls.append(call)
            return call, body

        @app.post("/v2/bot/message/reply")
        async def reply(request: Request) -> JSONResponse:
            result = await record(request, "reply", token=True)
            if isinstance(result, JSONResponse):
                return result
            _, body = result
            return JSONResponse({"sentMessages": [{"id": str(i)} for i, _ in enumerate(body["messages"])]})

        @app.post("/v2/bot/message/push")
        async def push(request: Request) -> JSONResponse:
            result = await record(request, "push")
            if isinstance(result, JSONResponse):
                return result
            return JSONResponse({"sentMessages": [{"id": "1"}]})

        @app.post("/v2/bot/message/multicast")
        async def multicast(request: Request) -> JSONResponse:
            result = await record(request, "multicast")
            if isinstance(result, JSONResponse):
                return result
            _, body = result
            to = (body or {}).get("to") or []
            if not 1 <= len(to) <= 500:
                return _error("The request body has 1 error(s)", details=[{"message": "to: size 1..500"}])
            return JSONResponse({})

        @app.post("/v2/bot/message/broadcast")
        async def broadcast(request: Request) -> JSONResponse:
            result = await record(request, "broadcast")
            return result if isinstance(result, JSONResponse) else JSONResponse({})

        @app.post("/v2/bot/chat/loading/start")
        async def loading(request: Request) -> JSONResponse:
            result = await record(request, None)
            return result if isinstance(result, JSONResponse) else JSONResponse({}, status_code=202)

        @app.get("/v2/bot/profile/{user_id}")
        async def profile(user_id: str, request: Request) -> JSONResponse:
            result = await record(request, None)
            if isinstance(result, JSONResponse):
                return result
            return JSONResponse({"userId": user_id, "displayName": "測試使用者", "language": "zh-TW"})

        @app.get("/v2/bot/message/{message_id}/content")
        async def content(message_id: str, request: Request):  # type: ignore[no-untyped-def]
            from fastapi.responses import Response

            result = await record(request, None)
            if isinstance(result, JSONResponse):
                return result
            # A 1×1 PNG: enough for code that stores image evidence.
            png = bytes.fromhex(
                "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
            )
            return Response(png, media_type="image/png")

        @app.get("/_calls")
        async def calls(since: int = 0) -> JSONResponse:
            with standin._lock:
                items = [c.as_dict() for c in standin.calls if c.seq > since]
            return JSONResponse({"calls": items, "boot": standin.boot})

        # -- rich menus ---------------------------------------------------------------------------

        @app.post("/v2/bot/richmenu")
        async def create_rich_menu(request: Request) -> JSONResponse:
            result = await record(request, None)
            if isinstance(result, JSONResponse):
                return result
            _, body = result
            problem = _check_rich_menu(body)
            if problem:
                return _error("The request body has 1 error(s)", details=[{"message": problem}])
            menu_id = "richmenu-" + uuid.uuid4().hex
            standin.rich_menus[menu_id] = {**body, "richMenuId": menu_id}
            return JSONResponse({"richMenuId": menu_id})

        @app.get("/v2/bot/richmenu/list")
        async def list_rich_menus(request: Request) -> JSONResponse:
            result = await record(request, None)
            if isinstance(result, JSONResponse):
                return result
            return JSONResponse({"richmenus": list(standin.rich_menus.values())})

        @app.get("/v2/bot/richmenu/{menu_id}")
        async def get_rich_menu(menu_id: str) -> JSONResponse:
            menu = standin.rich_menus.get(menu_id)
            return JSONResponse(menu) if menu else _error("Not found", 404)

        @app.delete("/v2/bot/richmenu/{menu_id}")
        async def delete_rich_menu(menu_id: str, request: Request) -> JSONResponse:
            result = await record(request, None)
            if isinstance(result, JSONResponse):
                return result
            if standin.rich_menus.pop(menu_id, None) is None:
                return _error("Not found", 404)
            standin.rich_menu_images.pop(menu_id, None)
            if standin.default_rich_menu == menu_id:
                standin.default_rich_menu = None
            return JSONResponse({})

        @app.post("/v2/bot/richmenu/{menu_id}/content")
        async def upload_rich_menu_image(menu_id: str, request: Request) -> JSONResponse:
            if not request.headers.get("authorization", "").startswith("Bearer "):
                return _error("Authentication failed", 401)
            if menu_id not in standin.rich_menus:
                return _error("Not found", 404)
            if menu_id in standin.rich_menu_images:
                return _error("An image has already been uploaded to the richmenu", 400)
            kind = request.headers.get("content-type", "")
            data = await request.body()
            if kind not in ("image/png", "image/jpeg") or not data or len(data) > 1024 * 1024:
                return _error("The image must be a PNG or JPEG of at most 1 MB", 400)
            standin.rich_menu_images[menu_id] = (data, kind)
            with standin._lock:
                standin.calls.append(Call(next(standin._seq), "POST", request.url.path, {"bytes": len(data)}, {}))
            return JSONResponse({})

        @app.get("/v2/bot/richmenu/{menu_id}/content")
        async def rich_menu_image(menu_id: str):  # type: ignore[no-untyped-def]
            from fastapi.responses import Response

            image = standin.rich_menu_images.get(menu_id)
            return Response(image[0], media_type=image[1]) if image else _error("Not found", 404)

        @app.post("/v2/bot/user/all/richmenu/{menu_id}")
        async def set_default_rich_menu(menu_id: str, request: Request) -> JSONResponse:
            result = await record(request, None)
            if isinstance(result, JSONResponse):
                return result
            if menu_id not in standin.rich_menus:
                return _error("Not found", 404)
            if menu_id not in standin.rich_menu_images:
                return _error("must upload richmenu image before applying it to user", 400)
            standin.default_rich_menu = menu_id
            return JSONResponse({})

        @app.get("/v2/bot/user/all/richmenu")
        async def default_rich_menu() -> JSONResponse:
            if standin.default_rich_menu is None:
                return _error("no default richmenu", 404)
            return JSONResponse({"richMenuId": standin.default_rich_menu})

        return app
