"""Free-text messages → answers (rules, tiers, near misses, social turns), and the taps after them."""
from __future__ import annotations

import dataclasses
import logging

from db import questions, users
from handlers import membership
from handlers.context import Ctx
from handlers.replies import answer_replies, response_replies, text
from knowledge.assistant import Answer, Context, Response

__all__ = ["on_feedback", "on_none_of_these", "on_program_choice", "on_question", "on_suggestion", "on_town_choice"]

log = logging.getLogger(__name__)


def _context(ctx: Ctx) -> Context:
    if ctx.user_id is None:
        return Context()
    user = users.get_or_create_user(session=ctx.session, line_user_id=ctx.user_id)
    return Context(last_entry_id=user.last_entry_id, last_query=user.last_query)


def _last_query(ctx: Ctx) -> str:
    """The question the user's last answer was for (what 沒幫助 and 都不是 refer to)."""
    if ctx.user_id is None:
        return ""
    return users.get_or_create_user(session=ctx.session, line_user_id=ctx.user_id).last_query or ""


def _remember(ctx: Ctx, answer: Answer) -> None:
    if ctx.user_id is None:
        return
    if answer.kind in ("faq", "lookup"):
        users.remember_topic(
            session=ctx.session, line_user_id=ctx.user_id, entry_id=answer.entry_id, query=answer.resolved_query
        )


def _lang(ctx: Ctx) -> str:
    return "en" if ctx.postback_params.get("l") == "en" else "zh"


def on_question(ctx: Ctx) -> None:
    """Answers a typed message: each question in it, a near miss, or a social turn."""
    text = ctx.text or ""
    context = _context(ctx)
    response = ctx.services.assistant.respond(text, context)
    response = _with_own_program(ctx, response)
    for answer in response.answers:
        log.info("question answered", extra={"kind": answer.kind, "entry": answer.entry_id, "score": answer.score,
                                             "intent": answer.intent, "lang": answer.lang})
        _remember(ctx, answer)
        if answer.kind in ("fallback", "suggest"):  # staff see both in the grouped unanswered list
            questions.record_unanswered(
                session=ctx.session, line_user_id=ctx.user_id, text=answer.resolved_query or text,
                reason=answer.intent or answer.kind, score=answer.score, candidates=[list(c) for c in answer.candidates],
            )
        if answer.kind == "social" and answer.intent == "complaint":
            # 「你答錯了」 is feedback on the previous answer: staff see it beside 沒幫助.
            questions.record_feedback(session=ctx.session, line_user_id=ctx.user_id,
                                 entry_id=(context.last_entry_id or "")[:80], helpful=False)
            questions.record_unanswered(session=ctx.session, line_user_id=ctx.user_id, text=context.last_query or "",
                                   reason="complaint", entry_id=context.last_entry_id)
    ctx.reply(*response_replies(response))


def _with_own_program(ctx: Ctx, response: Response) -> Response:
    """A fallback that names no program gives the contact of the user's own program, when known.

    Only fallbacks pay for the lookup: most messages are answered and never need it.
    """
    vague = [a for a in response.answers if a.kind == "fallback" and a.program is None and a.intent is None]
    if not vague or ctx.user_id is None:
        return response
    programs = membership.programs_of(ctx)
    if len(programs) != 1:
        return response
    program = next(iter(programs))
    assistant = ctx.services.assistant
    answers = tuple(
        dataclasses.replace(a, program=program, text=assistant.fallback_text(a.resolved_query or "", a.lang, program))
        if a in vague else a for a in response.answers)
    return dataclasses.replace(response, answers=answers)


def on_suggestion(ctx: Ctx) -> None:
    """Answers the entry the user picked from 「您是想問…?」."""
    lang = _lang(ctx)
    answer = ctx.services.assistant.entry_answer(ctx.postback_params.get("e", ""), lang)  # type: ignore[arg-type]
    if answer is None:
        ctx.reply(text("這個選項已經更新了，請再問我一次問題 🙏" if lang == "zh" else
                               "That option has changed. Please ask me again."))
        return
    _remember(ctx, answer)
    ctx.reply(*answer_replies(answer))


def on_town_choice(ctx: Ctx) -> None:
    """Answers the tier of the county/town the user picked when a name was ambiguous."""
    params = ctx.postback_params
    lang = _lang(ctx)
    answer = ctx.services.assistant.tier_answer(params.get("c", ""), params.get("t", ""), lang)  # type: ignore[arg-type]
    if answer is None:
        ctx.reply(text("找不到這個鄉鎮市區，請再輸入一次完整名稱，例如「南投縣竹山鎮」。"))
        return
    _remember(ctx, answer)
    ctx.reply(*answer_replies(answer))


def on_program_choice(ctx: Ctx) -> None:
    """Answers a question again for the program the user picked (數位群聚 / 國際主題聯盟)."""
    params = ctx.postback_params
    program = params.get("p", "")
    if program not in ("digital_cluster", "intl_alliance"):
        ctx.reply(text("這個選項已經更新了，請再問我一次問題 🙏"))
        return
    answer = ctx.services.assistant.answer(params.get("q", ""), _context(ctx), program=program)
    _remember(ctx, answer)
    ctx.reply(*answer_replies(answer))


def on_none_of_these(ctx: Ctx) -> None:
    """The suggestions missed: log the question for staff and give the contact window."""
    query = _last_query(ctx)
    questions.record_unanswered(session=ctx.session, line_user_id=ctx.user_id, text=query, reason="none_of_these")
    ctx.reply(text(ctx.services.assistant.fallback_text(query, _lang(ctx))))  # type: ignore[arg-type]


def on_feedback(ctx: Ctx) -> None:
    """Records 有幫助/沒幫助; an unhelpful answer is queued for staff review with the question."""
    params = ctx.postback_params
    entry_id = params.get("e", "")[:80]
    helpful = params.get("h") == "1"
    lang = _lang(ctx)
    questions.record_feedback(session=ctx.session, line_user_id=ctx.user_id, entry_id=entry_id, helpful=helpful)
    if helpful:
        ctx.reply(text("謝謝您的回饋 😊 還有其他問題，隨時問我！" if lang == "zh" else
                               "Thanks for the feedback! Ask me anytime."))
        return
    query = _last_query(ctx)
    questions.record_unanswered(session=ctx.session, line_user_id=ctx.user_id, text=query, reason="unhelpful", entry_id=entry_id)
    sorry = "抱歉沒有幫上忙，已記錄下來請同仁改進。\n\n" if lang == "zh" else "Sorry that didn't help. I've noted it for the staff.\n\n"
    ctx.reply(text(sorry + ctx.services.assistant.fallback_text(query, lang)))  # type: ignore[arg-type]
