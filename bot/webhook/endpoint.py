"""``POST /callback``: verify, keep, acknowledge — and leave the work for afterwards.

LINE expects a quick 200. A missing or forged signature, or a body that is not a webhook
payload, is rejected with 400 before anything is kept; the events themselves are stored in the
inbox before the 200, so an acknowledged event survives a crash (``inbox.py``), and handled by
the dispatcher (``dispatcher.py``) after the response.
"""
from __future__ import annotations

import json
from typing import Any

import anyio
from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import JSONResponse

from bot.webhook import inbox
from bot.webhook.dispatcher import process_stored
from knowledge.errors import AssistantError

__all__ = ["MAX_BODY_BYTES", "BadPayload", "raw_events", "router"]

router = APIRouter()

#: LINE's own payloads are far smaller; anything bigger is not from LINE.
MAX_BODY_BYTES = 1_000_000


class BadPayload(AssistantError, ValueError):
    """The body is signed correctly but is not a webhook payload."""


def raw_events(body: bytes) -> list[Any]:
    """The body's event list, checked just enough to acknowledge it (the rest happens later)."""
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadPayload("body is not JSON") from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("events"), list):
        raise BadPayload("body has no events list")
    return payload["events"]


_INBOX_LIMITER: anyio.CapacityLimiter | None = None


def _inbox_limiter() -> anyio.CapacityLimiter:
    """Acknowledgements get their own worker threads, so they never queue behind slow handling."""
    global _INBOX_LIMITER
    if _INBOX_LIMITER is None:
        _INBOX_LIMITER = anyio.CapacityLimiter(4)
    return _INBOX_LIMITER


@router.post("/callback")
async def callback(request: Request, background: BackgroundTasks) -> JSONResponse:
    services = request.app.state.services
    signature = request.headers.get("x-line-signature")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return JSONResponse({"detail": "payload too large"}, status_code=413)
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        return JSONResponse({"detail": "payload too large"}, status_code=413)
    if not signature:
        return JSONResponse({"detail": "missing X-Line-Signature"}, status_code=400)
    try:
        valid = services.signature.validate(body.decode("utf-8"), signature)
    except (UnicodeDecodeError, ValueError, TypeError):
        valid = False
    if not valid:
        return JSONResponse({"detail": "invalid signature"}, status_code=400)
    try:
        raws = raw_events(body)
    except BadPayload as exc:
        return JSONResponse({"detail": str(exc)}, status_code=400)
    if raws:
        # Kept durably before LINE hears "200": a crash after this point loses nothing. Turning
        # the JSON into events and everything else happens after the response.
        stored = await anyio.to_thread.run_sync(inbox.store, services, raws, limiter=_inbox_limiter())
        background.add_task(process_stored, stored, services, request.app.state.line)
    return JSONResponse({"status": "ok"})
