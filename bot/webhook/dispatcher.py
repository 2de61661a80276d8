"""Handling kept events: one chat at a time, in order, exactly once, then replying.

For each event: parse it, skip it when another channel owns the chat (standby) or the user is
flooding us, run the router in one transaction that also claims the event id (so a redelivery
is never handled twice), render the replies, reply (or push when the reply token is spent), and
run the effects the handlers asked for.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
import uuid
import weakref
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import anyio
from linebot.v3.webhooks import Event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError

from bot import metrics
from bot.line.client import LineError
from bot.line.render import render
from bot.webhook import inbox as kept
from bot.webhook.events import chat_of, incoming, is_standby
from db import forms, handoffs, inbox, replies, users
from db.models import utcnow
from handlers.context import Ctx
from handlers.effects import (
    DeliverNotice,
    Effect,
    ErasedUser,
    FetchEvidence,
    HandoffOpened,
)
from handlers.replies import text

if TYPE_CHECKING:
    from bot.line.client import LineClient
    from bot.services import Services

__all__ = ["process_event", "process_events", "process_stored", "recover", "retry_key", "retry_key_for",
           "run_effect", "to_events"]

log = logging.getLogger(__name__)

SORRY = "抱歉，系統暫時出了點狀況，請稍後再試一次 🙏"
SLOW_DOWN = "您傳訊息的速度有點快，請稍等一分鐘再問我 🙏"
LOADING_AFTER_SECONDS = 1.0


def to_events(raws: list[Any]) -> list[Event]:
    """Events we understand; unknown or malformed individual events are skipped, not fatal."""
    events: list[Event] = []
    for raw in raws:
        try:
            events.append(Event.from_dict(raw))
        except Exception:
            kind = raw.get("type") if isinstance(raw, dict) else type(raw).__name__
            log.info("ignoring unsupported webhook event", extra={"event_type": str(kind)[:40]})
    return events


async def recover(services: Services, line: LineClient) -> int:
    """Finish what a dead (or failing) process left: events never handled, replies never sent."""
    from bot.outbox import replies as outbox

    # Replies first: whether one caught mid-attempt arrived can only be settled while its reply
    # token is valid, and handling a backlog of events could take longer than that.
    await outbox.recover(services, line)
    leased = await anyio.to_thread.run_sync(kept.orphans, services)
    if leased:
        log.warning("handling events left over from a crash", extra={"count": len(leased)})
        await process_stored(leased, services, line)
    return len(leased)


async def process_stored(stored: list[tuple[int, Any]] | list[tuple[int, Any, int]], services: Services,
                         line: LineClient) -> None:
    """Parse kept events and handle them; an event we cannot parse is dropped from the inbox, and
    one that has failed too often is buried (the user gets one apology)."""
    events, inbox_ids = [], []
    for inbox_id, raw, *rest in stored:
        attempts = rest[0] if rest else 1
        if attempts > services.settings.handling_attempts:
            await _bury(inbox_id, raw, services, line)
            continue
        parsed = to_events([raw])
        if parsed:
            events.append(parsed[0])
            inbox_ids.append(inbox_id)
        else:
            await anyio.to_thread.run_sync(kept.forget, services, inbox_id)
    await process_events(events, services, line, inbox_ids=inbox_ids)


async def _bury(inbox_id: int, raw: Any, services: Services, line: LineClient) -> None:
    """An event that keeps failing: to the dead letters, and one apology to the user."""
    from bot.outbox import replies as outbox

    parsed = to_events([raw])
    chat = chat_of(parsed[0]) if parsed else None
    key = f"dead:{getattr(parsed[0], 'webhook_event_id', None) or inbox_id}" if parsed else f"dead:{inbox_id}"

    def bury() -> int | None:
        """The burial and the apology commit together: a crash cannot bury an event unanswered.
        The inbox row goes after (a crash in between: found buried already next time)."""
        with services.inbox_db.session() as spool, services.db.session() as session:
            letter = inbox.bury(session=session, spool=spool, inbox_id=inbox_id, now=services.clock.now())
            if letter is None:
                return None
            metrics.EVENTS_HANDLED.labels("dead_lettered").inc()
            log.error("event moved to the dead letters", extra={
                "event_type": letter.event_type, "error": letter.error, "attempts": letter.attempts})
            if not chat:
                return None
            return replies.keep(session=session, key=key, chat_id=chat, reply_token=None,
                                messages=[m.to_dict() for m in render([text(SORRY)])],
                                retry_key=str(uuid.uuid5(uuid.NAMESPACE_URL, key)), now=services.clock.now())

    reply_id = await anyio.to_thread.run_sync(bury)
    if reply_id is not None:
        await outbox.send(services, line, reply_id)


_chat_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()


def _lock_for(event: Event) -> asyncio.Lock:
    """One lock per chat: a chat's events are handled one at a time, in order, in this process."""
    key = chat_of(event) or ""
    lock = _chat_locks.get(key)
    if lock is None:
        lock = asyncio.Lock()
        _chat_locks[key] = lock
    return lock


