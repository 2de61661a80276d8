"""Handoffs: a user who asked for a person, and what they and staff said until it closed.

At most one handoff per user is open. Keyword-only arguments throughout.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from db.models import Handoff, HandoffMessage, utcnow

__all__ = [
    "add_message", "close", "close_all_of", "get", "listing", "messages", "open_of", "start", "take", "timed_out",
    "waiting_count",
]


def open_of(*, session: Session, line_user_id: str) -> Handoff | None:
    return session.scalars(select(Handoff).where(Handoff.line_user_id == line_user_id, Handoff.status == "open")
                           .order_by(Handoff.id.desc())).first()


def start(*, session: Session, line_user_id: str, topic: str | None, now: datetime | None = None) -> tuple[Handoff, bool]:
    """The user's open handoff, or a new one; the flag says whether it is new."""
    existing = open_of(session=session, line_user_id=line_user_id)
    if existing is not None:
        return existing, False
    handoff = Handoff(line_user_id=line_user_id, status="open", opened_at=now or utcnow(),
                      topic=(topic or None) and topic[:300])
    session.add(handoff)
    session.flush()
    return handoff, True


def get(*, session: Session, handoff_id: int) -> Handoff | None:
    return session.get(Handoff, handoff_id)


def listing(*, session: Session, status: str | None = None, limit: int = 200) -> list[Handoff]:
    stmt = select(Handoff).order_by(Handoff.status.desc(), Handoff.id.desc()).limit(limit)
    if status:
        stmt = stmt.where(Handoff.status == status)
    return list(session.scalars(stmt))


def waiting_count(*, session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Handoff).where(Handoff.status == "open")) or 0)


def add_message(*, session: Session, handoff_id: int, sender: str, text: str, staff_name: str | None = None,
                now: datetime | None = None) -> HandoffMessage:
    message = HandoffMessage(handoff_id=handoff_id, sender=sender, text=text[:5000], staff_name=staff_name,
                             at=now or utcnow())
    session.add(message)
    session.flush()
    return message


def messages(*, session: Session, handoff_id: int) -> list[HandoffMessage]:
    return list(session.scalars(select(HandoffMessage).where(HandoffMessage.handoff_id == handoff_id)
                                .order_by(HandoffMessage.id)))


def take(*, session: Session, handoff: Handoff, staff_name: str, now: datetime | None = None) -> None:
    handoff.taken_by, handoff.taken_at = staff_name, now or utcnow()


def close(*, session: Session, handoff: Handoff, reason: str, now: datetime | None = None) -> bool:
    """Close an open handoff; False when it was closed already (a second close does nothing)."""
    if handoff.status != "open":
        return False
    handoff.status, handoff.closed_reason, handoff.closed_at = "closed", reason[:20], now or utcnow()
    return True


def close_all_of(*, session: Session, line_user_id: str, reason: str, now: datetime | None = None) -> int:
    closed = 0
    for handoff in session.scalars(select(Handoff).where(Handoff.line_user_id == line_user_id,
                                                          Handoff.status == "open")):
        closed += close(session=session, handoff=handoff, reason=reason, now=now)
    return closed


def timed_out(*, session: Session, before: datetime) -> list[Handoff]:
    """Open handoffs without a staff reply since ``before`` (counting from opening when none came)."""
    return list(session.scalars(select(Handoff).where(
        Handoff.status == "open",
        or_(Handoff.last_staff_at < before, Handoff.last_staff_at.is_(None) & (Handoff.opened_at < before)))))
