"""``POST /callback``: verify, acknowledge at once, then handle the events in the background.

LINE expects a quick 200; the answers go out afterwards through the reply API. A missing or
forged signature, or a body that is not a webhook payload, is rejected with 400 before anything
is processed.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
import weakref
from datetime import datetime, timedelta, timezone
from typing import Any

import anyio
from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import JSONResponse
from linebot.v3.messaging import TextMessage
from linebot.v3.webhooks import Event, UnfollowEvent
from sqlalchemy import delete, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError

from bot.line_client import LineClient, LineError
from bot.services import Services
from db import repo
from handlers.context import Ctx

__all__ = ["MAX_BODY_BYTES", "parse_events", "process_events", "raw_events", "recover_inbox", "router", "to_events"]

log = logging.getLogger(__name__)
router = APIRouter()

#: LINE's own payloads are far smaller; anything bigger is not from LINE.
MAX_BODY_BYTES = 1_000_000
SORRY = "抱歉，系統暫時出了點狀況，請稍後再試一次 🙏"


class BadPayload(ValueError):
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


def parse_events(body: bytes) -> list[Event]:
    """Events we understand; unknown or malformed individual events are skipped, not fatal."""
    return to_events(raw_events(body))


def to_events(raws: list[Any]) -> list[Event]:
    events: list[Event] = []
    for raw in raws:
        try:
            events.append(Event.from_dict(raw))
        except Exception:  # noqa: BLE001 — unknown types and malformed events are ignored
            kind = raw.get("type") if isinstance(raw, dict) else type(raw).__name__
            log.info("ignoring unsupported webhook event", extra={"event_type": str(kind)[:40]})
    return events


@router.post("/callback")
async def callback(request: Request, background: BackgroundTasks) -> JSONResponse:
    services: Services = request.app.state.services
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
        # the JSON into typed events and everything else happens after the response.
        stored = await anyio.to_thread.run_sync(store_inbox, services, raws, limiter=_inbox_limiter())
        background.add_task(_parse_and_process, stored, services, request.app.state.line)
    return JSONResponse({"status": "ok"})


_INBOX_LIMITER: anyio.CapacityLimiter | None = None


def _inbox_limiter() -> anyio.CapacityLimiter:
    """Acknowledgements get their own worker threads, so they never queue behind slow handling."""
    global _INBOX_LIMITER
    if _INBOX_LIMITER is None:
        _INBOX_LIMITER = anyio.CapacityLimiter(4)
    return _INBOX_LIMITER


def store_inbox(services: Services, raws: list[Any]) -> list[tuple[int, Any]]:
    from db.models import InboxEvent

    with services.db.session() as session:
        rows = [InboxEvent(event=raw if isinstance(raw, dict) else {"unparseable": repr(raw)[:200]}) for raw in raws]
        session.add_all(rows)
        session.flush()
        return [(row.id, raw) for row, raw in zip(rows, raws)]


async def _parse_and_process(stored: list[tuple[int, Any]], services: Services, line: LineClient) -> None:
    events, inbox_ids = [], []
    for inbox_id, raw in stored:
        parsed = to_events([raw])
        if parsed:
            events.append(parsed[0])
            inbox_ids.append(inbox_id)
        else:
            await anyio.to_thread.run_sync(_forget, services, inbox_id)
    await process_events(events, services, line, inbox_ids=inbox_ids)


def _forget(services: Services, inbox_id: int) -> None:
    from db.models import InboxEvent

    with services.db.session() as session:
        session.execute(delete(InboxEvent).where(InboxEvent.id == inbox_id))


ORPHAN_AFTER = 30.0  # seconds: an inbox row this old belongs to a process that died


async def recover_inbox(services: Services, line: LineClient) -> int:
    """Handle events that were acknowledged but never handled (the process died in between)."""
    from db.models import InboxEvent

    def load() -> list[tuple[int, Any]]:
        cutoff = datetime.now(timezone.utc) - timedelta(seconds=ORPHAN_AFTER)
        with services.db.session() as session:
            rows = session.scalars(select(InboxEvent).where(InboxEvent.received_at < cutoff).order_by(InboxEvent.id)).all()
            return [(row.id, row.event) for row in rows]

    stored = await anyio.to_thread.run_sync(load)
    if stored:
        log.warning("handling events left over from a crash", extra={"count": len(stored)})
        await _parse_and_process(stored, services, line)
    return len(stored)


_user_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()


def _lock_for(event: Event) -> asyncio.Lock:
    """One lock per chat: a user's events are handled one at a time, in order, in this process."""
    source = getattr(event, "source", None)
    key = getattr(source, "user_id", None) or getattr(source, "group_id", None) or getattr(source, "room_id", None) or ""
    lock = _user_locks.get(key)
    if lock is None:
        lock = asyncio.Lock()
        _user_locks[key] = lock
    return lock


