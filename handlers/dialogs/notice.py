"""/公告: a staff member composes a notice by chat; the review previews it as recipients will see
it, and 送出 creates it and asks for its delivery."""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from db import audience, notices
from handlers.dialogs.questions import say_choice
from handlers.effects import DeliverNotice, Effect
from handlers.replies import Reply, Text, notice_reply
from knowledge.labels import month_key
from knowledge.notices import AudienceError, NoticeError, describe, preset

__all__ = ["notice_preview", "send_notice"]


def _spec(answers: dict[str, Any], today: date) -> dict[str, Any]:
    return preset(str(answers.get("audience") or "all"), month=month_key(today))


def notice_preview(session: Session, answers: dict[str, Any], *, today: date) -> list[Reply]:
    spec = _spec(answers, today)
    people = audience.resolve(session=session, spec=spec)
    return [
        Text("以下是公告預覽，對方在 LINE 上會看到："),
        notice_reply(str(answers.get("text") or ""), answers.get("link") or None),
        Text(f"對象：{describe(spec)}，共 {len(people.recipients)} 位。確定要發送嗎？",
             (say_choice("送出"), say_choice("修改內容", "修改 1"), say_choice("取消"))),
    ]


def send_notice(session: Session, user_id: str, answers: dict[str, Any], *, today: date) -> tuple[list[Reply], list[Effect], bool]:
    """Create the notice for delivery after the reply; (replies, effects, created?)."""
    try:
        notice, people = notices.create(session=session, text=str(answers.get("text") or ""), audience=_spec(answers, today),
                                        actor=f"line:{user_id[:12]}", link_url=answers.get("link") or None)
    except (NoticeError, AudienceError) as exc:
        return [Text(f"沒辦法送出：{exc}")], [], False
    text = f"📢 公告 #{notice.id} 已送出給 {len(people.recipients)} 位" + (
        f"（另有 {len(people.blocked)} 位已封鎖，不會收到）" if people.blocked else "") + "。"
    return [Text(text)], [DeliverNotice(notice.id)], True
