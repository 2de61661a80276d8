"""What every request passes before it reaches a route: hostile input refused politely, and the
browser told to keep the console to itself.

- **Input.** NUL bytes, lone surrogates and JSON nested deeper than any real request can hold no
  meaning here and break databases further down; on the console and its API they are refused
  with a 400 and a message in Chinese instead of becoming a 500. (The webhook has its own,
  stricter reading: ``bot/webhook/endpoint.py``.)
- **Headers.** Console pages may not be framed, leak their address, be sniffed into another
  type, or run script the page did not carry (a per-request nonce for its own scripts).
"""
from __future__ import annotations

import json
import re
import secrets
from typing import Any
from urllib.parse import unquote_to_bytes

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["MAX_JSON_DEPTH", "GuardMiddleware", "nonce"]

MAX_JSON_DEPTH = 32
MAX_ADMIN_BODY = 2_000_000
_BAD_ESCAPE = re.compile(rb"\\u0000|\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
REFUSED = "輸入含有無法處理的字元（NUL 或不完整的 Unicode）或結構過深，請修改後再送出。"


def nonce(request: Request) -> str:
    """This response's script nonce (templates put it on their <script> tags)."""
    return getattr(request.state, "csp_nonce", "")


def _depth(data: bytes) -> int:
    """How deeply brackets nest in a JSON text, without parsing it (strings skipped)."""
    deepest = depth = 0
    in_string = escaped = False
    for byte in data:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


def _lone_surrogates(data: bytes) -> bool:
    """JSON \\uD8xx escapes that are not a high-low pair."""
    try:
        text = json.loads(data)
    except (ValueError, RecursionError):
        return False  # not JSON: the route answers 422 itself
    stack: list[Any] = [text]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            if re.search("[\ud800-\udfff]", node):
                return True
        elif isinstance(node, dict):
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False


def _hostile(query: bytes, body: bytes, content_type: str) -> bool:
    if b"\x00" in unquote_to_bytes(query) or b"\x00" in body:
        return True
    if "application/x-www-form-urlencoded" in content_type and b"\x00" in unquote_to_bytes(body.replace(b"+", b" ")):
        return True
    try:
        unquote_to_bytes(query).decode("utf-8")
    except UnicodeDecodeError:
        return True
    if "json" in content_type and body:
        if _depth(body) > MAX_JSON_DEPTH:
            return True
        if _BAD_ESCAPE.search(body) and (b"\\u0000" in body or _lone_surrogates(body)):
            return True
    return False


_CSP = ("default-src 'none'; script-src 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


class GuardMiddleware:
    """Pure ASGI, so the body it reads is handed on to the route unchanged."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        console = path.startswith("/admin")
        if console:
            body, more = b"", True
            while more:
                message = await receive()
                body += message.get("body", b"")
                more = message.get("more_body", False)
                if len(body) > MAX_ADMIN_BODY:
                    await JSONResponse({"detail": "內容太大"}, status_code=413)(scope, receive, send)
                    return
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
            if _hostile(scope.get("query_string", b""), body, headers.get("content-type", "")):
                await JSONResponse({"detail": REFUSED}, status_code=400)(scope, receive, send)
                return
            replayed = False

            async def replay() -> Message:
                nonlocal replayed
                if not replayed:
                    replayed = True
                    return {"type": "http.request", "body": body, "more_body": False}
                return await receive()

            receive = replay
        token = secrets.token_urlsafe(16)
        scope.setdefault("state", {})["csp_nonce"] = token

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = [(b"x-content-type-options", b"nosniff")]
                if console:
                    extra += [(b"x-frame-options", b"DENY"), (b"referrer-policy", b"no-referrer"),
                              (b"content-security-policy", _CSP.format(nonce=token).encode()),
                              (b"cache-control", b"no-store")]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)

