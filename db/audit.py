"""The audit log: who did what, when (never personal data)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import AuditLog

__all__ = ["recent", "record"]


def record(*, session: Session, actor: str, action: str, details: dict[str, Any] | None = None) -> None:
    session.add(AuditLog(actor=actor[:80], action=action, details=details or {}))


def recent(*, session: Session, limit: int = 200) -> list[AuditLog]:
    return list(session.scalars(select(AuditLog).order_by(AuditLog.id.desc()).limit(limit)))
