"""The form engine: one question at a time, every answer committed as it is given.

State lives in ``form_sessions`` (where the user is) and ``form_answers`` (what they said), so a
dialog resumes exactly where it stopped after a restart, and nothing typed is lost. What a
message does is decided by the state table in :mod:`handlers.dialogs.machine`; this module holds
the transitions it names. Per-form behaviour (cluster creation, scoring, /公告) is in
:mod:`handlers.dialogs.hooks`. The engine returns reply models, never LINE messages.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.orm import Session

from db import clusters, forms, users
from db.models import FormSession
from handlers.dialogs import hooks
from handlers.dialogs.answering import Answering
from handlers.dialogs.lifecycle import CONSENT, Lifecycle
from handlers.dialogs.machine import Command, read_command, transition
from handlers.dialogs.questions import question, say_choice
from handlers.effects import Effect, FetchEvidence
from handlers.replies import Reply, Text
from knowledge.assistant import Assistant, Choice
from knowledge.forms import Consent, Form, FormItem, FormSection
from knowledge.labels import TAIPEI, fold, month_key

__all__ = ["Engine"]

_QUESTION_HINT = re.compile(r"[?？]$|嗎$|呢$|什麼|幾[天號家點月]|哪[天裡個一些]|多少|怎麼|如何|是否|可不可以|能不能")


@dataclass
class Engine(Answering, Lifecycle):
    session: Session
    user_id: str
    forms: dict[str, Form]
    consents: dict[str, Consent]
    assistant: Assistant
    now: datetime  # the services' clock: a check-in set in July is submitted in July, in tests too
    is_staff: bool = False
    replies: list[Reply] = field(default_factory=list)
    effects: list[Effect] = field(default_factory=list)

    @property
    def today(self) -> date:
        return self.now.astimezone(TAIPEI).date()

    def say(self, body: str, options: tuple[Choice, ...] = ()) -> list[Reply]:
        self.replies.append(Text(body, options))
        return self.replies

    # -- entry points ----------------------------------------------------------------------------

    def form_of(self, fs: FormSession) -> Form:
        """The form as this session sees it: plus the cluster's own KPIs for check-ins."""
        form = self.forms[fs.form_id]
        kpis = fs.pending.get("kpis") or []
        if form.dynamic == "cluster_kpis" and kpis:
            items = tuple(
                FormItem(id=k["id"], label=f"自訂指標：{k['name']}", type="number", min=0, unit=k.get("unit") or None,
                         ask=f"自訂績效指標「{k['name']}」這個月達成多少{k.get('unit') or ''}？"
                             f"（目標 {k['target']:g}{k.get('unit') or ''}，沒有請回 0）")
                for k in kpis
            )
            return form.with_sections((FormSection(id="kpis", title="自訂績效指標（本月）", items=items),))
        return form

    def live(self) -> FormSession | None:
        return forms.live_session(session=self.session, line_user_id=self.user_id)

    def start(self, form_id: str) -> list[Reply]:
        """Start a form, or pick it up where it was left (paused, reviewing, or submitted)."""
        form = self.forms[form_id]
        if form.staff_only and not self.is_staff:
            return self.say("這個功能只開放計畫同仁使用喔。")
        existing = forms.latest_session(session=self.session, line_user_id=self.user_id, form_id=form_id,
                                        statuses=(*forms.OPEN, "paused", "submitted"))
        month = month_key(self.today)
        if existing is not None and form.per_month and existing.pending.get("month") != month:
            if existing.status != "submitted":
                existing.status = "cancelled"  # an unfinished check-in of a past month lapses
            existing = None
        if existing is not None and form.staff_only and existing.status == "submitted":
            existing = None  # every /公告 is a new notice
        if existing is not None and existing.status != "submitted":
            other = self.live()
            if other is not None and other.id != existing.id:
                self.pause(other, Command("pause"), quiet=True)
            if existing.status == "consent":
                return self.ask_consent(form)  # still waiting for 同意: ask again, never skip it
            if existing.status == "paused":
                existing.status = "active"
                self.say(f"歡迎回來！接著填「{form.title}」。")
            return self.current(existing)
        if existing is not None:
            if existing.locked:
                return self.say(f"您的「{form.title}」已送出，並由計畫同仁鎖定審閱中；如需修改請聯絡計畫窗口。")
            return self.say(f"您的「{form.title}」已經送出囉。要修改的話，點「修改答案」會回到摘要頁。",
                            (Choice("修改答案", "form", {"f": form_id, "do": "reopen"}), say_choice("不用了", "謝謝")))
        other = self.live()
        if other is not None:
            self.pause(other, Command("pause"), quiet=True)
            self.say(f"先幫您暫存「{self.forms[other.form_id].title}」，之後說「繼續」就能接著填。")
        user = users.get_user(session=self.session, line_user_id=self.user_id)
        cluster_id = user.cluster_id if user else None
        if cluster_id is None:
            led = clusters.led_by(session=self.session, line_user_id=self.user_id)
            cluster_id = led.id if led else None
        fs = forms.start_session(session=self.session, line_user_id=self.user_id, form_id=form_id, cluster_id=cluster_id,
                                 status="consent" if form.consent else "active")
        if form.per_month:
            fs.pending = {"month": month, "kpis": clusters.kpi_snapshot(session=self.session, cluster_id=cluster_id)}
        if form.consent is None:
            return self.current(fs)
        return self.ask_consent(form)

    def ask_consent(self, form: Form) -> list[Reply]:
        consent = self.consents[form.consent or ""]
        return self.say(f"開始填寫「{form.title}」，共 {len(form.items)} 題，可以分好幾次填完，每題答完就會存檔。\n\n"
                        f"填寫前請先看「{consent.title}」重點：\n{consent.short}\n\n請問您同意嗎？", CONSENT)

    def reopen(self, form_id: str) -> list[Reply]:
        fs = forms.latest_session(session=self.session, line_user_id=self.user_id, form_id=form_id, statuses=("submitted",))
        if fs is None or fs.locked:
            return self.say("目前沒有可以修改的已送出表單。")
        fs.status = "review"
        return self.summary(fs)

    def resume(self) -> list[Reply] | None:
        fs = forms.latest_session(session=self.session, line_user_id=self.user_id, statuses=("paused",))
        if fs is None:
            return None
        fs.status = "active"
        self.say(f"歡迎回來！接著填「{self.forms[fs.form_id].title}」。")
        return self.current(fs)

    def handle_text(self, fs: FormSession, text: str) -> list[Reply]:
        """A typed message while a form is live: the state table says what it does."""
        command = read_command(text, fs.status)
        method = getattr(self, transition(fs.status, command))
        return method(fs, command, text=text)

    def handle_image(self, fs: FormSession, message_id: str) -> list[Reply]:
        """A photo sent while a form is live: kept as evidence when the question asks for photos."""
        form = self.form_of(fs)
        item = form.items[min(fs.position, len(form.items) - 1)]
        if fs.status != "active" or item.type != "photos":
            self.say("收到照片了，不過目前這一題不需要照片喔。")
            return self.current(fs) if fs.status in ("active", "editing") else self.replies
        photos = [*fs.pending.get("photos", []), message_id][:20]
        fs.pending = {**fs.pending, "photos": photos}
        self.effects.append(FetchEvidence(fs.id, message_id))
        return self.say(f"已收到第 {len(photos)} 張照片 📷 還有的話繼續傳，傳完請點「完成」。",
                        (say_choice("完成"), say_choice("暫停")))

    # -- answering -------------------------------------------------------------------------------

    def current(self, fs: FormSession, command: Command | None = None, *, text: str = "", page: int = 0) -> list[Reply]:
        form = self.form_of(fs)
        if fs.status == "review":
            return self.summary(fs)
        fs.position = max(0, min(fs.position, len(form.items) - 1))
        item = form.items[fs.position]
        answers = forms.answers_of(session=self.session, session_id=fs.id)
        counts = hooks.member_counts(self.session, fs, self.forms) if item.type == "count_pair" else {}
        self.replies.append(question(fs, form, item, answers, page=page, member_count=counts.get(item.member_item or ""),
                                     numbered=len(form.items) > 1))
        return self.replies

    def progress(self, fs: FormSession, command: Command, *, text: str = "") -> list[Reply]:
        form = self.form_of(fs)
        done = len(forms.answers_of(session=self.session, session_id=fs.id))
        section = form.section_of[form.items[fs.position].id].title
        self.say(f"「{form.title}」已填 {done}/{len(form.items)} 題，目前在第 {fs.position + 1} 題（{section}）。")
        return self.current(fs)

    # -- review and submit ---------------------------------------------------------------------

    def summary(self, fs: FormSession, command: Command | None = None, *, text: str = "") -> list[Reply]:
        form = self.form_of(fs)
        answers = forms.answers_of(session=self.session, session_id=fs.id)
        self.replies += hooks.review(self.session, fs, form, answers, today=self.today)
        if form.on_submit == "notice":
            return self.replies
        missing = [i + 1 for i, item in enumerate(form.items)
                   if item.required and form.asks(item, answers) and answers.get(item.id) is None]
        if missing:
            listed = "、".join(str(n) for n in missing[:10]) + ("…" if len(missing) > 10 else "")
            return self.say(f"還有必填題沒回答：第 {listed} 題。請輸入「修改 題號」補上，例如「修改 {missing[0]}」。",
                            self._review_choices(can_submit=False))
        return self.say("以上是您的摘要。確認沒問題請點「送出」；要改某一題請輸入「修改 題號」。", self._review_choices())

    def review_hint(self, fs: FormSession, command: Command, *, text: str = "") -> list[Reply]:
        if self.faq(text):
            return self.summary(fs)
        return self.say("確認沒問題請點「送出」；要改某一題請輸入「修改 題號」，例如「修改 3」。", self._review_choices())

    @staticmethod
    def _review_choices(*, can_submit: bool = True) -> tuple[Choice, ...]:
        return ((say_choice("送出"),) if can_submit else ()) + (say_choice("修改第1題", "修改 1"), say_choice("暫停"))

    def submit(self, fs: FormSession, command: Command, *, text: str = "") -> list[Reply]:
        form = self.form_of(fs)
        answers = forms.answers_of(session=self.session, session_id=fs.id)
        if any(item.required and form.asks(item, answers) and answers.get(item.id) is None for item in form.items):
            return self.summary(fs)
        fs.status, fs.submitted_at = "submitted", self.now  # counted in the check-in's own standing
        replies, effects, accepted = hooks.submitted(self.session, self.user_id, fs, form, answers, today=self.today)
        if accepted:
            fs.pending = {k: fs.pending[k] for k in ("month", "kpis") if k in fs.pending}
        else:
            fs.status, fs.submitted_at = "review", None
        self.replies += replies
        self.effects += effects
        return self.replies

    # -- questions asked mid-form ----------------------------------------------------------------

    def faq(self, text: str) -> bool:
        """Answer a question asked mid-form (then the form goes on); False if it is not one."""
        if not _QUESTION_HINT.search(fold(text)):
            return False
        answer = self.assistant.answer(text)
        if answer.kind not in ("faq", "lookup"):
            return False
        self.replies.append(Text(answer.text + "\n\n（回到表單 👇）"))
        return True

    def page(self, fs: FormSession, page: int) -> list[Reply]:
        return self.current(fs, page=page)

