"""「找專人」: handing a user over to program staff, and handing them back.

A user who asks for a person gets a handoff: they are told staff will reply in this chat (office
hours from ``knowledge/handoff.yaml``, and the phone of their program as an alternative), and the
staff on ``STAFF_LINE_IDS`` are told once. While it is open the assistant keeps quiet — what the
user writes goes to the staff's console — except for forms, the menu and the other commands
asked by name. It ends when staff close it, when the user says 「回到小幫手」, or after the
timeout without a staff reply; then the user is told the assistant is back.
"""
from __future__ import annotations

from datetime import timedelta

from db import handoffs, users
from handlers import faq, membership
from handlers.context import Ctx
from handlers.effects import HandoffOpened
from handlers.filters import Filter
from handlers.replies import text
from knowledge.assistant import Choice
from knowledge.handoff import load_handoff
from knowledge.language import language_of

__all__ = ["IN_HANDOFF", "LEAVE", "WANTS_PERSON", "on_leave", "on_message", "on_request"]

LEAVE = r"(?:回到小幫手|回小幫手|結束真人|不用真人了|不用了謝謝|back to (?:the )?assistant|back to assistant)[!！。.~]*"


def _wants_person(ctx: Ctx) -> bool:
    """The assistant's own reading of «找專人», «轉真人», «客服», «talk to a person» (not «電話»)."""
    if not ctx.text or "電話" in ctx.text or "phone" in ctx.text.lower():
        return False
    match = ctx.services.assistant.social.match(ctx.text)
    return match is not None and match.intent == "human"


def _in_handoff(ctx: Ctx) -> bool:
    return ctx.activity()[1]


WANTS_PERSON = Filter(_wants_person, "wants_person")
_MEDIA = {"sticker": "貼圖", "image": "照片", "video": "影片", "audio": "語音", "location": "位置"}
IN_HANDOFF = Filter(_in_handoff, "in_handoff")


def _lang(ctx: Ctx) -> str:
    return language_of(ctx.text or "")


def _contact(ctx: Ctx, lang: str) -> str:
    programs = membership.programs_of(ctx)
    program = next(iter(programs)) if len(programs) == 1 else None
    return ctx.services.assistant.contact_text(lang, program)  # type: ignore[arg-type]


def _leave_choice(ctx: Ctx, lang: str) -> Choice:
    label = ctx.services.assistant.kb.text(lang, "handoff_leave")
    return Choice(label, "say", {"text": label})


def on_request(ctx: Ctx) -> None:
    """Open a handoff (or say the open one is waiting)."""
    if ctx.user_id is None:
        return
    lang = _lang(ctx)
    kb = ctx.services.assistant.kb
    user = users.get_user(session=ctx.session, line_user_id=ctx.user_id)
    handoff, new = handoffs.start(session=ctx.session, line_user_id=ctx.user_id,
                                  topic=user.last_query if user else None, now=ctx.services.clock.now())
    hours = load_handoff().hours(lang)
    if new:
        handoffs.add_message(session=ctx.session, handoff_id=handoff.id, sender="user", text=ctx.text or "",
                             now=ctx.services.clock.now())
        ctx.effect(HandoffOpened(handoff.id))
        ctx.reply(text(kb.text(lang, "handoff_opened").format(hours=hours, contact=_contact(ctx, lang)),
                       (_leave_choice(ctx, lang),)))
    else:
        ctx.reply(text(kb.text(lang, "handoff_waiting").format(hours=hours), (_leave_choice(ctx, lang),)))


def on_message(ctx: Ctx) -> None:
    """A message while a handoff is open: to the staff, quietly — unless it has timed out."""
    handoff = handoffs.open_of(session=ctx.session, line_user_id=ctx.user_id or "")
    if handoff is None:
        return
    now = ctx.services.clock.now()
    waited_since = handoff.last_staff_at or handoff.opened_at
    if now - waited_since > timedelta(minutes=load_handoff().timeout_minutes):
        handoffs.close(session=ctx.session, handoff=handoff, reason="timeout", now=now)
        lang = _lang(ctx)
        ctx.reply(text(ctx.services.assistant.kb.text(lang, "handoff_timeout").format(
            hours=load_handoff().hours(lang), contact=_contact(ctx, lang))))
        if ctx.event.kind == "text":
            faq.on_question(ctx)
        return
    said = ctx.text if ctx.event.kind == "text" else f"（傳了{_MEDIA.get(ctx.event.media or '', '檔案')}）"
    handoffs.add_message(session=ctx.session, handoff_id=handoff.id, sender="user", text=said or "", now=now)


def on_leave(ctx: Ctx) -> None:
    """「回到小幫手」: the user ends the handoff themselves."""
    handoff = handoffs.open_of(session=ctx.session, line_user_id=ctx.user_id or "")
    lang = _lang(ctx)
    if handoff is not None:
        handoffs.close(session=ctx.session, handoff=handoff, reason="user", now=ctx.services.clock.now())
    ctx.reply(text(ctx.services.assistant.kb.text(lang, "handoff_back")))
