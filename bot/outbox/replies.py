"""Sending the reply outbox: each decided answer reaches LINE exactly once, even across a crash.

The handling transaction stores the answer (``db/replies.py``); this module sends it after the
commit and marks it sent. How one attempt goes:

- While the reply token is fresh (``REPLY_TOKEN_SECONDS``), reply with it. LINE accepts a reply
  token once, so a second try with the same token cannot deliver twice: if LINE refuses the
  token and an earlier attempt was made, that attempt delivered (its process died before it
  could say so, or its answer was lost on the way back) and the row is marked sent.
- A reply LINE did not answer (a timeout, a 5xx) may have arrived: it is asked again with the same
  token, now and — while the token lives — on later tries, so that LINE's refusal can say it did.
- Otherwise push with the row's retry key; a push LINE already accepted answers 409, which
  counts as delivered.

Rows left pending or sending by a dead process are taken over by :func:`recover` after
``ORPHAN_AFTER_SECONDS``. An answer decided later than ``REPLY_FIRST_SECONDS`` after its event
is kept without its reply token (the dispatcher decides), so it only ever goes as a push: a crash
mid-reply then always leaves time to settle a reply with its token, and never mixes the two. The one gap left: a process
that dies mid-reply and is not back before the token expires; its row is pushed, and the user
may see the answer twice. Nothing is lost.
"""
from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

import anyio
from linebot.v3.messaging import Message

from bot.line.client import LineError
from bot.outbox.retry import with_retries
from db import replies
from db.models import utcnow

if TYPE_CHECKING:
    from bot.line.client import LineClient
    from bot.services import Services

__all__ = ["recover", "send", "send_claimed"]

log = logging.getLogger(__name__)


def _claim(services: Services, reply_id: int, stale: bool) -> replies.Claimed | None:
    now = services.clock.now()
    before = now - timedelta(seconds=services.settings.orphan_after_seconds) if stale else None
    with services.db.session() as session:
        return replies.claim(session=session, reply_id=reply_id, now=now, stale_before=before)


def _finish(services: Services, row: replies.Claimed, status: str, error: str | None) -> None:
    with services.db.session() as session:
        replies.finish(session=session, reply_id=row.id, status=status, error=error, now=services.clock.now(),
                       attempt=row.attempt)


def _next_try(services: Services) -> float:
    """Seconds until the recovery loop takes a pending row up again (at the latest)."""
    return services.settings.orphan_after_seconds + services.settings.recovery_seconds


def _renew(services: Services, row: replies.Claimed) -> bool:
    with services.db.session() as session:
        return replies.renew(session=session, reply_id=row.id, attempt=row.attempt, now=services.clock.now())


async def send(services: Services, line: LineClient, reply_id: int, *, stale: bool = False) -> str:
    """One attempt at a kept reply; returns the row's new status (or ``taken`` if another worker has it)."""
    claimed = await anyio.to_thread.run_sync(_claim, services, reply_id, stale)
    if claimed is None:
        return "taken"
    return await send_claimed(services, line, claimed)


async def send_claimed(services: Services, line: LineClient, claimed: replies.Claimed,
                       messages: list[Message] | None = None) -> str:
    """Deliver a row already claimed — by the handling transaction itself, for a fresh answer,
    whose rendered ``messages`` are still in hand."""
    status, error = await _deliver(services, line, claimed, messages)
    if status == "taken":
        return status
    await anyio.to_thread.run_sync(_finish, services, claimed, status, error)
    if status != "sent":
        log.warning("reply not delivered yet", extra={"status": status, "error": (error or "")[:120]})
    return status


async def _deliver(services: Services, line: LineClient, row: replies.Claimed,
                   rendered: list[Message] | None = None) -> tuple[str, str | None]:
    messages = rendered if rendered is not None else [Message.from_dict(m) for m in row.messages]
    age = (utcnow() - row.created_at).total_seconds()  # real time: tokens expire by LINE's clock, not ours
    if row.reply_token and age < services.settings.reply_token_seconds:
        try:
            await line.reply(row.reply_token, messages)
            return "sent", None
        except LineError as exc:
            if exc.token_refused and row.tried_before:
                return "sent", None  # our earlier attempt used the token: it was delivered
            if exc.status == 0 or exc.status >= 500:
                # No answer (a timeout, a dropped connection): the reply may have arrived. Ask
                # again with the same token — LINE refusing it now means the first one did.
                try:
                    await line.reply(row.reply_token, messages)
                    return "sent", None
                except LineError as again:
                    if again.token_refused:
                        return "sent", None
                    if age + _next_try(services) < services.settings.reply_token_seconds:
                        # Still no answer, and the token outlives one more try: ask again later
                        # rather than push now — a push after a reply that did arrive is a double.
                        log.info("reply unanswered; asking again later", extra={"status": again.status,
                                                                                 "age_s": round(age, 1)})
                        return "pending", f"reply unanswered ({again.status})"
            log.info("reply not accepted; pushing instead", extra={
                "status": exc.status, "detail": exc.detail[:60], "tried_before": row.tried_before, "age_s": round(age, 1)})
            # An expired token, LINE unreachable, or a refusal we cannot read: push instead —
            # unless another worker took the row over while our reply hung (then its reply may
            # be what used the token, and the row is its to finish).
            if not await anyio.to_thread.run_sync(_renew, services, row):
                return "taken", None
    if not row.chat_id:
        return "failed", "no chat to push to"
    outcome, error = await with_retries(lambda: line.push(row.chat_id, messages, retry_key=row.retry_key))
    return {"sent": "sent", "failed": "failed"}.get(outcome, "pending"), error


def _stale(services: Services) -> list[int]:
    now = services.clock.now()
    with services.db.session() as session:
        replies.purge_sent(session=session, before=now - timedelta(days=1))
        return replies.stale(session=session, before=now - timedelta(seconds=services.settings.orphan_after_seconds))


async def recover(services: Services, line: LineClient) -> int:
    """Send replies a dead (or failing) process decided but never delivered; returns how many were sent.

    Several at once: a restart after a crash should settle them while their tokens are valid.
    """
    sent = 0
    limit = anyio.Semaphore(8)

    async def one(reply_id: int) -> None:
        nonlocal sent
        async with limit:
            if await send(services, line, reply_id, stale=True) == "sent":
                sent += 1

    async with anyio.create_task_group() as group:
        for reply_id in await anyio.to_thread.run_sync(_stale, services):
            group.start_soon(one, reply_id)
    if sent:
        log.warning("replies left over from a crash were sent", extra={"count": sent})
    return sent
