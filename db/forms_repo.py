"""Data functions for form dialogs and clusters (keyword-only arguments)."""
from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from db.models import Cluster, ClusterKpi, FormAnswer, FormSession, User, utcnow

__all__ = [
    "add_kpi",
    "answers_of",
    "checkins",
    "kpi_snapshot",
    "cluster_by_code",
    "create_cluster",
    "delete_answers",
    "latest_session",
    "live_session",
    "save_answer",
    "start_session",
    "submitted_sessions",
]

OPEN = ("consent", "active", "review")
#: Join codes avoid look-alike characters (0/O, 1/I/L) so they survive being read aloud.
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


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


def create_cluster(*, session: Session, name: str, class_: str | None, type_: str | None, leader_user_id: str) -> Cluster:
    while True:
        code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(6))
        if cluster_by_code(session=session, code=code) is None:
            break
    cluster = Cluster(code=code, name=name[:100], class_=class_, type=type_, leader_user_id=leader_user_id)
    session.add(cluster)
    session.flush()
    user = session.get(User, leader_user_id)
    if user is not None:
        user.cluster_id = cluster.id
    return cluster


def cluster_by_code(*, session: Session, code: str) -> Cluster | None:
    return session.scalars(select(Cluster).where(Cluster.code == code.strip().upper())).first()


def submitted_sessions(*, session: Session, form_id: str, cluster_id: int | None = None) -> list[FormSession]:
    stmt = select(FormSession).where(FormSession.form_id == form_id, FormSession.status == "submitted")
    if cluster_id is not None:
        stmt = stmt.where(FormSession.cluster_id == cluster_id)
    return list(session.scalars(stmt.order_by(FormSession.submitted_at)))


def kpi_snapshot(*, session: Session, cluster_id: int | None) -> list[dict[str, Any]]:
    """The cluster's own KPIs as a check-in asks them (frozen into the session when it starts)."""
    if cluster_id is None:
        return []
    rows = session.scalars(select(ClusterKpi).where(ClusterKpi.cluster_id == cluster_id).order_by(ClusterKpi.id))
    return [{"id": f"kpi_{r.id}", "name": r.name, "target": r.target, "unit": r.unit} for r in rows]


def checkins(*, session: Session, form_id: str, line_user_id: str, cluster_id: int | None, year: int) -> list[FormSession]:
    """Submitted check-ins of one cluster (or one user without a cluster) in ``year``, oldest first."""
    stmt = select(FormSession).where(FormSession.form_id == form_id, FormSession.status == "submitted")
    stmt = stmt.where(FormSession.cluster_id == cluster_id) if cluster_id else stmt.where(FormSession.line_user_id == line_user_id)
    rows = [fs for fs in session.scalars(stmt) if str((fs.pending or {}).get("month", "")).startswith(f"{year}-")]
    return sorted(rows, key=lambda fs: (fs.pending.get("month", ""), fs.id))


def add_kpi(*, session: Session, cluster_id: int, name: str, target: float, unit: str = "") -> ClusterKpi:
    kpi = ClusterKpi(cluster_id=cluster_id, name=name[:60], target=target, unit=unit[:10])
    session.add(kpi)
    session.flush()
    return kpi
