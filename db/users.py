"""Users: who has talked to the assistant, their last topic, blocked or not, and their cluster.

Keyword-only arguments throughout, so a user id and a question can never be swapped.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.models import User, utcnow

__all__ = [
    "all_ids", "blocked_ids", "get_or_create_user", "get_user", "in_cluster", "lock_user", "remember_topic", "set_blocked",
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


def get_user(*, session: Session, line_user_id: str) -> User | None:
    return session.get(User, line_user_id)


def blocked_ids(*, session: Session) -> set[str]:
    """Users who unfollowed: counted in audiences, never messaged."""
    return set(session.scalars(select(User.line_user_id).where(User.blocked.is_(True))))


def in_cluster(*, session: Session, cluster_id: int) -> list[User]:
    """The members who joined a cluster with its code."""
    return list(session.scalars(select(User).where(User.cluster_id == cluster_id).order_by(User.created_at)))


def all_ids(*, session: Session) -> set[str]:
    return set(session.scalars(select(User.line_user_id)))
