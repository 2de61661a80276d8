"""刪除我的資料: every row that holds a user's id or answers, deleted in one transaction."""
from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from db.models import (
    Cluster,
    DeadLetter,
    Delivery,
    Evidence,
    Feedback,
    FormAnswer,
    FormSession,
    Handoff,
    HandoffMessage,
    InboxEvent,
    OutboxReply,
    Subscription,
    UnansweredQuestion,
    User,
)

__all__ = ["erase_user"]


def erase_user(*, session: Session, line_user_id: str) -> None:
    """Delete everything about the user; clusters they led keep existing, without a leader id."""
    session_ids = select(FormSession.id).where(FormSession.line_user_id == line_user_id)
    session.execute(delete(Evidence).where(Evidence.session_id.in_(session_ids)))
    session.execute(delete(FormAnswer).where(FormAnswer.session_id.in_(session_ids)))
    session.execute(delete(FormSession).where(FormSession.line_user_id == line_user_id))
    session.execute(delete(Subscription).where(Subscription.line_user_id == line_user_id))
    session.execute(delete(Feedback).where(Feedback.line_user_id == line_user_id))
    session.execute(delete(UnansweredQuestion).where(UnansweredQuestion.line_user_id == line_user_id))
    session.execute(delete(Delivery).where(Delivery.line_user_id == line_user_id))
    # Events and replies in flight hold the user's id and words; the dead letters their id. (On
    # SQLite the inbox is a file of its own: the caller erases it there too, inbox.erase_user.)
    session.execute(delete(InboxEvent).where(InboxEvent.line_user_id == line_user_id))
    session.execute(delete(OutboxReply).where(OutboxReply.chat_id == line_user_id))
    session.execute(delete(DeadLetter).where(DeadLetter.line_user_id == line_user_id))
    handoff_ids = select(Handoff.id).where(Handoff.line_user_id == line_user_id)
    session.execute(delete(HandoffMessage).where(HandoffMessage.handoff_id.in_(handoff_ids)))
    session.execute(delete(Handoff).where(Handoff.line_user_id == line_user_id))
    session.execute(update(Cluster).where(Cluster.leader_user_id == line_user_id).values(leader_user_id=""))
    session.execute(delete(User).where(User.line_user_id == line_user_id))
    session.flush()
