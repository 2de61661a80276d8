"""Free-text questions → township lookup or FAQ answer, plus the taps that follow an answer."""
from __future__ import annotations

import logging

from db import repo
from handlers.answering import Answer, Context
from handlers.context import Ctx
from handlers.replies import answer_messages, text_message

__all__ = ["on_feedback", "on_none_of_these", "on_question", "on_suggestion", "on_town_choice"]

log = logging.getLogger(__name__)


def _context(ctx: Ctx) -> Context:
    if ctx.user_id is None:
        return Context()
    user = repo.get_or_create_user(session=ctx.session, line_user_id=ctx.user_id)
    return Context(last_entry_id=user.last_entry_id, last_query=user.last_query)


def _last_query(ctx: Ctx) -> str:
    """The question the user's last answer was for (what 沒幫助 and 都不是 refer to)."""
    if ctx.user_id is None:
        return ""
    return repo.get_or_create_user(session=ctx.session, line_user_id=ctx.user_id).last_query or ""


def _remember(ctx: Ctx, answer: Answer) -> None:
    if ctx.user_id is None:
        return
    if answer.kind in ("faq", "lookup"):
        repo.remember_topic(
            session=ctx.session, line_user_id=ctx.user_id, entry_id=answer.entry_id, query=answer.resolved_query
        )


def on_question(ctx: Ctx) -> None:
    """Answers a typed question: the exact rule with its source, suggestions, or the contacts."""
    text = ctx.text or ""
    answer = ctx.services.assistant.answer(text, _context(ctx))
    log.info("question answered", extra={"kind": answer.kind, "entry": answer.entry_id, "score": answer.score})
    _remember(ctx, answer)
    if answer.kind == "fallback":
        repo.record_unanswered(
            session=ctx.session, line_user_id=ctx.user_id, text=text, reason="fallback",
            score=answer.score, candidates=[list(c) for c in answer.candidates],
        )
    ctx.reply(*answer_messages(answer))


def on_suggestion(ctx: Ctx) -> None:
    """Answers the entry the user picked from 「您是想問…?」."""
    answer = ctx.services.assistant.entry_answer(ctx.postback_params.get("e", ""))
    if answer is None:
        ctx.reply(text_message("這個選項已經更新了，請再問我一次問題 🙏"))
        return
    _remember(ctx, answer)
    ctx.reply(*answer_messages(answer))


def on_town_choice(ctx: Ctx) -> None:
    """Answers the tier of the county/town the user picked when a name was ambiguous."""
    params = ctx.postback_params
    answer = ctx.services.assistant.tier_answer(params.get("c", ""), params.get("t", ""))
    if answer is None:
        ctx.reply(text_message("找不到這個鄉鎮市區，請再輸入一次完整名稱，例如「南投縣竹山鎮」。"))
        return
    _remember(ctx, answer)
    ctx.reply(*answer_messages(answer))


def on_none_of_these(ctx: Ctx) -> None:
    """The suggestions missed: log the question for staff and give the contact window."""
    query = _last_query(ctx)
    repo.record_unanswered(session=ctx.session, line_user_id=ctx.user_id, text=query, reason="none_of_these")
    ctx.reply(text_message(ctx.services.assistant.fallback_text(query)))


def on_feedback(ctx: Ctx) -> None:
    """Records 有幫助/沒幫助; an unhelpful answer is queued for staff review with the question."""
    params = ctx.postback_params
    entry_id = params.get("e", "")[:80]
    helpful = params.get("h") == "1"
    repo.record_feedback(session=ctx.session, line_user_id=ctx.user_id, entry_id=entry_id, helpful=helpful)
    if helpful:
        ctx.reply(text_message("謝謝您的回饋 😊 還有其他問題，隨時問我！"))
        return
    query = _last_query(ctx)
    repo.record_unanswered(session=ctx.session, line_user_id=ctx.user_id, text=query, reason="unhelpful", entry_id=entry_id)
    ctx.reply(
        text_message(
            "抱歉沒有幫上忙，已記錄下來請同仁改進。\n\n" + ctx.services.assistant.fallback_text(query)
        )
    )
