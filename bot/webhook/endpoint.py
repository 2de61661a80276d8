"""``POST /callback``: verify, keep, acknowledge — and leave the work for afterwards.

LINE expects a quick 200. A missing or forged signature, or a body that is not a webhook
payload, is rejected with 400 before anything is kept; the events themselves are stored in the
inbox before the 200, so an acknowledged event survives a crash (``inbox.py``), and handled by
the dispatcher (``dispatcher.py``) after the response.
"""
from __future__ import annotations

import json
import re
import time
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import JSONResponse

from bot import metrics
from bot.webhook.dispatcher import process_stored
from knowledge.errors import AssistantError

__all__ = ["MAX_BODY_BYTES", "MAX_DEPTH", "BadPayload", "clean", "raw_events", "router"]

router = APIRouter()

#: LINE's own payloads are far smaller; anything bigger is not from LINE.
MAX_BODY_BYTES = 1_000_000


class BadPayload(AssistantError, ValueError):
    """The body is signed correctly but is not a webhook payload."""


#: LINE's events nest about six levels deep; anything far deeper is not from LINE.
MAX_DEPTH = 32
#: NUL and lone surrogates: valid JSON escapes that no database column (or UTF-8) can hold.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _too_deep(value: Any) -> bool:
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)
    return False


def clean(value: Any) -> Any:
    """Every string with NUL bytes and lone surrogates removed, so a message can always be stored."""
    if isinstance(value, str):
        return _UNSTORABLE.sub("", value)
    if isinstance(value, dict):
        return {clean(k): clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean(v) for v in value]
    return value


def raw_events(body: bytes) -> list[Any]:
    """The body's event list, checked just enough to acknowledge it (the rest happens later)."""
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise BadPayload("body is not JSON") from exc
    if _too_deep(payload):
        raise BadPayload("body is nested deeper than any webhook payload")
    if not isinstance(payload, dict) or not isinstance(payload.get("events"), list):
        raise BadPayload("body has no events list")
    return clean(payload["events"])


async def _read_at_most(request: Request, limit: int) -> bytes | None:
    """The body, read as it streams in; None as soon as it passes ``limit`` (whatever the headers say)."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


@router.post("/callback")
async def callback(request: Request, background: BackgroundTasks) -> JSONResponse:
    began = time.perf_counter()
    response, outcome = await _acknowledge(request, background)
    metrics.WEBHOOK_REQUESTS.labels(outcome).inc()
    if outcome == "acked":
        metrics.ACK_SECONDS.observe(time.perf_counter() - began)
    return response


async def _acknowledge(request: Request, background: BackgroundTasks) -> tuple[JSONResponse, str]:
    """The response, and the outcome it counts as (``acked``, or why the request was refused)."""
    services = request.app.state.services
    signature = request.headers.get("x-line-signature")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return JSONResponse({"detail": "payload too large"}, status_code=413), "too_large"
    body = await _read_at_most(request, MAX_BODY_BYTES)
    if body is None:
        return JSONResponse({"detail": "payload too large"}, status_code=413), "too_large"
    if not signature:
        return JSONResponse({"detail": "missing X-Line-Signature"}, status_code=400), "bad_signature"
    try:
        valid = services.signature.validate(body.decode("utf-8"), signature)
    except (UnicodeDecodeError, ValueError, TypeError):
        valid = False
    if not valid:
        return JSONResponse({"detail": "invalid signature"}, status_code=400), "bad_signature"
    try:
        raws = raw_events(body)
    except BadPayload as exc:
        return JSONResponse({"detail": str(exc)}, status_code=400), "bad_payload"
    if raws:
        # Kept durably before LINE hears "200": a crash after this point loses nothing. Turning
        # the JSON into events and everything else happens after the response.
        try:
            stored = await request.app.state.inbox_writer.store(raws)
        except Exception:  # noqa: BLE001 — the database is down: not acknowledged, so LINE redelivers
            return JSONResponse({"detail": "cannot keep events now"}, status_code=503), "not_kept"
        metrics.EVENTS_RECEIVED.inc(len(stored))
        handler = request.app.state.handler
        if handler is not None:
            handler.feed(stored)  # handled in the handler process, at its own pace
        else:
            background.add_task(process_stored, stored, services, request.app.state.line)
    return JSONResponse({"status": "ok"}), "acked"
