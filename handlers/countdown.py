"""「還有幾天截止?」: answered from the program calendar (staff-editable data), not from prose."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from db.models import Milestone, Subscription
from handlers.context import Ctx
from handlers.replies import text_message
from knowledge.assistant import Choice
from handlers.subscriptions import upcoming_lines
from knowledge.calendar import roc_date
from knowledge.chinese import query_facets
from knowledge.normalize import normalize

__all__ = ["COUNTDOWN", "on_countdown"]

COUNTDOWN = r".*(還有幾天|剩幾天|剩下幾天|倒數|還剩多久|還有多久|幾天後截止|距離截止).*"


def on_countdown(ctx: Ctx, *, now: datetime | None = None) -> None:
    """Days left until the next deadlines (for the class/program named, or the user's subscriptions)."""
    now = now or datetime.now(timezone.utc)
    facets = query_facets(normalize(ctx.text or "", ctx.services.kb.vocabulary))
    follows: list[tuple[str, str]] = []
    if facets:
        follows = [(facets.get("program", "digital_cluster"), facets.get("class", ""))]
    elif ctx.user_id:
        follows = list(ctx.session.execute(
            select(Subscription.program, Subscription.class_).where(Subscription.line_user_id == ctx.user_id)).tuples())
    lines = upcoming_lines(ctx, follows, now=now)
    if lines:
        ctx.reply(text_message("接下來的截止日：\n" + "\n".join(lines) + "\n\n📄 依計畫行事曆（可說「訂閱」收到提醒）"))
        return
    past = ctx.session.scalars(select(Milestone).where(Milestone.remind.is_(True), Milestone.at <= now)
                               .order_by(Milestone.at.desc()).limit(3)).all()
    latest = "\n".join(f"・{m.title}：{roc_date(m.at, weekday=False, time=False)}（已過）" for m in past)
    ctx.reply(text_message(
        "目前行事曆上沒有即將到來的截止日（今天是" + roc_date(now, long=True, time=False) + "）。最近的日期：\n"
        + (latest or "（無）") +
        "\n\n新年度的須知公告後，日期會更新在行事曆上；訂閱後就能在截止前收到提醒。",
        (Choice("訂閱截止提醒", "say", {"text": "訂閱"}),),
    ))
