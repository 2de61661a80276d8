"""訂閱 / 取消訂閱 / 我的提醒: which program, class and role a user follows for reminders."""
from __future__ import annotations

from db import calendar, subscriptions
from db.models import Subscription
from handlers import membership
from handlers.context import Ctx
from handlers.replies import text
from knowledge.assistant import Choice
from knowledge.calendar import roc_date, say_date
from knowledge.labels import PROGRAM_SHORT, ROLES, TAIPEI

__all__ = ["on_my_reminders", "on_subscribe", "on_subscribe_step", "on_unsubscribe", "upcoming_lines"]

PROGRAM_CHOICES = (
    ("數位群聚 A類", {"p": "digital_cluster", "c": "A"}),
    ("數位群聚 B類", {"p": "digital_cluster", "c": "B"}),
    ("數位群聚 A、B都要", {"p": "digital_cluster", "c": ""}),
    ("國際主題聯盟", {"p": "intl_alliance", "c": ""}),
)
ROLE_CHOICES = tuple((label, role) for role, label in ROLES.items())
PUBLIC_ROLES = ("member", "leader")  # 計畫同仁 is offered only to staff


def _label(sub: Subscription) -> str:
    cls = f" {sub.class_}類" if sub.class_ else ""
    return f"{PROGRAM_SHORT.get(sub.program, sub.program)}{cls}（{ROLES.get(sub.role, sub.role)}）"


def upcoming_lines(ctx: Ctx, follows: list[tuple[str, str]], *, limit: int = 3) -> list[str]:
    """The next reminded milestones for ``follows`` — (program, class) pairs, class "" for all;
    an empty list means every program."""
    now = ctx.services.clock.now()
    rows = calendar.upcoming(session=ctx.session, now=now)
    lines = []
    for m in rows:
        classes = set(m.audience.get("classes") or [])
        if follows and not any(p == m.program and (not classes or not c or c in classes) for p, c in follows):
            continue
        days = (m.at.astimezone(TAIPEI).date() - now.astimezone(TAIPEI).date()).days
        said = say_date(m) if m.approximate else roc_date(m.at, time=not m.all_day)
        tentative = "（暫定）" if m.approximate and "暫定" not in m.title + said else ""
        lines.append(f"・{m.title}：{said}{tentative}，" + (f"還有 {days} 天" if not m.approximate else "確切日期另行通知"))
        if len(lines) >= limit:
            break
    return lines


def on_subscribe(ctx: Ctx) -> None:
    """Asks which program and class to follow."""
    choices = tuple(Choice(label, "sub", params) for label, params in PROGRAM_CHOICES)
    ctx.reply(text("要訂閱哪個計畫的截止日與月報提醒呢？", choices))


def on_subscribe_step(ctx: Ctx) -> None:
    """Second tap asks the role; the third saves the subscription."""
    params = ctx.postback_params
    program, cls, role = params.get("p", ""), params.get("c", ""), params.get("r")
    if program not in PROGRAM_SHORT or cls not in ("", "A", "B") or ctx.user_id is None:
        ctx.reply(text("這個選項已過期，請再說一次「訂閱」。"))
        return
    if role is None:
        role = membership.known_role(ctx, program)  # a lead firm or member we know is not asked again
    if role is None:
        choices = tuple(Choice(label, "sub", {"p": program, "c": cls, "r": value}) for label, value in ROLE_CHOICES
                        if value in PUBLIC_ROLES or ctx.is_staff)
        ctx.reply(text("您在計畫中的角色是？（領導企業會另外收到月報提醒）", choices))
        return
    if role not in ROLES:
        ctx.reply(text("這個選項已過期，請再說一次「訂閱」。"))
        return
    if role == "staff" and not ctx.is_staff:
        ctx.reply(text("計畫同仁身分需要由系統管理員設定（STAFF_LINE_IDS）。先幫您以成員身分訂閱，可以嗎？",
                               (Choice("好，用成員訂閱", "sub", {"p": program, "c": cls, "r": "member"}),)))
        return
    existing = subscriptions.subscribe(session=ctx.session, line_user_id=ctx.user_id, program=program, class_=cls, role=role)
    lines = upcoming_lines(ctx, [(existing.program, existing.class_)])
    upcoming = "\n".join(lines) if lines else "目前行事曆上沒有即將到來的截止日，新年度日期公告後會依最新行事曆提醒您。"
    ctx.reply(text(f"✅ 已訂閱：{_label(existing)}\n截止日前 14、7、3、1 天與當天 09:00 會提醒您。\n\n接下來的日期：\n{upcoming}",
                           (Choice("我的提醒", "say", {"text": "我的提醒"}),)))


def on_unsubscribe(ctx: Ctx) -> None:
    """Stops all reminders for this user."""
    if ctx.user_id is None:
        return
    removed = subscriptions.unsubscribe_all(session=ctx.session, line_user_id=ctx.user_id)
    ctx.reply(text("已取消全部提醒，不會再收到截止日與月報提醒了。想恢復隨時說「訂閱」。" if removed
                   else "您目前沒有訂閱任何提醒。"))


def on_my_reminders(ctx: Ctx) -> None:
    """Lists what the user follows and the next dates."""
    if ctx.user_id is None:
        return
    subs = subscriptions.of_user(session=ctx.session, line_user_id=ctx.user_id)
    if not subs:
        ctx.reply(text("您還沒有訂閱提醒。要訂閱嗎？", (Choice("訂閱提醒", "say", {"text": "訂閱"}),)))
        return
    lines = upcoming_lines(ctx, [(s.program, s.class_) for s in subs])
    body = "您訂閱的提醒：\n" + "\n".join(f"・{_label(s)}" for s in subs)
    body += "\n\n接下來的日期：\n" + ("\n".join(lines) if lines else "目前行事曆上沒有即將到來的日期。")
    ctx.reply(text(body, (Choice("取消訂閱", "say", {"text": "取消訂閱"}), Choice("再訂閱一個", "say", {"text": "訂閱"}))))