async def process_events(events: list[Event], services: Services, line: LineClient, *,
                         inbox_ids: list[int] | None = None) -> None:
    """Handle events in timestamp order; one failing event never stops the others."""
    pairs = list(zip(events, inbox_ids or [None] * len(events)))
    for event, inbox_id in sorted(pairs, key=lambda p: getattr(p[0], "timestamp", 0) or 0):
        lock = _lock_for(event)
        try:
            async with lock:
                await process_event(event, services, line, inbox_id=inbox_id)
        except Exception:  # noqa: BLE001 — logged; the user gets an apology if we can reply
            log.exception("event handling failed", extra={"event": type(event).__name__})
            token = getattr(event, "reply_token", None)
            if token:
                try:
                    await line.reply(token, [TextMessage(text=SORRY)])
                except LineError:
                    pass


SLOW_DOWN = "您傳訊息的速度有點快，請稍等一分鐘再問我 🙏"


async def process_event(event: Event, services: Services, line: LineClient, *, inbox_id: int | None = None) -> None:
    if str(getattr(event, "mode", "active")).lower().endswith("standby"):
        if inbox_id is not None:
            await anyio.to_thread.run_sync(_forget, services, inbox_id)
        return  # another channel (e.g. a human operator) owns the chat
    user = getattr(getattr(event, "source", None), "user_id", None)
    token = getattr(event, "reply_token", None)
    if user and token:
        verdict = services.rate_limiter.check(user)
        if verdict == "warn":
            try:
                await line.reply(token, [TextMessage(text=SLOW_DOWN)])
            except LineError:
                pass
        if verdict != "ok":
            log.info("rate limited", extra={"verdict": verdict})
            if inbox_id is not None:
                await anyio.to_thread.run_sync(_forget, services, inbox_id)
            return
    loading = _loading_indicator(event, line)
    try:
        messages, deferred = await anyio.to_thread.run_sync(_handle, event, services, inbox_id)
    finally:
        loading.cancel()
    token = getattr(event, "reply_token", None)
    if messages and token:
        await _reply_or_push(event, token, messages, services, line)
    for job, params in deferred:
        await run_job(job, params, services, line)


LOADING_AFTER_SECONDS = 1.0


def _loading_indicator(event: Event, line: LineClient) -> asyncio.Task[None]:
    """Show LINE's typing animation if handling a user's message turns out to be slow."""
    source = getattr(event, "source", None)
    chat = getattr(source, "user_id", None) if getattr(source, "type", "") == "user" else None

    async def later() -> None:
        await asyncio.sleep(LOADING_AFTER_SECONDS)
        if chat:
            try:
                await line.show_loading(chat)
            except LineError:
                pass

    return asyncio.create_task(later())


