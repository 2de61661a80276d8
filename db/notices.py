"""Staff notices: creating one (checked, audited, queued for its audience) and how it stands.

The console, the staff API and /公告 all create notices here, so a notice is checked the same
way wherever it is written. Each recipient gets one delivery row keyed ``notice:<id>:<user>``;
the payload is the notice itself, which ``bot/line/render.py`` turns into LINE's card when sent.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db import audit, deliveries
from db.audience import Audience, resolve
from db.models import Delivery, Notice, utcnow
from knowledge.notices import check_audience, check_notice, describe

__all__ = ["create", "deliveries_of", "delivery_counts", "due", "get_notice", "queue", "recent", "sending"]


def create(*, session: Session, text: str, audience: dict[str, Any] | str, actor: str, link_url: str | None = None,
           link_label: str | None = None, send_at: datetime | None = None, now: datetime | None = None,
           ) -> tuple[Notice, Audience]:
    """A checked notice; queued at once unless ``send_at`` is later than ``now``.

    Raises :class:`~knowledge.notices.NoticeError` or :class:`~knowledge.notices.AudienceError`.
    """
    body = check_notice(text, link_url)
    spec = check_audience(audience)
    people = resolve(session=session, spec=spec)
    later = send_at is not None and send_at > (now or utcnow())
    notice = Notice(text=body, link_url=link_url or None, link_label=link_label or None, audience=spec,
                    created_by=actor[:80], send_at=send_at, recipients=len(people.recipients),
                    status="scheduled" if later else "sending")
    session.add(notice)
    session.flush()
    audit.record(session=session, actor=actor, action="notice_created", details={
        "notice": notice.id, "audience": describe(spec), "recipients": len(people.recipients),
        "blocked": len(people.blocked), "send_at": send_at.isoformat() if send_at else None,
    })
    if not later:
        queue(session=session, notice=notice, people=people, now=now)
    return notice, people


def payload(notice: Notice) -> dict[str, Any]:
    return {"notice": {"text": notice.text, "link_url": notice.link_url, "link_label": notice.link_label}}


def queue(*, session: Session, notice: Notice, people: Audience | None = None, now: datetime | None = None) -> int:
    """One delivery per recipient, resolved now (a scheduled «not reported» notice reaches
    whoever has still not reported when it goes out) unless just resolved (``people``)."""
    people = people or resolve(session=session, spec=notice.audience)
    body = payload(notice)
    blocked = set(people.blocked)
    rows = [{"key": f"notice:{notice.id}:{user}", "kind": "notice", "ref": str(notice.id), "line_user_id": user,
             "payload": body, "status": "blocked" if user in blocked else "pending"}
            for user in [*people.recipients, *people.blocked]]
    count = deliveries.queue_many(session=session, rows=rows, now=now)
    notice.recipients = len(people.recipients)
    notice.status = "sending"
    return count


def get_notice(*, session: Session, notice_id: int) -> Notice | None:
    return session.get(Notice, notice_id)


def recent(*, session: Session, limit: int = 20) -> list[Notice]:
    return list(session.scalars(select(Notice).order_by(Notice.id.desc()).limit(limit)))


def due(*, session: Session, now: datetime) -> list[Notice]:
    """Scheduled notices whose time has come."""
    return list(session.scalars(select(Notice).where(Notice.status == "scheduled", Notice.send_at <= now)))


def sending(*, session: Session) -> list[Notice]:
    return list(session.scalars(select(Notice).where(Notice.status == "sending")))


def deliveries_of(*, session: Session, notice_id: int) -> list[Delivery]:
    """Each recipient's delivery of a notice: status, attempts, last error, when sent."""
    return list(session.scalars(select(Delivery).where(Delivery.kind == "notice", Delivery.ref == str(notice_id))
                                .order_by(Delivery.status, Delivery.id)))


def delivery_counts(*, session: Session, notice_id: int) -> dict[str, int]:
    """Delivery status → how many recipients of the notice are in it."""
    rows = session.execute(
        select(Delivery.status, func.count()).where(Delivery.kind == "notice", Delivery.ref == str(notice_id))
        .group_by(Delivery.status)
    ).all()
    return {str(status): int(count) for status, count in rows}