async def process_events(events: list[Event], services: Services, line: LineClient, *,
                         inbox_ids: list[int] | None = None) -> None:
    """Handle events in timestamp order; one failing event never stops the others.

    A failure leaves the event in the inbox with its error's type: it is retried when its lease
    runs out, and buried after ``HANDLING_ATTEMPTS`` tries.
    """
    pairs = list(zip(events, inbox_ids or [None] * len(events)))
    for event, inbox_id in sorted(pairs, key=lambda p: getattr(p[0], "timestamp", 0) or 0):
        try:
            async with _lock_for(event):
                began = time.perf_counter()
                await process_event(event, services, line, inbox_id=inbox_id)
                metrics.HANDLING_SECONDS.observe(time.perf_counter() - began)
                metrics.EVENTS_HANDLED.labels("handled").inc()
        except Exception as exc:
            metrics.EVENTS_HANDLED.labels("failed").inc()
            log.exception("event handling failed", extra={"event": type(event).__name__})
            if inbox_id is not None:
                try:
                    await anyio.to_thread.run_sync(kept.failed, services, inbox_id, type(exc).__name__)
                except Exception:
                    log.exception("could not note the failure")
            else:
                token = getattr(event, "reply_token", None)
                if token:
                    try:
                        await line.reply(token, render([text(SORRY)]))
                    except LineError:
                        pass


async def process_event(event: Event, services: Services, line: LineClient, *, inbox_id: int | None = None) -> None:
    from bot.outbox import replies as outbox

    if is_standby(event):
        if inbox_id is not None:
            await anyio.to_thread.run_sync(kept.forget, services, inbox_id)
        return
    user = getattr(getattr(event, "source", None), "user_id", None)
    token = getattr(event, "reply_token", None)
    if user and token:
        verdict = services.rate_limiter.check(user)
        if verdict == "warn":
            try:
                await line.reply(token, render([text(SLOW_DOWN)]))
            except LineError:
                pass
        if verdict != "ok":
            log.info("rate limited", extra={"verdict": verdict})
            if inbox_id is not None:
                await anyio.to_thread.run_sync(kept.forget, services, inbox_id)
            return
    loading = _loading_indicator(event, line)
    try:
        outgoing, effects = await anyio.to_thread.run_sync(_handle, event, services, inbox_id)
    finally:
        loading.cancel()
    if outgoing is not None:
        await outbox.send_claimed(services, line, *outgoing)
    if inbox_id is not None:  # handled and committed: the inbox copy can go (a crash first: found claimed)
        await anyio.to_thread.run_sync(kept.forget, services, inbox_id)
    for effect in effects:
        await run_effect(effect, services, line)


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


async def run_effect(effect: Effect, services: Services, line: LineClient) -> None:
    """Work a handler asked for after its reply: it may be slow or touch the network."""
    from bot.outbox import notices

    try:
        if isinstance(effect, DeliverNotice):
            await notices.deliver_notice(services.db, line, effect.notice_id, clock=services.clock,
                                         concurrency=services.settings.multicast_concurrency)
        elif isinstance(effect, HandoffOpened):
            from bot.outbox import handoffs as handoff_outbox

            await handoff_outbox.notify_staff(services, line, effect.handoff_id)
        elif isinstance(effect, ErasedUser):
            await anyio.to_thread.run_sync(kept.erase_user, services, effect.line_user_id)
        elif isinstance(effect, FetchEvidence):
            data, content_type = await line.content(effect.message_id)
            with services.db.session() as session:
                forms.add_evidence(session=session, session_id=effect.session_id, message_id=effect.message_id,
                                   content_type=content_type, data=data[:10_000_000])
    except Exception:
        log.exception("effect failed", extra={"effect": type(effect).__name__})


