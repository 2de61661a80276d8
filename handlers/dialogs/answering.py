"""Taking an answer: parse it, ask for what it is missing, store it, and move to the next question
that applies.

Mixed into :class:`handlers.dialogs.engine.Engine`. What a form declares is honoured here:
``when`` (a question asked only after certain answers), ``same_as`` (「同上」 copies an earlier
address), ``confirm_below`` (「3」 for money asks 3元、3萬 or 300萬), a ``note_prompt`` (「有」
then asks for the details in the same step), and the form's ``checks`` (shares that must not add
up to more than 100%).
"""
from __future__ import annotations

import re
from datetime import date
from typing import Any, Protocol

from sqlalchemy.orm import Session

from db import forms
from db.models import FormSession
from handlers.dialogs import hooks
from handlers.dialogs.machine import Command
from handlers.dialogs.questions import choices, say_choice
from handlers.replies import Reply
from knowledge.answers import InvalidAnswer, parse_answer
from knowledge.assistant import Choice
from knowledge.forms import Form, FormItem
from knowledge.labels import fold

__all__ = ["Answering", "looks_like_a_question"]

_QUESTION = re.compile(r"[?？]$|嗎$|呢$")
_UNIT = re.compile(r"[萬万千百億元]")


def looks_like_a_question(text: str) -> bool:
    """«那B類呢？» typed where a name is asked is a question, not the name."""
    return bool(_QUESTION.search(fold(text)))


class Engine(Protocol):
    session: Session
    user_id: str
    today: date
    replies: list[Reply]

    def say(self, body: str, options: tuple[Choice, ...] = ()) -> list[Reply]: ...
    def form_of(self, fs: FormSession) -> Form: ...
    def current(self, fs: FormSession, command: Command | None = None, *, text: str = "", page: int = 0) -> list[Reply]: ...
    def summary(self, fs: FormSession, command: Command | None = None, *, text: str = "") -> list[Reply]: ...
    def faq(self, text: str) -> bool: ...


