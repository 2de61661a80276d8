"""Guided forms by chat: what starts them, the live-form step, and joining clusters.

The engine (``engine.py``) decides through a declared state table (``machine.py``); these
handlers hand it the message and pass on its replies and effects.
"""
from __future__ import annotations

import re

from db import clusters, forms, users
from handlers import membership
from handlers.context import Ctx
from handlers.dialogs.engine import Engine
from handlers.replies import Reply, text
from knowledge.assistant import Choice
from knowledge.forms import load_consents, load_forms
from knowledge.labels import fold

__all__ = [
    "CHECKINS", "FORM_TRIGGERS", "JOIN", "form_for", "has_live_form", "on_form_date", "on_form_image", "on_form_media",
    "on_form_postback", "on_form_text", "on_join_cluster", "on_page", "on_resume", "on_start_form",
]

#: What users say to start (or resume) each form; checked on the whole message.
FORM_TRIGGERS: dict[str, str] = {
    "dc_member": r"(我要|開始|填寫?|繼續)?(成員)?(自我評估|自評|自評表|自我評估表|成員基本資料表?|成員自評)(表)?",
    "dc_cluster": r"(我要|開始|填寫?|繼續)?(群聚自評|群聚自我評估表?|群聚現況自我評估表?|建立群聚)",
    "ia_survey": r"(我要|開始|填寫?|繼續)?(聯盟調查|聯盟業者基本資料表?|企業營運現況調查|聯盟問卷)",
    "checkin": r"(我要|開始|填寫?|回報)?(月報|每月回報|進度回報)",
    "dc_checkin": r"(我要|開始|填寫?|回報)?(群聚月報|數位群聚月報)",
    "ia_checkin": r"(我要|開始|填寫?|回報)?(聯盟月報|聯盟進度回報)",
    "staff_notice": r"/公告|／公告|/notice",
}
JOIN = re.compile(r"^(?:加入群聚|群聚代碼|加入)\s*[:：]?\s*([A-Za-z0-9]*)$")
#: Which check-in a user means by 「月報」: the program they take part in.
CHECKINS = {"digital_cluster": "checkin", "intl_alliance": "ia_checkin"}


def _engine(ctx: Ctx) -> Engine:
    return Engine(ctx.session, ctx.user_id or "", load_forms(), load_consents(), ctx.services.assistant,
                  now=ctx.services.clock.now(), is_staff=ctx.is_staff)


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
    return ctx.activity()[0]


def on_start_form(ctx: Ctx) -> None:
    """Starts (or resumes) the form the user asked for: 自我評估, 群聚自評, 聯盟調查, 月報."""
    form_id = form_for(ctx.text)
    if ctx.user_id is None or form_id is None:
        ctx.reply(text("請在與小幫手的一對一聊天中填寫表單喔。"))
        return
    if form_id == "checkin":
        programs = membership.programs_of(ctx)
        if not programs:
            ctx.reply(text("月報是給已入選的群聚領導企業和聯盟成員填的。群聚成員請先向領導企業要群聚代碼，說「加入群聚 代碼」；"
                           "聯盟成員請先填「聯盟調查」。", (Choice("加入群聚", "say", {"text": "加入群聚"}),
                                                             Choice("填聯盟調查", "say", {"text": "聯盟調查"}))))
            return
        if len(programs) > 1:
            ctx.reply(text("您同時參加數位群聚和國際主題聯盟，要填哪一份月報呢？",
                           (Choice("數位群聚月報", "say", {"text": "群聚月報"}), Choice("聯盟月報", "say", {"text": "聯盟月報"}))))
            return
        form_id = CHECKINS[programs.pop()]
    elif form_id == "dc_checkin":
        form_id = "checkin"
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


def on_form_date(ctx: Ctx) -> None:
    """A date picked with the date picker answers the date question it was shown under."""
    engine = _engine(ctx)
    live = engine.live()
    params = ctx.postback_params
    if live is None or params.get("k") != f"form:{live.id}" or not params.get("date"):
        ctx.reply(text("這個日期選擇已經過期了，請直接輸入日期，例如「112/3/7」。"))
        return
    _reply(ctx, engine, engine.handle_text(live, params["date"]))


def on_form_media(ctx: Ctx) -> None:
    """A sticker (or a file) while a form is live: acknowledged, and the question asked again."""
    engine = _engine(ctx)
    live = engine.live()
    if live is None:
        return
    engine.say("收到了 😊 表單還停在這一題，接著填：")
    _reply(ctx, engine, engine.current(live))


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
    code = match.group(1)
    if not code:
        ctx.reply(text("請問群聚代碼是什麼？代碼是領導企業建立群聚時拿到的 6 碼英數字，請輸入「加入群聚 代碼」，例如「加入群聚 K7P2QX」。"))
        return
    if len(code) != 6:
        ctx.reply(text(f"群聚代碼是 6 碼英數字，您輸入的「{code}」是 {len(code)} 碼，請再向領導企業確認一次。"))
        return
    cluster = clusters.cluster_by_code(session=ctx.session, code=code)
    if cluster is None:
        ctx.reply(text("找不到這個群聚代碼，請向領導企業再確認一次（6 碼英數字）。"))
        return
    user = users.get_or_create_user(session=ctx.session, line_user_id=ctx.user_id)
    clusters.join(session=ctx.session, user=user, cluster=cluster)
    forms.link_member_sessions(session=ctx.session, line_user_id=ctx.user_id, cluster_id=cluster.id)
    ctx.reply(text(f"已加入「{cluster.name}」！接著可以說「自我評估」填寫成員自評。",
                   (Choice("填成員自評", "say", {"text": "自我評估"}),)))
