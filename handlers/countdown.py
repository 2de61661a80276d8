"""「還有幾天截止?」: answered from the program calendar (staff-editable data), not from prose."""
from __future__ import annotations

from db import calendar, subscriptions
from handlers.context import Ctx
from handlers.replies import text
from handlers.subscriptions import upcoming_lines
from knowledge.assistant import Choice
from knowledge.calendar import roc_date
from knowledge.chinese import query_facets
from knowledge.normalize import normalize

__all__ = ["COUNTDOWN", "on_countdown"]

COUNTDOWN = r".*(還有幾天|剩幾天|剩下幾天|倒數|還剩多久|還有多久|幾天後截止|距離截止).*"


def on_countdown(ctx: Ctx) -> None:
    """Days left until the next deadlines (for the class/program named, or the user's subscriptions)."""
    now = ctx.services.clock.now()
    facets = query_facets(normalize(ctx.text or "", ctx.services.assistant.kb.vocabulary))
    follows: list[tuple[str, str]] = []
    if facets:
        follows = [(facets.get("program", "digital_cluster"), facets.get("class", ""))]
    elif ctx.user_id:
        follows = [(s.program, s.class_) for s in subscriptions.of_user(session=ctx.session, line_user_id=ctx.user_id)]
    lines = upcoming_lines(ctx, follows)
    if lines:
        ctx.reply(text("接下來的截止日：\n" + "\n".join(lines) + "\n\n📄 依計畫行事曆（可說「訂閱」收到提醒）"))
        return
    past = calendar.past_reminded(session=ctx.session, now=now, limit=3)
    latest = "\n".join(f"・{m.title}：{roc_date(m.at, weekday=False, time=False)}（已過）" for m in past)
    ctx.reply(text(
        "目前行事曆上沒有即將到來的截止日（今天是" + roc_date(now, long=True, time=False) + "）。最近的日期：\n"
        + (latest or "（無）") +
        "\n\n新年度的須知公告後，日期會更新在行事曆上；訂閱後就能在截止前收到提醒。",
        (Choice("訂閱截止提醒", "say", {"text": "訂閱"}),),
    ))
