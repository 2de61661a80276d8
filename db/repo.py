"""Data functions. Keyword-only arguments, so a user id and a question can't be swapped."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.models import Feedback, ProcessedEvent, UnansweredQuestion, User, utcnow

__all__ = [
    "claim_event",
    "get_or_create_user",
    "lock_user",
    "list_unanswered",
    "record_feedback",
    "record_unanswered",
    "remember_topic",
    "set_blocked",
]


def get_or_create_user(*, session: Session, line_user_id: str) -> User:
    user = session.get(User, line_user_id)
    if user is None:
        try:
            # A savepoint, so that losing the race to another event of the same user does not
            # roll back what this transaction already did (its event claim).
            with session.begin_nested():
                user = User(line_user_id=line_user_id)
                session.add(user)
        except IntegrityError:
            user = session.get(User, line_user_id)
            assert user is not None
    user.last_seen_at = utcnow()
    return user


def lock_user(*, session: Session, line_user_id: str) -> User:
    """Create the user if needed and hold its row lock until the transaction ends (PostgreSQL;
    SQLite serializes writers by itself)."""
    user = get_or_create_user(session=session, line_user_id=line_user_id)
    session.flush()
    if session.get_bind().dialect.name == "sqlite":
        return user  # SQLite has no row locks; its single writer already serializes transactions
    locked = session.get(User, line_user_id, with_for_update=True, populate_existing=True)
    return locked or user


def remember_topic(*, session: Session, line_user_id: str, entry_id: str | None, query: str | None) -> None:
    user = get_or_create_user(session=session, line_user_id=line_user_id)
    user.last_entry_id = entry_id
    user.last_query = query


def set_blocked(*, session: Session, line_user_id: str, blocked: bool) -> None:
    get_or_create_user(session=session, line_user_id=line_user_id).blocked = blocked


def record_unanswered(
    *,
    session: Session,
    line_user_id: str | None,
    text: str,
    reason: str,
    entry_id: str | None = None,
    score: float = 0.0,
    candidates: list | None = None,
) -> UnansweredQuestion:
    row = UnansweredQuestion(
        line_user_id=line_user_id, text=text[:2000], reason=reason, entry_id=entry_id, score=score,
        candidates=candidates or [],
    )
    session.add(row)
    return row


def record_feedback(*, session: Session, line_user_id: str | None, entry_id: str, helpful: bool) -> None:
    session.add(Feedback(line_user_id=line_user_id, entry_id=entry_id, helpful=helpful))


def list_unanswered(*, session: Session, limit: int = 100) -> list[UnansweredQuestion]:
    stmt = select(UnansweredQuestion).order_by(UnansweredQuestion.created_at.desc()).limit(limit)
    return list(session.scalars(stmt))


def claim_event(*, session: Session, webhook_event_id: str) -> bool:
    """True the first time an event id is seen; False for a redelivery.

    Must be the transaction's first write: a duplicate rolls the (still empty) transaction back.
    """
    session.add(ProcessedEvent(webhook_event_id=webhook_event_id))
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        return False
    return True