Outgoing = tuple[replies.Claimed, list[Any]]  # a reply claimed by its handling transaction, and its messages


def _handle(event: Event, services: Services, inbox_id: int | None = None) -> tuple[Outgoing | None, list[Effect]]:
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
    return None, []


def _sent_at(event: Event) -> datetime | None:
    """When LINE sent the event (its reply token's age counts from then)."""
    stamp = getattr(event, "timestamp", None)
    return datetime.fromtimestamp(stamp / 1000, UTC) if isinstance(stamp, (int, float)) and stamp > 0 else None


def _fingerprint(event: Event) -> str:
    """A stable key for an event without a webhook event id: the hash of its content."""
    body = json.dumps(event.to_dict(), sort_keys=True, ensure_ascii=False, default=str)
    return "sha:" + hashlib.sha256(body.encode()).hexdigest()[:60]


def retry_key(event: Event) -> str:
    """The X-Line-Retry-Key of the push that may carry this event's answer: the same on every try."""
    return retry_key_for(getattr(event, "webhook_event_id", "") or str(id(event)))


def retry_key_for(webhook_event_id: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"push:{webhook_event_id}"))


def _handle_once(event: Event, services: Services, inbox_id: int | None = None) -> tuple[Outgoing | None, list[Effect]]:
    """Claim the event, decide what to say, and keep the answer in the outbox — one commit."""
    said = incoming(event)
    # The claim is what makes handling exactly-once (the inbox row is removed after the commit).
    # LINE gives every event an id; one without (a hand-made test event) is keyed by its content.
    claim = said.event_id or (_fingerprint(event) if inbox_id is not None else None)
    with services.db.session() as session:
        if claim and not inbox.claim_event(session=session, webhook_event_id=claim):
            # Claimed and committed by another transaction (a redelivery, or another worker's
            # recovery, or this event before a crash took its inbox row's removal): nothing to do.
            log.info("duplicate webhook event ignored")
            return None, []
        if said.user_id:
            users.lock_user(session=session, line_user_id=said.user_id)
            if said.kind in ("follow", "unfollow"):
                users.set_blocked(session=session, line_user_id=said.user_id, blocked=said.kind == "unfollow")
            if said.kind == "unfollow":  # nobody left to talk to: a waiting handoff closes
                handoffs.close_all_of(session=session, line_user_id=said.user_id, reason="blocked",
                                      now=services.clock.now())
        if said.kind == "unfollow":
            return None, []
        ctx = Ctx(event=said, session=session, services=services)
        started = time.perf_counter()
        route = services.router.dispatch(ctx)
        log.info("event handled", extra={
            "event": said.kind, "handler": route.name if route else None,
            "messages": len(ctx.replies), "ms": round((time.perf_counter() - started) * 1000, 1),
        })
        chat, token = chat_of(event), getattr(event, "reply_token", None)
        outgoing = None
        if ctx.replies and (token or chat):
            messages = render(ctx.replies)
            stamped = _sent_at(event)
            sent_at, key = stamped or services.clock.now(), retry_key(event)
            # Reply only while the token has life left to settle a crash mid-reply; an answer
            # decided later (a backlog) is pushed, always, with its retry key. Real time: tokens
            # expire by LINE's clock.
            if token and stamped and (utcnow() - stamped).total_seconds() >= services.settings.reply_first_seconds:
                token = None
            reply_id = replies.keep(session=session, key=said.event_id or f"local:{uuid.uuid4()}", chat_id=chat or "",
                                    reply_token=token, messages=[m.to_dict() for m in messages], retry_key=key,
                                    received_at=sent_at, now=services.clock.now(), claimed=True)
            outgoing = (replies.Claimed(reply_id, chat or "", token, [], key, sent_at, tried_before=False, attempt=1),
                        messages)
        return outgoing, ctx.effects
