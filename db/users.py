"""Users: who has talked to the assistant, their last topic, blocked or not, and their cluster.

Keyword-only arguments throughout, so a user id and a question can never be swapped.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.forms import OPEN
from db.models import Handoff, User, utcnow

__all__ = [
    "activity", "all_ids", "blocked_ids", "get_or_create_user", "get_user", "in_cluster", "lock_user", "remember_topic",
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
    return user


def lock_user(*, session: Session, line_user_id: str, now: datetime | None = None) -> User:
    """Create the user if needed, note that they were seen, and hold the row until the transaction
    ends — in one statement (INSERT … ON CONFLICT DO UPDATE … RETURNING): the upsert takes the row
    lock on PostgreSQL; SQLite serializes writers by itself."""
    upsert = _insert_for(session)(User).values(line_user_id=line_user_id, last_seen_at=now or utcnow())
    upsert = upsert.on_conflict_do_update(index_elements=[User.line_user_id],
                                          set_={"last_seen_at": upsert.excluded.last_seen_at})
    return session.scalars(upsert.returning(User), execution_options={"populate_existing": True}).one()


def _insert_for(session: Session):  # type: ignore[no-untyped-def]
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def activity(*, session: Session, line_user_id: str) -> tuple[bool, bool]:
    """(a form in progress, a handoff open) for this user, in one round trip: what routing asks
    of every message."""
    from db.models import FormSession

    live = select(FormSession.id).where(FormSession.line_user_id == line_user_id, FormSession.status.in_(OPEN)).limit(1)
    handoff = select(Handoff.id).where(Handoff.line_user_id == line_user_id, Handoff.status == "open").limit(1)
    row = session.execute(select(live.scalar_subquery(), handoff.scalar_subquery())).one()
    return row[0] is not None, row[1] is not None


def remember_topic(*, session: Session, line_user_id: str, entry_id: str | None, query: str | None) -> None:
    user = get_or_create_user(session=session, line_user_id=line_user_id)
    if (user.last_entry_id, user.last_query) != (entry_id, query):  # no write when nothing changed
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
