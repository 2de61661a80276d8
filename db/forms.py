"""Forms by chat: sessions (where a user is in a form), their answers, and photo evidence.

Keyword-only arguments throughout.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from db.models import Evidence, FormAnswer, FormSession, utcnow

__all__ = [
    "add_evidence",
    "answers_of",
    "checkins",
    "delete_answers",
    "evidence_count",
    "get_session",
    "item_values",
    "latest_session",
    "link_member_sessions",
    "live_session",
    "reported_users",
    "save_answer",
    "sessions_of_user",
    "start_session",
    "submissions",
    "submitted_sessions",
]

#: Statuses in which a user's next message belongs to the form (see handlers/dialogs/machine.py).
OPEN = ("consent", "active", "editing", "details", "confirm", "confirm_cancel", "review")


def live_session(*, session: Session, line_user_id: str) -> FormSession | None:
    """The form the user is in the middle of (asking consent, answering, or reviewing)."""
    stmt = (
        select(FormSession)
        .where(FormSession.line_user_id == line_user_id, FormSession.status.in_(OPEN))
        .order_by(FormSession.updated_at.desc(), FormSession.id.desc())
        .limit(1)
    )
    return session.scalars(stmt).first()


def latest_session(*, session: Session, line_user_id: str, form_id: str | None = None,
                   statuses: tuple[str, ...] | None = None) -> FormSession | None:
    stmt = select(FormSession).where(FormSession.line_user_id == line_user_id)
    if form_id:
        stmt = stmt.where(FormSession.form_id == form_id)
    if statuses:
        stmt = stmt.where(FormSession.status.in_(statuses))
    stmt = stmt.order_by(FormSession.updated_at.desc(), FormSession.id.desc()).limit(1)
    return session.scalars(stmt).first()


def start_session(*, session: Session, line_user_id: str, form_id: str, status: str = "consent",
                  cluster_id: int | None = None) -> FormSession:
    fs = FormSession(line_user_id=line_user_id, form_id=form_id, status=status, position=0, pending={},
                     cluster_id=cluster_id)
    session.add(fs)
    session.flush()
    return fs


def answers_of(*, session: Session, session_id: int) -> dict[str, Any]:
    rows = session.scalars(select(FormAnswer).where(FormAnswer.session_id == session_id))
    return {row.item_id: row.value for row in rows}


def save_answer(*, session: Session, session_id: int, item_id: str, value: Any) -> None:
    row = session.scalars(
        select(FormAnswer).where(FormAnswer.session_id == session_id, FormAnswer.item_id == item_id)
    ).first()
    if row is None:
        session.add(FormAnswer(session_id=session_id, item_id=item_id, value=value))
    else:
        row.value = value
        row.answered_at = utcnow()


def delete_answers(*, session: Session, session_id: int) -> None:
    session.execute(delete(FormAnswer).where(FormAnswer.session_id == session_id))


def submitted_sessions(*, session: Session, form_id: str, cluster_id: int | None = None) -> list[FormSession]:
    stmt = select(FormSession).where(FormSession.form_id == form_id, FormSession.status == "submitted")
    if cluster_id is not None:
        stmt = stmt.where(FormSession.cluster_id == cluster_id)
    return list(session.scalars(stmt.order_by(FormSession.submitted_at)))


def submissions(*, session: Session, form_id: str | None = None, cluster_id: int | None = None,
                line_user_ids: set[str] | None = None, limit: int = 1000) -> list[FormSession]:
    """Submitted forms for the console, newest first, filtered by form, cluster or users."""
    stmt = select(FormSession).where(FormSession.status == "submitted")
    if form_id:
        stmt = stmt.where(FormSession.form_id == form_id)
    if cluster_id is not None:
        stmt = stmt.where(FormSession.cluster_id == cluster_id)
    if line_user_ids is not None:
        stmt = stmt.where(FormSession.line_user_id.in_(line_user_ids or {""}))
    return list(session.scalars(stmt.order_by(FormSession.submitted_at.desc(), FormSession.id.desc()).limit(limit)))


def item_values(*, session: Session, item_id: str, form_id: str | None = None,
                line_user_ids: set[str] | None = None) -> list[tuple[str, Any, Any]]:
    """(user, value, submitted at) of one item across submitted forms, oldest first.

    What the console needs to put a name on a user (``company_name``) or group firms by
    alliance (``alliance_name``) without loading whole forms.
    """
    stmt = (select(FormSession.line_user_id, FormAnswer.value, FormSession.submitted_at)
            .join(FormAnswer, FormAnswer.session_id == FormSession.id)
            .where(FormSession.status == "submitted", FormAnswer.item_id == item_id))
    if form_id:
        stmt = stmt.where(FormSession.form_id == form_id)
    if line_user_ids is not None:
        stmt = stmt.where(FormSession.line_user_id.in_(line_user_ids or {""}))
    return [(user, value, at) for user, value, at in session.execute(stmt.order_by(FormSession.submitted_at))]


def checkins(*, session: Session, form_id: str, line_user_id: str, cluster_id: int | None, year: int) -> list[FormSession]:
    """Submitted check-ins of one cluster (or one user without a cluster) in ``year``, oldest first."""
    stmt = select(FormSession).where(FormSession.form_id == form_id, FormSession.status == "submitted")
    stmt = stmt.where(FormSession.cluster_id == cluster_id) if cluster_id else stmt.where(FormSession.line_user_id == line_user_id)
    rows = [fs for fs in session.scalars(stmt) if str((fs.pending or {}).get("month", "")).startswith(f"{year}-")]
    return sorted(rows, key=lambda fs: (fs.pending.get("month", ""), fs.id))


def get_session(*, session: Session, session_id: int) -> FormSession | None:
    return session.get(FormSession, session_id)


def sessions_of_user(*, session: Session, line_user_id: str) -> list[FormSession]:
    return list(session.scalars(select(FormSession).where(FormSession.line_user_id == line_user_id)
                                .order_by(FormSession.id)))


def link_member_sessions(*, session: Session, line_user_id: str, cluster_id: int) -> None:
    """A member who joins a cluster brings their member self-assessments along."""
    for fs in session.scalars(select(FormSession).where(FormSession.line_user_id == line_user_id,
                                                       FormSession.form_id == "dc_member")):
        fs.cluster_id = cluster_id


def reported_users(*, session: Session, month: str, form_id: str = "checkin") -> dict[str, Any]:
    """Users who submitted ``form_id`` for ``month`` (YYYY-MM) → when they submitted."""
    rows = session.execute(
        select(FormSession.line_user_id, FormSession.pending, FormSession.submitted_at).where(
            FormSession.form_id == form_id, FormSession.status == "submitted"
        )
    )
    return {user: at for user, pending, at in rows if (pending or {}).get("month") == month}


def add_evidence(*, session: Session, session_id: int, message_id: str, content_type: str | None, data: bytes) -> None:
    session.add(Evidence(session_id=session_id, message_id=message_id, content_type=content_type, data=data))


def evidence_count(*, session: Session, line_user_id: str) -> int:
    return int(session.scalar(
        select(func.count()).select_from(Evidence).join(FormSession, Evidence.session_id == FormSession.id)
        .where(FormSession.line_user_id == line_user_id)
    ) or 0)
