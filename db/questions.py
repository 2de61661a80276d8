"""What users asked that the assistant could not answer well, and their 有幫助/沒幫助 feedback."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from db.models import Feedback, UnansweredQuestion, utcnow

__all__ = ["count_of_user", "list_unanswered", "open_questions", "record_feedback", "record_unanswered", "resolve"]


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
        line_user_id=line_user_id, text=text[:2000], reason=reason[:20], entry_id=entry_id, score=score,
        candidates=candidates or [],
    )
    session.add(row)
    return row


def record_feedback(*, session: Session, line_user_id: str | None, entry_id: str, helpful: bool) -> None:
    session.add(Feedback(line_user_id=line_user_id, entry_id=entry_id[:80], helpful=helpful))


def open_questions(*, session: Session, limit: int = 2000) -> list[UnansweredQuestion]:
    """Questions staff have not acted on yet (fallback, suggestions, 沒幫助…), newest first."""
    stmt = (select(UnansweredQuestion).where(UnansweredQuestion.resolved_at.is_(None), UnansweredQuestion.text != "")
            .order_by(UnansweredQuestion.created_at.desc(), UnansweredQuestion.id.desc()).limit(limit))
    return list(session.scalars(stmt))


def resolve(*, session: Session, ids: list[int], resolution: str, now: datetime | None = None) -> int:
    """Mark questions as dealt with («entry:<id>», «new:<id>», «out_of_scope»)."""
    return session.execute(update(UnansweredQuestion).where(UnansweredQuestion.id.in_(ids or [-1]))
                           .values(resolution=resolution[:100], resolved_at=now or utcnow())).rowcount


def list_unanswered(*, session: Session, limit: int = 100) -> list[UnansweredQuestion]:
    stmt = select(UnansweredQuestion).order_by(UnansweredQuestion.created_at.desc(), UnansweredQuestion.id.desc()).limit(limit)
    return list(session.scalars(stmt))


def count_of_user(*, session: Session, line_user_id: str) -> tuple[int, int]:
    """(questions logged, feedback given) for 我的資料."""
    questions = session.scalar(select(func.count()).select_from(UnansweredQuestion)
                               .where(UnansweredQuestion.line_user_id == line_user_id)) or 0
    feedback = session.scalar(select(func.count()).select_from(Feedback).where(Feedback.line_user_id == line_user_id)) or 0
    return int(questions), int(feedback)
