"""The program calendar in the database: seeded from ``knowledge/calendar.yaml``, editable by staff."""
from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Milestone
from knowledge.calendar import Calendar, MilestoneSpec

__all__ = [
    "copy_year", "milestones", "past_reminded", "publish_year", "reminded", "seed_calendar", "upcoming",
    "upsert_milestone",
]


def seed_calendar(*, session: Session, calendar: Calendar) -> int:
    """Insert or refresh the shipped milestones; rows staff created or edited are left alone."""
    changed = 0
    for spec in calendar.milestones:
        row = session.get(Milestone, spec.id)
        if row is not None and row.origin != "seed":
            continue
        if row is None:
            row = Milestone(id=spec.id, origin="seed")
            session.add(row)
        values = _values(spec)
        if any(getattr(row, k, None) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(row, key, value)
            changed += 1
    return changed


def _values(spec: MilestoneSpec) -> dict:
    return {
        "program": spec.program, "year": spec.year, "title": spec.title, "at": spec.at,
        "all_day": spec.all_day, "approximate": spec.approximate,
        "audience": {"classes": list(spec.audience.classes), "roles": list(spec.audience.roles)},
        "remind": spec.remind, "what": spec.what, "label": spec.label, "label_en": spec.label_en,
    }


def upsert_milestone(
    *, session: Session, id: str, program: str, year: int, title: str, at: datetime, what: str = "",
    classes: list[str] | None = None, roles: list[str] | None = None, remind: bool = True, approximate: bool = False,
    label: str = "", label_en: str = "",
) -> Milestone:
    """Staff add or change a milestone; it is then never overwritten by the shipped calendar."""
    row = session.get(Milestone, id) or Milestone(id=id)
    row.program, row.year, row.title, row.at, row.what = program, year, title[:40], at, what
    row.label, row.label_en = label[:60], label_en[:80]
    row.audience = {"classes": classes or [], "roles": roles or ["leader", "member"]}
    row.remind, row.approximate, row.origin = remind, approximate, "staff"
    session.add(row)
    return row


def milestones(*, session: Session, program: str | None = None, drafts: bool = False) -> list[Milestone]:
    """The calendar answers and reminders use; ``drafts`` adds a program year still being prepared."""
    stmt = select(Milestone).order_by(Milestone.at)
    if program:
        stmt = stmt.where(Milestone.program == program)
    if not drafts:
        stmt = stmt.where(Milestone.draft.is_(False))
    return list(session.scalars(stmt))


def reminded(*, session: Session) -> list[Milestone]:
    """Milestones people are reminded of."""
    return list(session.scalars(select(Milestone).where(Milestone.remind.is_(True), Milestone.draft.is_(False))
                                .order_by(Milestone.at)))


def upcoming(*, session: Session, now: datetime) -> list[Milestone]:
    """Reminded milestones still ahead, soonest first."""
    return list(session.scalars(select(Milestone).where(Milestone.remind.is_(True), Milestone.draft.is_(False),
                                                        Milestone.at > now).order_by(Milestone.at)))


def past_reminded(*, session: Session, now: datetime, limit: int = 3) -> list[Milestone]:
    """The latest reminded milestones already behind us."""
    return list(session.scalars(select(Milestone).where(Milestone.remind.is_(True), Milestone.draft.is_(False),
                                                        Milestone.at <= now)
                                .order_by(Milestone.at.desc()).limit(limit)))


def copy_year(*, session: Session, program: str, from_year: int, to_year: int) -> list[Milestone]:
    """A program year's milestones copied into a draft of another year: ids and dates moved by the
    years between them, marked approximate until staff enter the new 須知's dates."""
    shift = to_year - from_year
    copied = []
    for row in milestones(session=session, program=program):
        if row.year != from_year:
            continue
        new_id = re.sub(r"^([a-z]+)\d{2,3}-", lambda m: f"{m.group(1)}{to_year}-", row.id)
        if new_id == row.id or session.get(Milestone, new_id) is not None:
            continue
        try:
            at = row.at.replace(year=row.at.year + shift)
        except ValueError:  # 2/29
            at = row.at.replace(year=row.at.year + shift, day=28)
        copy = Milestone(id=new_id, program=program, year=to_year, title=row.title, at=at, all_day=row.all_day,
                         approximate=True, audience=dict(row.audience or {}), remind=row.remind, what=row.what,
                         label=f"{to_year}年（日期待新須知公告）", label_en=f"{to_year + 1911} (to be announced)",
                         origin="staff", draft=True)
        session.add(copy)
        copied.append(copy)
    return copied


def publish_year(*, session: Session, program: str, year: int) -> int:
    """A prepared program year's milestones start to count (answers and reminders)."""
    rows = [m for m in milestones(session=session, program=program, drafts=True) if m.year == year and m.draft]
    for row in rows:
        row.draft = False
    return len(rows)