async def _reply_or_push(event: Event, token: str, messages: list[Any], services: Services, line: LineClient) -> None:
    """Reply; if LINE rejects the token (expired, used) or never answers, push instead.

    The push carries a retry key derived from the event id, so a retried push cannot arrive twice.
    """
    from bot.retry import with_retries
    from db.models import AuditLog

    try:
        await line.reply(token, messages)
        return
    except LineError as exc:
        reason = f"reply {exc.status}"
    source = getattr(event, "source", None)
    chat = getattr(source, "group_id", None) or getattr(source, "room_id", None) or getattr(source, "user_id", None)
    outcome, error = "failed", "no chat to push to"
    if chat:
        key = str(uuid.uuid5(uuid.NAMESPACE_URL, f"push:{getattr(event, 'webhook_event_id', '') or token}"))
        outcome, error = await with_retries(lambda: line.push(chat, messages, retry_key=key))
    log.warning("reply fell back to push", extra={"reason": reason, "outcome": outcome})
    with services.db.session() as session:
        session.add(AuditLog(actor="system", action="reply_fallback",
                             details={"reason": reason, "outcome": outcome, "error": (error or "")[:200]}))


async def run_job(job: str, params: dict[str, Any], services: Services, line: LineClient) -> None:
    """Work a handler asked for after its reply: it may be slow or touch the network."""
    from bot import notices
    from db.models import Evidence

    try:
        if job == "deliver_notice":
            await notices.deliver_notice(services.db, line, int(params["notice_id"]))
        elif job == "fetch_evidence":
            data, content_type = await line.content(str(params["message_id"]))
            with services.db.session() as session:
                session.add(Evidence(session_id=int(params["session_id"]), message_id=str(params["message_id"]),
                                     content_type=content_type, data=data[:10_000_000]))
    except Exception:  # noqa: BLE001 — logged; the user already has their reply
        log.exception("deferred job failed", extra={"job": job})


def _handle(event: Event, services: Services, inbox_id: int | None = None) -> tuple[list[Any], list[tuple[str, dict[str, Any]]]]:
    """Run the router in one transaction; retried on fresh state if another process raced us.

    Across processes, the user's row is locked for the transaction (PostgreSQL) and form
    sessions carry a version number, so two messages of one user can never both move the same
    form; the loser simply runs again on the winner's result.
    """
    for attempt in range(3):
        try:
            return _handle_once(event, services, inbox_id)
        except (StaleDataError, OperationalError):
            if attempt == 2:
                raise
            log.info("concurrent update, retrying event")
    return [], []


def _handle_once(event: Event, services: Services, inbox_id: int | None = None) -> tuple[list[Any], list[tuple[str, dict[str, Any]]]]:
    from db.models import InboxEvent

    with services.db.session() as session:
        event_id = getattr(event, "webhook_event_id", None)
        if event_id and not repo.claim_event(session=session, webhook_event_id=event_id):
            log.info("duplicate webhook event ignored")
            if inbox_id is not None:
                session.execute(delete(InboxEvent).where(InboxEvent.id == inbox_id))
            return [], []
        if inbox_id is not None:  # handled in this transaction, or left for recovery if it fails
            session.execute(delete(InboxEvent).where(InboxEvent.id == inbox_id))
        ctx = Ctx(event=event, session=session, services=services)
        if ctx.user_id:
            repo.lock_user(session=session, line_user_id=ctx.user_id)
        if isinstance(event, UnfollowEvent) and ctx.user_id:
            repo.set_blocked(session=session, line_user_id=ctx.user_id, blocked=True)
            return [], []
        if ctx.user_id and getattr(event, "type", "") == "follow":
            repo.set_blocked(session=session, line_user_id=ctx.user_id, blocked=False)
        started = time.perf_counter()
        route = services.router.dispatch(ctx)
        log.info("event handled", extra={
            "event": type(event).__name__, "handler": route.name if route else None,
            "messages": len(ctx.messages), "ms": round((time.perf_counter() - started) * 1000, 1),
        })
        return ctx.messages, ctx.deferred
