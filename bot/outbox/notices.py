"""Sending staff notices: now (the web process, after 送出), or when their time comes (the clock),
and settling them once every delivery is final.

Notices are created in ``db/notices.py`` (checked, audited, queued); this module sends them.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.line.client import LineClient
from bot.outbox.delivery import Deliverer
from db import audit, notices
from db.engine import Database
from db.models import Notice
from knowledge.calendar import roc_date
from knowledge.clock import Clock
from knowledge.notices import describe

__all__ = ["STATUS_TEXT", "deliver_notice", "dispatch_due", "notice_report", "settle"]

STATUS_TEXT = {"scheduled": "已排程", "sending": "發送中", "done": "已完成"}


def dispatch_due(session: Session, now: datetime) -> list[int]:
    """Queue scheduled notices whose time has come; returns their ids."""
    due = notices.due(session=session, now=now)
    for notice in due:
        notices.queue(session=session, notice=notice, now=now)
    return [n.id for n in due]


async def deliver_notice(db: Database, line: LineClient, notice_id: int, *, clock: Clock | None = None,
                         concurrency: int = 8) -> None:
    """Send a notice now (the web process's "send now"); the clock sends scheduled ones."""
    await Deliverer(db, line, clock=clock, concurrency=concurrency).run(kind="notice", ref=str(notice_id))
    with db.session() as session:
        notice = notices.get_notice(session=session, notice_id=notice_id)
        if notice is not None:
            _settle(session, notice)


def notice_report(session: Session, notice: Notice) -> dict[str, Any]:
    counts = notices.delivery_counts(session=session, notice_id=notice.id)
    return {
        "id": notice.id, "text": notice.text, "audience": notice.audience, "audience_text": describe(notice.audience),
        "status": notice.status, "status_text": STATUS_TEXT.get(notice.status, notice.status),
        "created_by": notice.created_by, "created_at": roc_date(notice.created_at, weekday=False),
        "send_at": roc_date(notice.send_at, weekday=False) if notice.send_at else None, "recipients": notice.recipients,
        "sent": counts.get("sent", 0), "failed": counts.get("failed", 0), "blocked": counts.get("blocked", 0),
        "pending": counts.get("pending", 0) + counts.get("sending", 0),
    }


def settle(session: Session) -> None:
    """Mark notices done once none of their deliveries is still pending (after a crash, too)."""
    for notice in notices.sending(session=session):
        _settle(session, notice)


def _settle(session: Session, notice: Notice) -> None:
    """A notice whose deliveries are all final is done; its outcome goes to the audit log."""
    if notice.status != "sending":
        return
    report = notice_report(session, notice)
    if report["pending"]:
        return
    notice.status = "done"
    audit.record(session=session, actor="system", action="notice_delivered", details={
        "notice": notice.id, "sent": report["sent"], "failed": report["failed"], "blocked": report["blocked"]})
