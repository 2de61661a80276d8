"""Staff notices (broadcasts): create, queue for the audience, deliver, report.

The audience is resolved when the notice is sent (a scheduled "leaders who have not reported"
notice reaches whoever has still not reported at that moment). Each recipient gets one delivery
row keyed ``notice:<id>:<user>``, so a retry or a second clock never sends twice.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from linebot.v3.messaging import FlexMessage, Message, TextMessage
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.audience import Audience, AudienceError, describe, resolve
from bot.delivery import Deliverer, message_payload, queue_many
from bot.line_client import LineClient
from db.engine import Database
from db.models import AuditLog, Delivery, Notice, utcnow
from knowledge.calendar import TAIPEI

__all__ = [
    "NoticeError", "create_notice", "deliver_notice", "dispatch_due", "notice_messages", "notice_report", "settle",
]

MAX_TEXT = 2000
STATUS_TEXT = {"scheduled": "已排程", "sending": "發送中", "done": "已完成", "cancelled": "已取消"}


class NoticeError(ValueError):
    """The notice cannot be sent as given; the message says why."""


def notice_messages(text: str, link_url: str | None = None, link_label: str | None = None) -> list[Message]:
    """The notice as LINE shows it: plain text, or a card with a link button."""
    if not link_url:
        return [TextMessage(text=text)]
    bubble = {
        "type": "bubble",
        "body": {"type": "box", "layout": "vertical", "contents": [
            {"type": "text", "text": "📢 計畫公告", "weight": "bold", "size": "sm", "color": "#06C755"},
            {"type": "text", "text": text, "wrap": True, "margin": "md"},
        ]},
        "footer": {"type": "box", "layout": "vertical", "contents": [
            {"type": "button", "style": "primary", "action": {"type": "uri", "label": (link_label or "查看詳情")[:20], "uri": link_url}},
        ]},
    }
    return [FlexMessage.from_dict({"type": "flex", "altText": text[:400], "contents": bubble})]


def create_notice(
    session: Session, *, text: str, audience: dict[str, Any] | str, actor: str,
    link_url: str | None = None, link_label: str | None = None, send_at: datetime | None = None,
) -> tuple[Notice, Audience]:
    text = (text or "").strip()
    if not text:
        raise NoticeError("text is empty")
    if len(text) > MAX_TEXT:
        raise NoticeError(f"text is longer than {MAX_TEXT} characters")
    if link_url and not link_url.startswith(("https://", "http://")):
        raise NoticeError("link_url must start with https://")
    try:
        people = resolve(session, audience)
    except AudienceError as exc:
        raise NoticeError(str(exc)) from None
    spec = audience if isinstance(audience, dict) else {"all": True} if audience == "all" else {"program": audience}
    notice = Notice(text=text, link_url=link_url or None, link_label=link_label or None, audience=spec,
                    created_by=actor[:80], send_at=send_at, recipients=len(people.recipients),
                    status="scheduled" if send_at and send_at > utcnow() else "sending")
    session.add(notice)
    session.flush()
    session.add(AuditLog(actor=actor[:80], action="notice_created", details={
        "notice": notice.id, "audience": describe(spec), "recipients": len(people.recipients),
        "blocked": len(people.blocked), "send_at": send_at.isoformat() if send_at else None,
    }))
    if notice.status == "sending":
        _queue(session, notice)
    return notice, people


def _queue(session: Session, notice: Notice) -> int:
    people = resolve(session, notice.audience)
    payload = message_payload(notice_messages(notice.text, notice.link_url, notice.link_label))
    rows = [{"key": f"notice:{notice.id}:{user}", "kind": "notice", "ref": str(notice.id), "line_user_id": user,
             "payload": payload, "status": "blocked" if user in blocked else "pending"}
            for blocked in [set(people.blocked)] for user in [*people.recipients, *people.blocked]]
    count = queue_many(session, rows)
    notice.recipients = len(people.recipients)
    notice.status = "sending"
    return count


def dispatch_due(session: Session, now: datetime) -> list[int]:
    """Queue scheduled notices whose time has come; returns their ids."""
    due = session.scalars(select(Notice).where(Notice.status == "scheduled", Notice.send_at <= now)).all()
    for notice in due:
        _queue(session, notice)
    return [n.id for n in due]


async def deliver_notice(db: Database, line: LineClient, notice_id: int) -> None:
    """Send a notice now (the web process's "send now"); the clock sends scheduled ones."""
    await Deliverer(db, line).run(kind="notice", ref=str(notice_id))
    with db.session() as session:
        notice = session.get(Notice, notice_id)
        if notice is not None:
            _settle(session, notice)


def notice_report(session: Session, notice: Notice) -> dict[str, Any]:
    counts = dict(session.execute(
        select(Delivery.status, func.count()).where(Delivery.kind == "notice", Delivery.ref == str(notice.id))
        .group_by(Delivery.status)
    ).all())
    return {
        "id": notice.id, "text": notice.text, "audience": notice.audience, "audience_text": describe(notice.audience),
        "status": notice.status, "status_text": STATUS_TEXT.get(notice.status, notice.status),
        "created_by": notice.created_by, "created_at": notice.created_at.astimezone(TAIPEI).strftime("%Y-%m-%d %H:%M"),
        "send_at": notice.send_at.astimezone(TAIPEI).strftime("%Y-%m-%d %H:%M") if notice.send_at else None, "recipients": notice.recipients,
        "sent": counts.get("sent", 0), "failed": counts.get("failed", 0), "blocked": counts.get("blocked", 0),
        "pending": counts.get("pending", 0) + counts.get("sending", 0),
    }


def settle(session: Session) -> None:
    """Mark notices done once none of their deliveries is still pending (after a crash, too)."""
    for notice in session.scalars(select(Notice).where(Notice.status == "sending")).all():
        _settle(session, notice)


def _settle(session: Session, notice: Notice) -> None:
    """A notice whose deliveries are all final is done; its outcome goes to the audit log."""
    if notice.status != "sending":
        return
    report = notice_report(session, notice)
    if report["pending"]:
        return
    notice.status = "done"
    session.add(AuditLog(actor="system", action="notice_delivered", details={
        "notice": notice.id, "sent": report["sent"], "failed": report["failed"], "blocked": report["blocked"]}))
