"""我的資料 / 刪除我的資料: the data rights the program's 個人資料蒐集與利用聲明 promises."""
from __future__ import annotations

from sqlalchemy import delete, select, update

from db import forms_repo
from db.models import (
    Cluster, Delivery, Evidence, Feedback, FormAnswer, FormSession, Subscription, UnansweredQuestion, User,
)
from knowledge.assistant import Choice
from handlers.context import Ctx
from handlers.replies import text_message
from knowledge.answers import display
from knowledge.forms import load_forms

__all__ = ["erase_user", "on_erase_confirmed", "on_erase_request", "on_my_data"]

STATUS = {"consent": "待同意", "active": "填寫中", "paused": "暫停", "review": "待送出", "submitted": "已送出",
          "cancelled": "已取消"}


def on_my_data(ctx: Ctx) -> None:
    """Shows everything stored about the user."""
    if ctx.user_id is None:
        return
    lines = [f"這是我們保存的您的資料（LINE 使用者代碼 {ctx.user_id[:6]}…）："]
    subs = ctx.session.scalars(select(Subscription).where(Subscription.line_user_id == ctx.user_id)).all()
    lines.append("・提醒訂閱：" + ("、".join(f"{s.program}{(' ' + s.class_ + '類') if s.class_ else ''}（{s.role}）" for s in subs) or "無"))
    user = ctx.session.get(User, ctx.user_id)
    if user is not None and user.cluster_id:
        cluster = ctx.session.get(Cluster, user.cluster_id)
        lines.append(f"・所屬群聚：{cluster.name if cluster else '—'}")
    forms = load_forms()
    for fs in ctx.session.scalars(select(FormSession).where(FormSession.line_user_id == ctx.user_id)):
        form = forms.get(fs.form_id)
        if form is None or fs.status == "cancelled":
            continue
        answers = forms_repo.answers_of(session=ctx.session, session_id=fs.id)
        lines.append(f"・{form.title}：{STATUS.get(fs.status, fs.status)}，已填 {len(answers)} 題" +
                     (f"，{fs.consent_at:%Y-%m-%d} 同意個資聲明" if fs.consent_at else ""))
        personal = [f"　{item.label}：{display(item, answers[item.id])}" for item in form.items
                    if item.personal and answers.get(item.id) is not None]
        lines.extend(personal[:15])
    photos = ctx.session.query(Evidence).join(FormSession, Evidence.session_id == FormSession.id).filter(
        FormSession.line_user_id == ctx.user_id).count()
    questions = ctx.session.query(UnansweredQuestion).filter_by(line_user_id=ctx.user_id).count()
    feedback = ctx.session.query(Feedback).filter_by(line_user_id=ctx.user_id).count()
    lines.append(f"・佐證照片 {photos} 張、待改進問題紀錄 {questions} 筆、回饋 {feedback} 筆")
    lines.append("\n要刪除以上全部資料並撤回個資同意，請說「刪除我的資料」。")
    ctx.reply(text_message("\n".join(lines)[:4900]))


def on_erase_request(ctx: Ctx) -> None:
    """Asks for an explicit confirmation before deleting anything."""
    ctx.reply(text_message(
        "確定要刪除我們保存的您的所有資料嗎？包括填寫中或已送出的表單、照片、提醒訂閱與問答紀錄，"
        "並撤回個人資料同意。刪除後無法復原。",
        (Choice("確定刪除", "erase", {"c": "1"}), Choice("先不要", "say", {"text": "謝謝"})),
    ))


def erase_user(session, line_user_id: str) -> None:  # type: ignore[no-untyped-def]
    """Delete every row that holds the user's id or answers; clusters they led keep existing."""
    session_ids = select(FormSession.id).where(FormSession.line_user_id == line_user_id)
    session.execute(delete(Evidence).where(Evidence.session_id.in_(session_ids)))
    session.execute(delete(FormAnswer).where(FormAnswer.session_id.in_(session_ids)))
    session.execute(delete(FormSession).where(FormSession.line_user_id == line_user_id))
    session.execute(delete(Subscription).where(Subscription.line_user_id == line_user_id))
    session.execute(delete(Feedback).where(Feedback.line_user_id == line_user_id))
    session.execute(delete(UnansweredQuestion).where(UnansweredQuestion.line_user_id == line_user_id))
    session.execute(delete(Delivery).where(Delivery.line_user_id == line_user_id))
    session.execute(update(Cluster).where(Cluster.leader_user_id == line_user_id).values(leader_user_id=""))
    session.execute(delete(User).where(User.line_user_id == line_user_id))


def on_erase_confirmed(ctx: Ctx) -> None:
    """Deletes everything about the user, after the confirmation tap."""
    if ctx.user_id is None:
        return
    erase_user(ctx.session, ctx.user_id)
    ctx.session.flush()
    ctx.reply(text_message("已刪除您的所有資料，並撤回個人資料同意。之後若再使用小幫手，會重新詢問同意。謝謝您 🙏"))
