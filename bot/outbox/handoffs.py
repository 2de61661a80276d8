"""The LINE side of handoffs: staff told a user waits (once each), staff replies pushed to the user
exactly once, and the user told when the assistant is back.

Every message goes through the delivery queue with its own key (``handoff:<id>:<staff>``,
``handoff-reply:<message id>``, ``handoff-closed:<id>``), so a retry, a double click or a
crash never sends one twice.
"""
from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from bot.outbox.delivery import Deliverer
from db import deliveries, handoffs, users
from knowledge.handoff import load_handoff
from knowledge.loader import default_knowledge

if TYPE_CHECKING:
    from bot.line.client import LineClient
    from bot.services import Services
    from db.engine import Database
    from knowledge.clock import Clock

__all__ = ["close", "expire", "notify_staff", "reply"]


async def _deliver(db: Database, line: LineClient, clock: Clock, handoff_id: int) -> None:
    await Deliverer(db, line, clock=clock).run(kind="handoff", ref=str(handoff_id))


async def notify_staff(services: Services, line: LineClient, handoff_id: int) -> int:
    """Tell every staff LINE id that a user waits; returns how many were queued."""
    with services.db.session() as session:
        handoff = handoffs.get(session=session, handoff_id=handoff_id)
        if handoff is None:
            return 0
        said = (handoff.topic or "").strip()
        body = f"🙋 有使用者需要真人協助（#{handoff.id}）" + (f"：他剛才問「{said[:60]}」" if said else "") + \
               f"。請到後台「真人客服」回覆（/admin/handoffs/{handoff.id}）。"
        queued = sum(deliveries.queue(session=session, key=f"handoff:{handoff.id}:{staff}", kind="handoff",
                                      ref=str(handoff.id), line_user_id=staff, payload={"text": body})
                     for staff in sorted(services.staff_ids))
    await _deliver(services.db, line, services.clock, handoff_id)
    return queued


async def reply(services: Services, line: LineClient, handoff_id: int, message_id: int, body: str) -> None:
    """Push a staff reply to the user (queued under the message's id, so it goes out once)."""
    with services.db.session() as session:
        handoff = handoffs.get(session=session, handoff_id=handoff_id)
        if handoff is None:
            return
        deliveries.queue(session=session, key=f"handoff-reply:{message_id}", kind="handoff", ref=str(handoff_id),
                         line_user_id=handoff.line_user_id, payload={"text": body})
    await _deliver(services.db, line, services.clock, handoff_id)


def _back_text(reason: str, lang: str = "zh") -> str:
    kb = default_knowledge()
    if reason == "timeout":
        contact = kb.contacts.get("digital_cluster")
        window = f"{contact.name}：📞 {contact.phone}" if contact else ""
        return kb.text(lang, "handoff_timeout").format(hours=load_handoff().hours(lang), contact=window)
    return kb.text(lang, "handoff_back")


def _queue_back(session, handoff, reason: str) -> None:  # type: ignore[no-untyped-def]
    user = users.get_user(session=session, line_user_id=handoff.line_user_id)
    if user is None or user.blocked:
        return  # nobody to tell: they left or deleted their data
    deliveries.queue(session=session, key=f"handoff-closed:{handoff.id}", kind="handoff", ref=str(handoff.id),
                     line_user_id=handoff.line_user_id, payload={"text": _back_text(reason)})


async def close(services: Services, line: LineClient, handoff_id: int, *, reason: str = "staff") -> bool:
    """Close a handoff and tell the user the assistant is back; False if it was closed already."""
    with services.db.session() as session:
        handoff = handoffs.get(session=session, handoff_id=handoff_id)
        if handoff is None or not handoffs.close(session=session, handoff=handoff, reason=reason,
                                                 now=services.clock.now()):
            return False
        _queue_back(session, handoff, reason)
    await _deliver(services.db, line, services.clock, handoff_id)
    return True


async def expire(db: Database, line: LineClient, clock: Clock) -> int:
    """The clock's pass: handoffs without a staff reply for the timeout are closed, users told."""
    now = clock.now()
    closed = []
    with db.session() as session:
        for handoff in handoffs.timed_out(session=session, before=now - timedelta(minutes=load_handoff().timeout_minutes)):
            if handoffs.close(session=session, handoff=handoff, reason="timeout", now=now):
                _queue_back(session, handoff, "timeout")
                closed.append(handoff.id)
    for handoff_id in closed:
        await _deliver(db, line, clock, handoff_id)
    return len(closed)
