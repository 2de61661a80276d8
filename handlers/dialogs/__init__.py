"""Guided forms by chat: triggers, the live-form router step, and joining clusters.

The engine (``engine.py``) decides; this module turns its prompts into LINE messages.
"""
from __future__ import annotations

import re
import unicodedata

from linebot.v3.messaging import FlexMessage, Message

from db import forms_repo
from db.models import FormSession, User
from knowledge.assistant import Choice
from handlers.context import Ctx
from handlers.dialogs.engine import Engine, Prompt
from handlers.replies import text_message
from knowledge.forms import load_consents, load_forms

__all__ = [
    "FORM_TRIGGERS",
    "JOIN",
    "has_live_form",
    "on_form_postback",
    "on_form_image",
    "on_form_text",
    "on_join_cluster",
    "on_page",
    "on_resume",
    "on_start_form",
    "to_messages",
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


def to_messages(prompts: list[Prompt]) -> list[Message]:
    messages: list[Message] = []
    for prompt in prompts:
        if prompt.flex is not None:
            messages.append(FlexMessage.from_dict(prompt.flex))
        else:
            messages.append(text_message(prompt.text, prompt.choices))
    if len(messages) > 5:  # LINE's reply limit: merge the oldest texts, keep the question last
        head = [m for m in messages[:-4]]
        merged = "\n\n".join(getattr(m, "text", "") or getattr(m, "alt_text", "") for m in head)
        messages = [text_message(merged[:4900])] + messages[-4:]
    return messages


def _engine(ctx: Ctx) -> Engine:
    return Engine(ctx.session, ctx.user_id or "", load_forms(), load_consents(), ctx.services.assistant,
                  is_staff=ctx.is_staff)


def _reply(ctx: Ctx, engine: Engine, prompts: list[Prompt]) -> None:
    ctx.reply(*to_messages(prompts))
    for job, params in engine.jobs:
        ctx.defer(job, params)


def _fold(text: str | None) -> str:
    return unicodedata.normalize("NFKC", text or "").strip()


def form_for(text: str | None) -> str | None:
    folded = _fold(text)
    for form_id, pattern in FORM_TRIGGERS.items():
        if re.fullmatch(pattern, folded):
            return form_id
    return None


def _alliance_only(ctx: Ctx) -> bool:
    from db.models import Subscription

    programs = {s.program for s in ctx.session.query(Subscription).filter_by(line_user_id=ctx.user_id)}
    return programs == {"intl_alliance"}


def has_live_form(ctx: Ctx) -> bool:
    if ctx.user_id is None:
        return False
    return forms_repo.live_session(session=ctx.session, line_user_id=ctx.user_id) is not None


def on_start_form(ctx: Ctx) -> None:
    """Starts (or resumes) the form the user asked for: 自我評估, 群聚自評, 聯盟調查."""
    form_id = form_for(ctx.text)
    if form_id == "checkin" and ctx.user_id is not None and _alliance_only(ctx):
        form_id = "ia_checkin"  # alliance members say 「月報」 too
    if ctx.user_id is None or form_id is None:
        ctx.reply(text_message("請在與小幫手的一對一聊天中填寫表單喔。"))
        return
    engine = _engine(ctx)
    _reply(ctx, engine, engine.start(form_id))


def on_form_text(ctx: Ctx) -> None:
    """Handles a message while a form is live: answers, commands, or an FAQ detour."""
    engine = _engine(ctx)
    live = engine.live()
    assert live is not None
    _reply(ctx, engine, engine.handle_text(live, ctx.text or ""))


def on_form_image(ctx: Ctx) -> None:
    """A photo while a form is live: evidence for a check-in."""
    engine = _engine(ctx)
    live = engine.live()
    assert live is not None
    _reply(ctx, engine, engine.handle_image(live, ctx.event.message.id))  # type: ignore[attr-defined]


def on_resume(ctx: Ctx) -> None:
    """「繼續」 with no live form: picks up the most recently paused one."""
    prompts = _engine(ctx).resume() if ctx.user_id else None
    if prompts is None:
        ctx.reply(text_message("目前沒有暫停中的表單。想填寫可以說「自我評估」「群聚自評」或「聯盟調查」。"))
        return
    ctx.reply(*to_messages(prompts))


def on_page(ctx: Ctx) -> None:
    """Shows another page of a long option list (e.g. the 20 industry categories)."""
    engine = _engine(ctx)
    live = engine.live()
    params = ctx.postback_params
    if live is None or str(live.id) != params.get("s"):
        ctx.reply(text_message("這個選項已經過期了，請直接輸入答案。"))
        return
    ctx.reply(*to_messages(engine.handle_page(live, int(params.get("p", "0") or 0))))


def on_form_postback(ctx: Ctx) -> None:
    """Buttons on form messages (reopen a submitted form)."""
    params = ctx.postback_params
    form_id = params.get("f", "")
    if params.get("do") == "reopen" and form_id in load_forms() and ctx.user_id:
        ctx.reply(*to_messages(_engine(ctx).reopen(form_id)))


def on_join_cluster(ctx: Ctx) -> None:
    """「加入群聚 ABC123」: links the member to the lead firm's cluster."""
    match = JOIN.match(_fold(ctx.text))
    if ctx.user_id is None or match is None:
        return
    cluster = forms_repo.cluster_by_code(session=ctx.session, code=match.group(1))
    if cluster is None:
        ctx.reply(text_message("找不到這個群聚代碼，請向領導企業再確認一次（6 碼英數字）。"))
        return
    user = ctx.session.get(User, ctx.user_id)
    if user is None:
        from db import repo

        user = repo.get_or_create_user(session=ctx.session, line_user_id=ctx.user_id)
    user.cluster_id = cluster.id
    for fs in ctx.session.query(FormSession).filter_by(line_user_id=ctx.user_id, form_id="dc_member"):
        fs.cluster_id = cluster.id
    ctx.reply(text_message(f"已加入「{cluster.name}」！接著可以說「自我評估」填寫成員自評。",
                           (Choice("填成員自評", "say", {"text": "自我評估"}),)))
