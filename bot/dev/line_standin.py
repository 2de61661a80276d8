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


class LineStandin:
    def __init__(self, *, latency: float = 0.0, keep: int = 100_000) -> None:
        self.latency = latency
        self.calls: deque[Call] = deque(maxlen=keep)
        self._seq = itertools.count(1)
        self._lock = threading.Lock()
        #: Scripted responses for the next calls to a path suffix, e.g. ``[(429, {"Retry-After": "1"})]``.
        self.failures: dict[str, list[tuple[int, dict[str, str]]]] = {}
        self._accepted_keys: set[str] = set()
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
            self.failures.clear()

    def fail_next(self, suffix: str, status: int, headers: dict[str, str] | None = None, times: int = 1) -> None:
        self.failures.setdefault(suffix, []).extend([(status, headers or {})] * times)

    # -- the fake API -------------------------------------------------------------------------

    def _build(self) -> FastAPI:
        app = FastAPI(title="LINE API stand-in", docs_url=None, redoc_url=None)
        standin = self

        async def record(request: Request, kind: str | None) -> JSONResponse | tuple[Call, Any]:
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
            result = await record(request, "reply")
            if isinstance(result, JSONResponse):
                return result
            _, body = result
            if not (body or {}).get("replyToken"):
                return _error("Invalid reply token")
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
            return JSONResponse({"calls": items})

        return app
