"""Deadline and monthly-report reminders: what is due at a given moment, queued exactly once.

Everything takes ``now`` as an argument (the clock process passes the real time, tests pass any
time they like), so "what would have been sent at 09:00 on 7/24" is a plain function call.
Deadline reminders go out at 09:00 Asia/Taipei on each configured day before the milestone
(default 14, 7, 3, 1 days and the day itself). A reminder whose time passed while the clock was
down is still sent within the grace window, once: the delivery key
``reminder:<milestone>:<offset>:<user>`` exists only once.
"""
from __future__ import annotations

import calendar as cal
import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy.orm import Session

from bot.line.client import LineClient
from bot.outbox.delivery import Deliverer, DeliveryReport
from bot.settings import Settings
from db import audit, calendar, clusters, deliveries, forms, subscriptions, users
from db.engine import Database
from db.models import Milestone
from knowledge.calendar import load_calendar, roc_date
from knowledge.clock import Clock
from knowledge.labels import PROGRAM_NAMES, TAIPEI, month_key

__all__ = ["Due", "due_now", "plan", "run"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Due:
    kind: str  # reminder | monthly
    ref: str  # milestone id, or the month for monthly reports
    slot: str  # 14d, 7d, …, 0d; or first / followup
    users: tuple[str, ...]
    text: str


def _at_local(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=TAIPEI)


def _audience(session: Session, milestone: Milestone) -> set[str]:
    return subscriptions.subscribers(session=session, program=milestone.program,
                                     classes=milestone.audience.get("classes") or (),
                                     roles=milestone.audience.get("roles") or ())


def _deadline_text(milestone: Milestone, days: int) -> str:
    when = "就是今天" if days == 0 else f"還有 {days} 天"
    lines = [
        f"⏰ {PROGRAM_NAMES.get(milestone.program, '')}提醒：{milestone.title}",
        f"時間：{roc_date(milestone.at, long=True, time=not milestone.all_day)}（{when}）" + ("，日期為暫定" if milestone.approximate else ""),
    ]
    if milestone.what:
        lines.append(milestone.what)
    lines.append("回覆「我的提醒」查看訂閱，「取消訂閱」可停止提醒。")
    return "\n".join(lines)


def due_now(session: Session, now: datetime, settings: Settings) -> list[Due]:
    """Every reminder whose send time has come and whose grace window has not closed."""
    grace = timedelta(hours=settings.reminder_grace_hours)
    due: list[Due] = []
    for milestone in calendar.reminded(session=session):
        deadline = milestone.at.astimezone(TAIPEI)
        for days in settings.reminder_offsets:
            fire = _at_local(deadline.date() - timedelta(days=days), settings.reminder_hour)
            if fire <= now < fire + grace and now < deadline:
                users = _audience(session, milestone)
                if users:
                    due.append(Due("reminder", milestone.id, f"{days}d", tuple(sorted(users)), _deadline_text(milestone, days)))
    due.extend(_monthly_due(session, now, settings, grace))
    return due


def _monthly_due(session: Session, now: datetime, settings: Settings, grace: timedelta) -> list[Due]:
    local = now.astimezone(TAIPEI)
    month = month_key(now)
    last_day = cal.monthrange(local.year, local.month)[1]
    first = _at_local(date(local.year, local.month, min(settings.monthly_report_day, last_day)), settings.reminder_hour)
    followup = _at_local(date(local.year, local.month, last_day), settings.reminder_hour)
    reporters = _monthly_reporters(session)
    due: list[Due] = []
    if first <= now < first + grace and reporters:
        due.append(Due("monthly", month, "first", tuple(sorted(reporters)),
                       f"📝 {local.month}月月報提醒：請在本月底前回覆「月報」，回報本月的群聚會議、研習、參訪與績效進度，約 3 分鐘。"))
    if followup <= now < followup + grace:
        missing = reporters - set(forms.reported_users(session=session, month=month))
        if missing:
            due.append(Due("monthly", month, "followup", tuple(sorted(missing)),
                           f"📝 今天是{local.month}月最後一天，還沒收到您的月報喔！回覆「月報」就能開始填寫。"))
    return due


def _monthly_reporters(session: Session) -> set[str]:
    """Who reports monthly, per the calendar: cluster leaders; every alliance member."""
    rules = load_calendar().monthly_report
    reporters: set[str] = set()
    for program, rule in rules.items():
        roles = tuple(rule.get("roles", ()))
        reporters |= subscriptions.subscribers(session=session, program=program, roles=roles)
        if program == "digital_cluster" and "leader" in roles:
            reporters |= clusters.leader_ids(session=session)
    return reporters


def plan(session: Session, now: datetime, settings: Settings) -> int:
    """Queue every due reminder; returns how many new deliveries were queued."""
    blocked = users.blocked_ids(session=session)
    queued = 0
    for item in due_now(session, now, settings):
        payload = {"text": item.text}
        queued += deliveries.queue_many(session=session, rows=[
            {"key": f"{item.kind}:{item.ref}:{item.slot}:{user}", "kind": item.kind, "ref": f"{item.ref}:{item.slot}",
             "line_user_id": user, "payload": payload, "status": "blocked" if user in blocked else "pending"}
            for user in item.users
        ], now=now)
    return queued


async def run(db: Database, line: LineClient, settings: Settings, clock: Clock, *, actor: str = "clock") -> DeliveryReport:
    """One reminder run: plan, send everything queued (scheduled notices too), audit it."""
    now = clock.now()
    with db.session() as session:
        queued = plan(session, now, settings)
    report = await Deliverer(db, line, clock=clock, concurrency=settings.multicast_concurrency).run(stale_after=timedelta(seconds=settings.delivery_stale_seconds))
    with db.session() as session:
        audit.record(session=session, actor=actor, action="reminder_run", details={
            "at": now.isoformat(), "queued": queued, "sent": report.sent, "failed": report.failed, "calls": report.calls,
        })
    if queued or report.sent or report.failed:
        log.info("reminder run", extra={"queued": queued, "sent": report.sent, "failed": report.failed})
    return report
