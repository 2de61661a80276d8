"""Guided forms by chat: what starts them, the live-form step, and joining clusters.

The engine (``engine.py``) decides through a declared state table (``machine.py``); these
handlers hand it the message and pass on its replies and effects.
"""
from __future__ import annotations

import re

from db import clusters, forms, subscriptions, users
from handlers.context import Ctx
from handlers.dialogs.engine import Engine
from handlers.replies import Reply, text
from knowledge.assistant import Choice
from knowledge.forms import load_consents, load_forms
from knowledge.labels import fold

__all__ = [
    "FORM_TRIGGERS", "JOIN", "form_for", "has_live_form", "on_form_image", "on_form_postback", "on_form_text",
    "on_join_cluster", "on_page", "on_resume", "on_start_form",
]

#: What users say to start (or resume) each form; checked on the whole message.
FORM_TRIGGERS: dict[str, str] = {
    "dc_member": r"(我要|開始|填寫?|繼續)?(成員)?(自我評估|自評|自評表|自我評估表|成員基本資料表?|成員自評)(表)?",
    "dc_cluster": r"(我要|開始|填寫?|繼續)?(群聚自評|群聚自我評估表?|群聚現況自我評估表?|建立群聚)",
    "ia_survey": r"(我要|開始|填寫?|繼續)?(聯盟調查|聯盟業者基本資料表?|企業營運現況調查|聯盟問卷)",
    "checkin": r"(我要|開始|填寫?|回報)?(月報|每月回報|進度回報|群聚月報)",
    "ia_checkin": r"(我要|開始|填寫?|回報)?(聯盟月報|聯盟進度回報)",
    "staff_notice": r"/公告|／公告|/notice",
}
JOIN = re.compile(r"^(?:加入群聚|群聚代碼|加入)\s*[:：]?\s*([A-Za-z0-9]{6})$")


def _engine(ctx: Ctx) -> Engine:
    return Engine(ctx.session, ctx.user_id or "", load_forms(), load_consents(), ctx.services.assistant,
                  today=ctx.services.clock.today(), is_staff=ctx.is_staff)


def _reply(ctx: Ctx, engine: Engine, replies: list[Reply]) -> None:
    ctx.reply(*replies)
    for effect in engine.effects:
        ctx.effect(effect)


def form_for(message: str | None) -> str | None:
    folded = fold(message)
    for form_id, pattern in FORM_TRIGGERS.items():
        if re.fullmatch(pattern, folded):
            return form_id
    return None


def has_live_form(ctx: Ctx) -> bool:
    if ctx.user_id is None:
        return False
    return forms.live_session(session=ctx.session, line_user_id=ctx.user_id) is not None


def on_start_form(ctx: Ctx) -> None:
    """Starts (or resumes) the form the user asked for: 自我評估, 群聚自評, 聯盟調查."""
    form_id = form_for(ctx.text)
    if form_id == "checkin" and ctx.user_id is not None:
        programs = {s.program for s in subscriptions.of_user(session=ctx.session, line_user_id=ctx.user_id)}
        if programs == {"intl_alliance"}:
            form_id = "ia_checkin"  # alliance members say 「月報」 too
    if ctx.user_id is None or form_id is None:
        ctx.reply(text("請在與小幫手的一對一聊天中填寫表單喔。"))
        return
    engine = _engine(ctx)
    _reply(ctx, engine, engine.start(form_id))


def on_form_text(ctx: Ctx) -> None:
    """Handles a message while a form is live: answers, commands, or an FAQ detour."""
    engine = _engine(ctx)
    live = engine.live()
    if live is not None:
        _reply(ctx, engine, engine.handle_text(live, ctx.text or ""))


def on_form_image(ctx: Ctx) -> None:
    """A photo while a form is live: evidence for a check-in."""
    engine = _engine(ctx)
    live = engine.live()
    if live is not None and ctx.event.message_id:
        _reply(ctx, engine, engine.handle_image(live, ctx.event.message_id))


def on_resume(ctx: Ctx) -> None:
    """「繼續」 with no live form: picks up the most recently paused one."""
    replies = _engine(ctx).resume() if ctx.user_id else None
    if replies is None:
        ctx.reply(text("目前沒有暫停中的表單。想填寫可以說「自我評估」「群聚自評」或「聯盟調查」。"))
        return
    ctx.reply(*replies)


def on_page(ctx: Ctx) -> None:
    """Shows another page of a long option list (e.g. the 20 industry categories)."""
    engine = _engine(ctx)
    live = engine.live()
    params = ctx.postback_params
    if live is None or params.get("k") != f"form:{live.id}":
        ctx.reply(text("這個選項已經過期了，請直接輸入答案。"))
        return
    page = int(params.get("p", "0")) if params.get("p", "0").isdigit() else 0
    ctx.reply(*engine.page(live, page))


def on_form_postback(ctx: Ctx) -> None:
    """Buttons on form messages (reopen a submitted form)."""
    params = ctx.postback_params
    form_id = params.get("f", "")
    if params.get("do") == "reopen" and form_id in load_forms() and ctx.user_id:
        ctx.reply(*_engine(ctx).reopen(form_id))


def on_join_cluster(ctx: Ctx) -> None:
    """「加入群聚 ABC123」: links the member to the lead firm's cluster."""
    match = JOIN.match(fold(ctx.text))
    if ctx.user_id is None or match is None:
        return
    cluster = clusters.cluster_by_code(session=ctx.session, code=match.group(1))
    if cluster is None:
        ctx.reply(text("找不到這個群聚代碼，請向領導企業再確認一次（6 碼英數字）。"))
        return
    user = users.get_or_create_user(session=ctx.session, line_user_id=ctx.user_id)
    clusters.join(session=ctx.session, user=user, cluster=cluster)
    forms.link_member_sessions(session=ctx.session, line_user_id=ctx.user_id, cluster_id=cluster.id)
    ctx.reply(text(f"已加入「{cluster.name}」！接著可以說「自我評估」填寫成員自評。",
                   (Choice("填成員自評", "say", {"text": "自我評估"}),)))
