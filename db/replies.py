"""The reply outbox: what the assistant decided to say to an event, kept until LINE has it.

A row is written in the transaction that handles the event (so "handled" and "what to say" commit
together), claimed before each attempt with a conditional update (so two workers never send the
same row), and marked sent afterwards. Rows left pending or sending by a dead process are found
by :func:`stale`. Keyword-only arguments throughout.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from db.models import OutboxReply, utcnow

__all__ = ["Claimed", "claim", "finish", "keep", "purge_sent", "renew", "stale"]


@dataclass(frozen=True)
class Claimed:
    """A row claimed for one attempt: everything needed to send it, and whether it was tried before."""

    id: int
    chat_id: str
    reply_token: str | None
    messages: list[dict[str, Any]]
    retry_key: str
    created_at: datetime
    tried_before: bool
    attempt: int  # this attempt's number: the row is ours while its attempts still equal it


def keep(*, session: Session, key: str, chat_id: str, reply_token: str | None, messages: list[dict[str, Any]],
         retry_key: str, received_at: datetime | None = None, now: datetime | None = None,
         claimed: bool = False) -> int:
    """Store a decided reply (in the handling transaction); returns its id.

    ``received_at`` is when LINE sent the event: the reply token's age counts from then.
    ``claimed``: the caller sends it right after the commit, so the row starts as its first
    attempt (status ``sending``) — no separate claim, one transaction fewer per message.
    """
    now = now or utcnow()
    values = {"key": key[:80], "chat_id": chat_id, "reply_token": reply_token, "messages": messages,
              "retry_key": retry_key, "created_at": received_at or utcnow(), "updated_at": now,
              "status": "sending" if claimed else "pending", "attempts": 1 if claimed else 0}
    return int(session.scalars(insert(OutboxReply).returning(OutboxReply.id), [values]).one())


def claim(*, session: Session, reply_id: int, now: datetime | None = None,
          stale_before: datetime | None = None) -> Claimed | None:
    """Take a row for one attempt: a pending row, or (with ``stale_before``) one a dead process left.

    None when another worker has it or it is already sent.
    """
    now = now or utcnow()
    row = session.get(OutboxReply, reply_id)
    if row is None:
        return None
    allowed = ("pending", "sending") if stale_before is not None else ("pending",)
    condition = [OutboxReply.id == reply_id, OutboxReply.status.in_(allowed), OutboxReply.attempts == row.attempts]
    if stale_before is not None:
        condition.append(OutboxReply.updated_at < stale_before)
    taken = session.execute(
        update(OutboxReply).where(*condition)
        .values(status="sending", attempts=OutboxReply.attempts + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not taken:
        return None
    return Claimed(row.id, row.chat_id, row.reply_token, list(row.messages), row.retry_key, row.created_at,
                   tried_before=row.attempts > 0, attempt=row.attempts + 1)


def renew(*, session: Session, reply_id: int, attempt: int, now: datetime | None = None) -> bool:
    """Still ours? Then hold on to it a while longer (before a slow fallback); False if another
    worker took it over meanwhile."""
    return bool(session.execute(
        update(OutboxReply).where(OutboxReply.id == reply_id, OutboxReply.attempts == attempt,
                                  OutboxReply.status == "sending")
        .values(updated_at=now or utcnow()).execution_options(synchronize_session=False)
    ).rowcount)


def finish(*, session: Session, reply_id: int, status: str, error: str | None = None,
           now: datetime | None = None, attempt: int | None = None) -> None:
    """``sent``; ``failed`` (LINE refused it for good); or ``pending`` to try again later.

    A sent reply keeps only its key (so it is never sent again), not what it said or to whom.
    """
    now = now or utcnow()
    values: dict[str, Any] = {"status": status, "error": (error or None) and error[:200], "updated_at": now,
                              "sent_at": now if status == "sent" else None}
    if status == "sent":
        values.update(chat_id="", reply_token=None, messages=[])
    condition = [OutboxReply.id == reply_id]
    if attempt is not None and status != "sent":  # a late failure never undoes another worker's success
        condition.append(OutboxReply.attempts == attempt)
    session.execute(update(OutboxReply).where(*condition).values(**values))


def stale(*, session: Session, before: datetime, limit: int = 200) -> list[int]:
    """Rows not sent whose last attempt (or creation) is older than ``before``: a dead process's.

    Rows caught mid-attempt come first: whether that attempt arrived can only be settled while
    their reply token is still valid.
    """
    return list(session.scalars(
        select(OutboxReply.id).where(OutboxReply.status.in_(("pending", "sending")), OutboxReply.updated_at < before)
        .order_by(OutboxReply.status.desc(), OutboxReply.id).limit(limit)))


def purge_sent(*, session: Session, before: datetime) -> int:
    """Sent replies are kept a day (for support questions), then deleted: they hold answers to people."""
    return session.execute(delete(OutboxReply).where(OutboxReply.status.in_(("sent", "failed")),
                                                     OutboxReply.updated_at < before)).rowcount
