"""The parts of a form's life around the questions: consent first, pausing, and cancelling.

Mixed into :class:`handlers.dialogs.engine.Engine`; the state table in ``machine.py`` names
these methods like the others.
"""
from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from db import forms
from db.models import FormSession
from handlers.dialogs.machine import Command
from handlers.dialogs.questions import say_choice
from handlers.replies import Reply
from knowledge.assistant import Choice
from knowledge.forms import Consent, Form

__all__ = ["CONSENT", "Lifecycle"]


class Engine(Protocol):
    """What these transitions use of the engine they are mixed into."""

    session: Session
    now: datetime
    forms: dict[str, Form]
    consents: dict[str, Consent]
    replies: list[Reply]

    def say(self, body: str, options: tuple[Choice, ...] = ()) -> list[Reply]: ...
    def form_of(self, fs: FormSession) -> Form: ...
    def current(self, fs: FormSession, command: Command | None = None, *, text: str = "", page: int = 0) -> list[Reply]: ...
    def faq(self, text: str) -> bool: ...
    def handle_text(self, fs: FormSession, text: str) -> list[Reply]: ...

CONSENT = (say_choice("同意"), say_choice("不同意"), say_choice("看全文"))


class Lifecycle:
    def agree(self: Engine, fs: FormSession, command: Command, *, text: str = "") -> list[Reply]:
        fs.consent_at, fs.status = self.now, "active"
        self.say("謝謝您！我們開始吧。隨時可以說「上一題」「略過」「暫停」「進度」或「修改 題號」。")
        return self.current(fs)

    def show_consent(self: Engine, fs: FormSession, command: Command, *, text: str = "") -> list[Reply]:
        consent = self.consents[self.forms[fs.form_id].consent or ""]
        return self.say(f"{consent.title}（全文）\n\n{consent.full}\n\n全文網址：{consent.url}", CONSENT[:2])

    def decline(self: Engine, fs: FormSession, command: Command, *, text: str = "") -> list[Reply]:
        self.session.delete(fs)
        return self.say("沒問題，沒有同意就不會記錄任何資料。之後想填寫，隨時再跟我說一聲就好 🙂")

    def ask_consent_again(self: Engine, fs: FormSession, command: Command, *, text: str = "") -> list[Reply]:
        self.faq(text)
        return self.say("請先點「同意」或「不同意」，才能開始填寫喔。", CONSENT)

    def pause(self: Engine, fs: FormSession, command: Command, *, text: str = "", quiet: bool = False) -> list[Reply]:
        form = self.form_of(fs)
        if fs.status == "consent":
            self.session.delete(fs)
            return self.replies if quiet else self.say("好的，先不填。之後想填隨時跟我說。")
        fs.status = "paused"
        if quiet:
            return self.replies
        done = len(forms.answers_of(session=self.session, session_id=fs.id))
        return self.say(f"已幫您暫存「{form.title}」（已填 {done}/{len(form.items)} 題）。\n"
                        f"想接著填時，輸入「繼續」或「{form.short}」就會回到第 {fs.position + 1} 題。", (say_choice("繼續"),))

    def ask_cancel(self: Engine, fs: FormSession, command: Command, *, text: str = "") -> list[Reply]:
        fs.pending = {**fs.pending, "before_cancel": fs.status}
        fs.status = "confirm_cancel"
        return self.say("確定要取消嗎？已填的答案會一併刪除。", (say_choice("確定取消"), say_choice("繼續填寫")))

    def cancel(self: Engine, fs: FormSession, command: Command, *, text: str = "") -> list[Reply]:
        form = self.form_of(fs)
        forms.delete_answers(session=self.session, session_id=fs.id)
        fs.status, fs.pending = "cancelled", {}
        return self.say(f"已取消「{form.title}」，填過的答案都已刪除。需要時再跟我說「{form.short}」重新開始。")

    def keep_going(self: Engine, fs: FormSession, command: Command, *, text: str = "") -> list[Reply]:
        """Not cancelled after all: back where the user was, and what they typed still counts."""
        pending = dict(fs.pending)
        fs.status = pending.pop("before_cancel", "active")
        fs.pending = pending
        if command.name == "resume":
            return self.current(fs)
        return self.handle_text(fs, text)
