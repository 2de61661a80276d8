"""我的資料 / 刪除我的資料: the data rights the program's 個人資料蒐集與利用聲明 promises."""
from __future__ import annotations

from db import clusters, erase, forms, questions, subscriptions, users
from handlers.context import Ctx
from handlers.effects import ErasedUser
from handlers.replies import text
from knowledge.answers import display
from knowledge.assistant import Choice
from knowledge.forms import load_forms
from knowledge.labels import PROGRAM_SHORT, ROLES

__all__ = ["on_erase_confirmed", "on_erase_request", "on_my_data"]

STATUS = {"consent": "待同意", "active": "填寫中", "editing": "修改中", "details": "填寫中", "confirm": "填寫中",
          "confirm_cancel": "填寫中", "paused": "暫停", "review": "待送出", "submitted": "已送出",
          "cancelled": "已取消"}


def on_my_data(ctx: Ctx) -> None:
    """Shows everything stored about the user."""
    if ctx.user_id is None:
        return
    session = ctx.session
    lines = [f"這是我們保存的您的資料（LINE 使用者代碼 {ctx.user_id[:6]}…）："]
    subs = subscriptions.of_user(session=session, line_user_id=ctx.user_id)
    lines.append("・提醒訂閱：" + ("、".join(
        f"{PROGRAM_SHORT.get(s.program, s.program)}{(' ' + s.class_ + '類') if s.class_ else ''}（{ROLES.get(s.role, s.role)}）"
        for s in subs) or "無"))
    user = users.get_user(session=session, line_user_id=ctx.user_id)
    if user is not None and user.cluster_id:
        cluster = clusters.get_cluster(session=session, cluster_id=user.cluster_id)
        lines.append(f"・所屬群聚：{cluster.name if cluster else '—'}")
    known = load_forms()
    for fs in forms.sessions_of_user(session=session, line_user_id=ctx.user_id):
        form = known.get(fs.form_id)
        if form is None or fs.status == "cancelled":
            continue
        answers = forms.answers_of(session=session, session_id=fs.id)
        lines.append(f"・{form.title}：{STATUS.get(fs.status, fs.status)}，已填 {len(answers)} 題" +
                     (f"，{fs.consent_at:%Y-%m-%d} 同意個資聲明" if fs.consent_at else ""))
        personal = [f"　{item.label}：{display(item, answers[item.id])}" for item in form.items
                    if item.personal and answers.get(item.id) is not None]
        lines.extend(personal[:15])
    photos = forms.evidence_count(session=session, line_user_id=ctx.user_id)
    asked, feedback = questions.count_of_user(session=session, line_user_id=ctx.user_id)
    lines.append(f"・佐證照片 {photos} 張、待改進問題紀錄 {asked} 筆、回饋 {feedback} 筆")
    lines.append("\n要刪除以上全部資料並撤回個資同意，請說「刪除我的資料」。")
    ctx.reply(text("\n".join(lines)))


def on_erase_request(ctx: Ctx) -> None:
    """Asks for an explicit confirmation before deleting anything."""
    ctx.reply(text(
        "確定要刪除我們保存的您的所有資料嗎？包括填寫中或已送出的表單、照片、提醒訂閱與問答紀錄，"
        "並撤回個人資料同意。刪除後無法復原。",
        (Choice("確定刪除", "erase", {"c": "1"}), Choice("先不要", "say", {"text": "謝謝"})),
    ))


def on_erase_confirmed(ctx: Ctx) -> None:
    """Deletes everything about the user, after the confirmation tap."""
    if ctx.user_id is None:
        return
    erase.erase_user(session=ctx.session, line_user_id=ctx.user_id)
    ctx.effect(ErasedUser(ctx.user_id))
    ctx.reply(text("已刪除您的所有資料，並撤回個人資料同意。之後若再使用小幫手，會重新詢問同意。謝謝您 🙏"))
