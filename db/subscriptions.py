"""Reminder subscriptions: which program (and class) a user follows, in what role."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from db.models import Subscription

__all__ = ["of_user", "subscribe", "subscribers", "unsubscribe_all"]


def subscribe(*, session: Session, line_user_id: str, program: str, class_: str, role: str) -> Subscription:
    """Follow a program and class (``""`` for all); following it again only changes the role."""
    row = session.scalars(select(Subscription).where(
        Subscription.line_user_id == line_user_id, Subscription.program == program, Subscription.class_ == class_)).first()
    if row is None:
        row = Subscription(line_user_id=line_user_id, program=program, class_=class_, role=role)
        session.add(row)
    row.role = role
    session.flush()
    return row


def unsubscribe_all(*, session: Session, line_user_id: str) -> int:
    return int(session.execute(delete(Subscription).where(Subscription.line_user_id == line_user_id)).rowcount or 0)


def of_user(*, session: Session, line_user_id: str) -> list[Subscription]:
    return list(session.scalars(select(Subscription).where(Subscription.line_user_id == line_user_id)
                                .order_by(Subscription.id)))


def subscribers(*, session: Session, program: str | None = None, classes: Iterable[str] = (),
                roles: Iterable[str] = ()) -> set[str]:
    """Who follows ``program`` (any, if None) in one of ``classes`` and ``roles`` (any, if empty).

    A subscription to a program with no class («A、B都要») matches every class.
    """
    wanted_classes, wanted_roles = set(classes), set(roles)
    stmt = select(Subscription.line_user_id, Subscription.class_, Subscription.role)
    if program:
        stmt = stmt.where(Subscription.program == program)
    ids: set[str] = set()
    for user_id, sub_class, role in session.execute(stmt):
        if wanted_classes and sub_class and sub_class not in wanted_classes:
            continue
        if wanted_roles and role not in wanted_roles:
            continue
        ids.add(user_id)
    return ids