class Answering:
    def _item(self: Engine, fs: FormSession) -> tuple[Form, FormItem]:
        form = self.form_of(fs)
        return form, form.items[fs.position]

    def answer(self: Engine, fs: FormSession, command: Command, *, text: str = "") -> list[Reply]:
        form, item = Answering._item(self, fs)
        if item.type == "photos":
            self.faq(text)
            self.say("請直接傳照片給我；傳完請點「完成」，沒有照片請點「略過」。")
            return self.current(fs)
        answers = forms.answers_of(session=self.session, session_id=fs.id)
        if item.same_as and fold(text) in ("同上", "同前", "同登記地址", "一樣", "相同") and answers.get(item.same_as):
            text = str(answers[item.same_as])
        elif item.type in ("text", "address") and looks_like_a_question(text):
            if not self.faq(text):
                self.say("這看起來是一個問題，我先不把它當作這一題的答案。想問計畫規定的話，填完表單後再問我就好。")
            return self.current(fs)
        try:
            parsed = parse_answer(item, text, limit=hooks.cluster_size(self.session, fs, form), today=self.today)
        except InvalidAnswer as problem:
            if not self.faq(text):
                self.say(f"⚠️ {problem}")
            return self.current(fs)
        if item.type == "multi":
            return Answering._pick(self, fs, item, parsed.value)
        if item.type == "yes_no" and parsed.value.get("has") and not parsed.value.get("note") and item.note_prompt:
            fs.pending = {**fs.pending, "before": fs.status}
            fs.status = "details"
            return self.say(f"請寫{item.note_prompt}，例如「{_example(item)}」。",
                            (say_choice("略過說明", "略過"), say_choice("上一題")))
        if (item.confirm_below is not None and isinstance(parsed.value, (int, float))
                and 0 < parsed.value < item.confirm_below and not _UNIT.search(text)):
            value = parsed.value
            fs.pending = {**fs.pending, "before": fs.status}
            fs.status = "confirm"
            options = (say_choice(f"{value:g}元"), say_choice(f"{value:g}萬"), say_choice(f"{value * 100:g}萬"))
            return self.say(f"「{value:g}」是指 {value:g} 元、{value:g} 萬元，還是 {value * 100:g} 萬元呢？請點選或寫上單位。",
                            options)
        return Answering.store(self, fs, form, item, parsed.value)

    def store(self: Engine, fs: FormSession, form: Form, item: FormItem, value: Any) -> list[Reply]:
        """Keep an answer, unless it breaks one of the form's checks, and move on."""
        answers = {**forms.answers_of(session=self.session, session_id=fs.id), item.id: value}
        problem = form.check_sum(item.id, answers)
        if problem is not None:
            self.say(f"⚠️ {problem}")
            return self.current(fs)
        forms.save_answer(session=self.session, session_id=fs.id, item_id=item.id, value=value)
        self.replies += hooks.after_answer(self.session, self.user_id, fs, form, item, value)
        return Answering.advance(self, fs, form)

    def _pick(self: Engine, fs: FormSession, item: FormItem, picked: list[str]) -> list[Reply]:
        """Multi-select: a new option is ticked; an option already ticked is unticked."""
        chosen = list(fs.pending.get("multi", []))
        for option in picked:
            if option in chosen:
                chosen.remove(option)
            else:
                chosen.append(option)
        if item.max_choices and len(chosen) > item.max_choices:
            return self.say(f"最多選 {item.max_choices} 項喔。", choices(fs, item))
        fs.pending = {**fs.pending, "multi": chosen}
        return self.current(fs)

    def details(self: Engine, fs: FormSession, command: Command, *, text: str = "") -> list[Reply]:
        """The details a 「有」 needs (名稱、數量); 「略過」 keeps 有 without them."""
        form, item = Answering._item(self, fs)
        note = None if command.name == "skip" else fold(text).lstrip("有").strip(" ，,:：") or None
        Answering._restore(fs)
        return Answering.store(self, fs, form, item, {"has": True, "note": note})

    def confirm_value(self: Engine, fs: FormSession, command: Command, *, text: str = "") -> list[Reply]:
        """The unit of an ambiguous amount: 「3萬」, 「300萬」 or 「3元」."""
        form, item = Answering._item(self, fs)
        try:
            value = parse_answer(item, text, today=self.today).value
        except InvalidAnswer as problem:
            return self.say(f"⚠️ {problem}")
        Answering._restore(fs)
        return Answering.store(self, fs, form, item, value)

    def current_again(self: Engine, fs: FormSession, command: Command, *, text: str = "") -> list[Reply]:
        """Leave the details or the unit question and ask the question itself again."""
        Answering._restore(fs)
        return self.current(fs)

    @staticmethod
    def _restore(fs: FormSession) -> None:
        pending = dict(fs.pending)
        fs.status = pending.pop("before", "active")
        fs.pending = pending

    def keep(self: Engine, fs: FormSession, command: Command, *, text: str = "") -> list[Reply]:
        """「保留」: the answer already given stands."""
        form, item = Answering._item(self, fs)
        if forms.answers_of(session=self.session, session_id=fs.id).get(item.id) is None and item.required:
            return self.say("這題還沒有答案可以保留，請直接回答。", choices(fs, item))
        return Answering.advance(self, fs, form)

    def done(self: Engine, fs: FormSession, command: Command, *, text: str = "") -> list[Reply]:
        form, item = Answering._item(self, fs)
        if item.type == "photos":
            count = len(fs.pending.get("photos", []))
            forms.save_answer(session=self.session, session_id=fs.id, item_id=item.id, value=count or None)
            return Answering.advance(self, fs, form)
        if item.type != "multi":
            return Answering.answer(self, fs, command, text=text)
        chosen = fs.pending.get("multi", [])
        if not chosen and item.required:
            return self.say("請至少選一項，再點「完成」。", choices(fs, item))
        forms.save_answer(session=self.session, session_id=fs.id, item_id=item.id, value=chosen or None)
        return Answering.advance(self, fs, form)

    def skip(self: Engine, fs: FormSession, command: Command, *, text: str = "") -> list[Reply]:
        form, item = Answering._item(self, fs)
        if item.required:
            return self.say("這題是必填的，請回答後再繼續；不確定的話可以先「暫停」。", choices(fs, item))
        forms.save_answer(session=self.session, session_id=fs.id, item_id=item.id, value=None)
        return Answering.advance(self, fs, form)

    def help(self: Engine, fs: FormSession, command: Command, *, text: str = "") -> list[Reply]:
        item = self.form_of(fs).items[fs.position]
        self.say(item.help or "請依題目回答；也可以說「上一題」「略過」「暫停」「進度」。")
        return self.current(fs)

    def advance(self: Engine, fs: FormSession, form: Form) -> list[Reply]:
        """The next question that applies (``when``), or the review after the last."""
        fs.pending = {k: v for k, v in fs.pending.items() if k != "multi"}
        answers = forms.answers_of(session=self.session, session_id=fs.id)
        position = fs.position + 1
        while position < len(form.items) and not form.asks(form.items[position], answers):
            position += 1
        if fs.status == "editing" or position >= len(form.items):
            fs.status = "review"
            return self.summary(fs)
        fs.position = position
        return self.current(fs)

    def back(self: Engine, fs: FormSession, command: Command, *, text: str = "") -> list[Reply]:
        form = self.form_of(fs)
        fs.pending = {k: v for k, v in fs.pending.items() if k != "multi"}
        answers = forms.answers_of(session=self.session, session_id=fs.id)
        position = fs.position - 1
        while position > 0 and not form.asks(form.items[position], answers):
            position -= 1
        if fs.position == 0:
            self.say("已經是第一題了。")
        fs.position = max(0, position)
        return self.current(fs)

    def edit(self: Engine, fs: FormSession, command: Command, *, text: str = "") -> list[Reply]:
        form = self.form_of(fs)
        if not 1 <= command.number <= len(form.items):
            self.say(f"要修改哪一題呢？請輸入「修改 題號」，題號是 1 到 {len(form.items)}，例如「修改 3」。")
            return self.summary(fs) if fs.status == "review" else self.current(fs)
        if fs.status in ("details", "confirm"):
            Answering._restore(fs)
        fs.status = "editing" if fs.status in ("review", "editing") else "active"
        fs.position = command.number - 1
        fs.pending = {k: v for k, v in fs.pending.items() if k != "multi"}
        return self.current(fs)


def _example(item: FormItem) -> str:
    """A sample of the details a 「有」 needs, from the question's own help when it has one."""
    match = re.search(r"「有[，, ]?([^」]+)」", item.help or "")
    return match.group(1) if match else f"{item.note_prompt}…"
