"""The form engine: one question at a time, every answer committed as it is given.

State lives in ``form_sessions`` (where the user is) and ``form_answers`` (what they said), so
a dialog resumes exactly where it stopped after a restart, and nothing typed is lost. The
engine is LINE-free: it returns :class:`Prompt` objects that ``handlers.dialogs`` turns into
messages.

States::

    consent ──同意──▶ active ──last answer──▶ review ──送出──▶ submitted
       │不同意          │暫停 ▲繼續              │修改 N ▲            │修改 N / start again
       ▼                ▼     │                  ▼     │            ▼ (until staff lock it)
    (deleted)         paused ─┘               active ──┘          review
                        取消 (confirmed) ──▶ cancelled (answers deleted)
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from db import forms_repo
from db.models import Cluster, FormSession, User, utcnow
from knowledge.calendar import TAIPEI
from knowledge.assistant import Assistant, Choice
from knowledge.answers import InvalidAnswer, display, parse_answer
from knowledge.forms import Consent, Form, FormItem, FormSection
from knowledge.scoring import Scorecard, score

__all__ = ["Engine", "Prompt"]

PAGE_SIZE = 10  # options per quick-reply page; leaves room for ◀ ▶ and navigation (≤ 13)

_COMMANDS = {
    "back": r"上一題|回上一題|返回|back",
    "skip": r"略過|跳過|skip|不填",
    "pause": r"暫停|先暫停|先停|等一下再填|pause",
    "resume": r"繼續|繼續填|繼續填寫|continue|resume",
    "cancel": r"取消|取消填寫|不填了|cancel",
    "progress": r"進度|填到哪|我的進度",
    "help": r"說明|help|怎麼填|\?|？",
    "done": r"完成|選好了|done|ok",
    "submit": r"送出|確認送出|提交|submit",
    "summary": r"摘要|看摘要|檢視",
}
_EDIT = re.compile(r"^(?:修改|改|更正|修正)\s*(?:第)?\s*(\d{1,3})\s*(?:題)?$")
_QUESTION_HINT = re.compile(r"[?？]$|嗎$|呢$|什麼|幾[天號家點月]|哪[天裡個一些]|多少|怎麼|如何|是否|可不可以|能不能")


@dataclass(frozen=True)
class Prompt:
    """One message to send: text with quick replies, or a summary card (``flex``)."""

    text: str
    choices: tuple[Choice, ...] = ()
    flex: dict[str, Any] | None = None


@dataclass
class Engine:
    session: Session
    user_id: str
    forms: dict[str, Form]
    consents: dict[str, Consent]
    assistant: Assistant
    is_staff: bool = False
    today: date | None = None  # injected in tests; defaults to today in Asia/Taipei
    prompts: list[Prompt] = field(default_factory=list)
    jobs: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # async work after the reply
    _counts: dict[str, int] | None = field(default=None, repr=False)  # members' 有 per item, once per message

    # -- entry points ----------------------------------------------------------------------------

    def _form(self, fs: FormSession) -> Form:
        """The form as this session sees it: plus the cluster's own KPIs for check-ins."""
        form = self.forms[fs.form_id]
        kpis = fs.pending.get("kpis") or []
        if form.dynamic == "cluster_kpis" and kpis:
            items = tuple(
                FormItem(id=k["id"], label=f"自訂指標：{k['name']}", type="number", min=0,
                         ask=f"自訂績效指標「{k['name']}」這個月達成多少{k.get('unit') or ''}？（目標 {k['target']:g}{k.get('unit') or ''}，沒有請回 0）",
                         unit=k.get("unit") or None)
                for k in kpis
            )
            return form.with_sections((FormSection(id="kpis", title="自訂績效指標（本月）", items=items),))
        return form

    def _today(self) -> date:
        return self.today or datetime.now(TAIPEI).date()

    def live(self) -> FormSession | None:
        return forms_repo.live_session(session=self.session, line_user_id=self.user_id)

    def start(self, form_id: str) -> list[Prompt]:
        """Start a form, or pick it up where it was left (paused, reviewing, or submitted)."""
        form = self.forms[form_id]
        if form.staff_only and not self.is_staff:
            return [Prompt("這個功能只開放計畫同仁使用喔。")]
        existing = forms_repo.latest_session(
            session=self.session, line_user_id=self.user_id, form_id=form_id,
            statuses=("consent", "active", "paused", "review", "submitted"),
        )
        month = f"{self._today():%Y-%m}"
        if existing is not None and form.per_month and existing.pending.get("month") != month:
            if existing.status != "submitted":
                existing.status = "cancelled"  # an unfinished check-in of a past month lapses
            existing = None
        if existing is not None and form.staff_only and existing.status == "submitted":
            existing = None  # every /公告 is a new notice
        if existing is not None and existing.status != "submitted":
            other = self.live()
            if other is not None and other.id != existing.id:
                self._pause(other, quiet=True)
            if existing.status == "paused":
                existing.status = "active"
                self.say(f"歡迎回來！接著填「{form.title}」。")
            return self._current(existing)
        if existing is not None and existing.status == "submitted":
            if existing.locked:
                return [Prompt(f"您的「{form.title}」已送出，並由計畫同仁鎖定審閱中；如需修改請聯絡計畫窗口。")]
            self.say(f"您的「{form.title}」已經送出囉。要修改的話，點「修改答案」會回到摘要頁。",
                     (Choice("修改答案", "form", {"f": form_id, "do": "reopen"}), Choice("不用了", "say", {"text": "謝謝"})))
            return self.prompts
        other = self.live()
        if other is not None:
            self._pause(other, quiet=True)
            self.say(f"先幫您暫存「{self.forms[other.form_id].title}」，之後說「繼續」就能接著填。")
        user = self.session.get(User, self.user_id)
        cluster_id = user.cluster_id if user else None
        if cluster_id is None:
            led = self.session.query(Cluster.id).filter(Cluster.leader_user_id == self.user_id).first()
            cluster_id = led[0] if led else None
        fs = forms_repo.start_session(
            session=self.session, line_user_id=self.user_id, form_id=form_id, cluster_id=cluster_id,
            status="consent" if form.consent else "active",
        )
        if form.per_month:
            fs.pending = {"month": month, "kpis": forms_repo.kpi_snapshot(session=self.session, cluster_id=cluster_id)}
        if form.consent is None:
            return self._current(fs)
        return self._ask_consent(fs, form)

    def reopen(self, form_id: str) -> list[Prompt]:
        fs = forms_repo.latest_session(session=self.session, line_user_id=self.user_id, form_id=form_id,
                                       statuses=("submitted",))
        if fs is None or fs.locked:
            return [Prompt("目前沒有可以修改的已送出表單。")]
        fs.status = "review"
        return self._summary(fs)

    def resume(self) -> list[Prompt] | None:
        fs = forms_repo.latest_session(session=self.session, line_user_id=self.user_id, statuses=("paused",))
        if fs is None:
            return None
        fs.status = "active"
        self.say(f"歡迎回來！接著填「{self.forms[fs.form_id].title}」。")
        return self._current(fs)

    def handle_text(self, fs: FormSession, text: str) -> list[Prompt]:
        """A typed message while a form is live: a command, an answer, or a question for the FAQ."""
        form = self._form(fs)
        command = self._command(text)
        if fs.status == "consent":
            return self._consent_reply(fs, form, text, command)
        if command == "pause":
            return self._pause(fs)
        if command == "cancel":
            fs.pending = {**fs.pending, "confirm_cancel": True}
            self.say("確定要取消嗎？已填的答案會一併刪除。",
                     (Choice("確定取消", "say", {"text": "確定取消"}), Choice("繼續填寫", "say", {"text": "繼續填寫"})))
            return self.prompts
        if fs.pending.get("confirm_cancel"):
            if text.strip() == "確定取消":
                return self._cancel(fs, form)
            fs.pending = {k: v for k, v in fs.pending.items() if k != "confirm_cancel"}
            if command in ("resume", None) and text.strip() in ("繼續填寫", "繼續"):
                return self._current(fs)
        if command == "progress":
            return self._progress(fs, form)
        edit = _EDIT.match(_fold(text))
        if edit:
            return self._edit(fs, form, int(edit.group(1)))
        if fs.status == "review":
            if command == "submit":
                return self._submit(fs, form)
            if command in ("summary", "resume"):
                return self._summary(fs)
            faq = self._faq(text)
            if faq:
                return faq + self._summary(fs)
            self.say("確認沒問題請點「送出」；要改某一題請輸入「修改 題號」，例如「修改 3」。", self._review_choices(fs))
            return self.prompts
        if command == "resume":
            return self._current(fs)
        item = form.items[fs.position]
        if command == "back":
            return self._back(fs, form)
        if command == "skip":
            return self._skip(fs, form, item)
        if command == "help":
            self.say(item.help or "請依題目回答；也可以說「上一題」「略過」「暫停」「進度」。")
            return self._current(fs)
        if item.type == "multi" and command == "done":
            return self._finish_multi(fs, form, item)
        if item.type == "photos":
            if command == "done":
                count = len(fs.pending.get("photos", []))
                forms_repo.save_answer(session=self.session, session_id=fs.id, item_id=item.id, value=count or None)
                return self._advance(fs, form)
            faq = self._faq(text)
            self.say("請直接傳照片給我；傳完請點「完成」，沒有照片請點「略過」。")
            return faq + self._current(fs)
        return self._answer(fs, form, item, text)

    def handle_image(self, fs: FormSession, message_id: str) -> list[Prompt]:
        """A photo sent while a form is live: kept as evidence when the question asks for photos."""
        form = self._form(fs)
        item = form.items[min(fs.position, len(form.items) - 1)]
        if fs.status != "active" or item.type != "photos":
            self.say("收到照片了，不過目前這一題不需要照片喔。")
            return self._current(fs) if fs.status == "active" else self.prompts
        photos = [*fs.pending.get("photos", []), message_id][:20]
        fs.pending = {**fs.pending, "photos": photos}
        self.jobs.append(("fetch_evidence", {"session_id": fs.id, "message_id": message_id}))
        self.say(f"已收到第 {len(photos)} 張照片 📷 還有的話繼續傳，傳完請點「完成」。",
                 (Choice("完成", "say", {"text": "完成"}), Choice("暫停", "say", {"text": "暫停"})))
        return self.prompts

    def handle_page(self, fs: FormSession, page: int) -> list[Prompt]:
        return self._current(fs, page=page)

    # -- consent -------------------------------------------------------------------------------

    def _ask_consent(self, fs: FormSession, form: Form) -> list[Prompt]:
        consent = self.consents[form.consent or ""]
        count = len(form.items)
        self.say(
            f"開始填寫「{form.title}」，共 {count} 題，可以分好幾次填完，每題答完就會存檔。\n\n"
            f"填寫前請先看「{consent.title}」重點：\n{consent.short}\n\n請問您同意嗎？",
            (Choice("同意", "say", {"text": "同意"}), Choice("不同意", "say", {"text": "不同意"}),
             Choice("看全文", "say", {"text": "看全文"})),
        )
        return self.prompts

    def _consent_reply(self, fs: FormSession, form: Form, text: str, command: str | None) -> list[Prompt]:
        consent = self.consents[form.consent or ""]
        answer = _fold(text)
        if answer in ("同意", "我同意", "好", "ok", "yes", "可以"):
            fs.consent_at = utcnow()
            fs.status = "active"
            self.say("謝謝您！我們開始吧。隨時可以說「上一題」「略過」「暫停」「進度」或「修改 題號」。")
            return self._current(fs)
        if answer in ("看全文", "全文", "完整內容"):
            self.say(f"{consent.title}（全文）\n\n{consent.full}\n\n全文網址：{consent.url}",
                     (Choice("同意", "say", {"text": "同意"}), Choice("不同意", "say", {"text": "不同意"})))
            return self.prompts
        if answer in ("不同意", "不要", "no", "拒絕") or command in ("cancel", "pause"):
            self.session.delete(fs)
            self.say("沒問題，沒有同意就不會記錄任何資料。之後想填寫，隨時再跟我說一聲就好 🙂")
            return self.prompts
        faq = self._faq(text)
        self.say("請先點「同意」或「不同意」，才能開始填寫喔。",
                 (Choice("同意", "say", {"text": "同意"}), Choice("不同意", "say", {"text": "不同意"}),
                  Choice("看全文", "say", {"text": "看全文"})))
        return faq + self.prompts

    # -- questions -----------------------------------------------------------------------------

    def _current(self, fs: FormSession, *, page: int = 0) -> list[Prompt]:
        form = self._form(fs)
        if fs.status == "review":
            return self._summary(fs)
        fs.position = max(0, min(fs.position, len(form.items) - 1))
        item = form.items[fs.position]
        section = form.section_of[item.id]
        answers = forms_repo.answers_of(session=self.session, session_id=fs.id)
        lines = [f"第 {fs.position + 1}/{len(form.items)} 題｜{section.title}"]
        lines.append(self._question_text(fs, item))
        if item.id in answers:
            lines.append(f"（目前的答案：{display(item, answers[item.id])}；要保留請再回答一次）")
        if item.type == "multi":
            chosen = fs.pending.get("multi", [])
            lines.append("可複選，選完請點「完成」。" + (f"已選：{'、'.join(chosen)}" if chosen else ""))
        if not item.required:
            lines.append("（選填，可以回「略過」）")
        self.say("\n".join(lines), self._choices(fs, form, item, page))
        return self.prompts

    def _question_text(self, fs: FormSession, item: FormItem) -> str:
        text = item.ask
        if item.code:
            text = f"{item.code}｜{item.label}\n{text}"
        if item.type == "count_pair":
            members = self._member_counts(fs).get(item.member_item or "")
            if members is not None:
                text += f"\n（成員自評統計：已送出的成員中有 {members} 家勾選「有」）"
        return text

    def _choices(self, fs: FormSession, form: Form, item: FormItem, page: int) -> tuple[Choice, ...]:
        nav: list[Choice] = []
        if fs.position > 0:
            nav.append(Choice("上一題", "say", {"text": "上一題"}))
        if not item.required:
            nav.append(Choice("略過", "say", {"text": "略過"}))
        nav.append(Choice("暫停", "say", {"text": "暫停"}))
        options: list[Choice] = []
        if item.type == "yes_no":
            options = [Choice("有", "say", {"text": "有"}), Choice("無", "say", {"text": "無"})]
        elif item.type in ("single", "multi"):
            chosen = set(fs.pending.get("multi", [])) if item.type == "multi" else set()
            buttons = [(o, b) for o, b in zip(item.options, item.buttons) if o not in chosen]
            pages = max(1, -(-len(buttons) // PAGE_SIZE))
            page = max(0, min(page, pages - 1))
            shown = buttons[page * PAGE_SIZE:(page + 1) * PAGE_SIZE]
            options = [Choice(b, "say", {"text": b}) for _, b in shown]
            if item.type == "multi":
                options.insert(0, Choice("完成", "say", {"text": "完成"}))
            if page > 0:
                options.append(Choice("◀ 上一頁", "page", {"s": str(fs.id), "p": str(page - 1)}))
            if page < pages - 1:
                options.append(Choice("更多選項 ▶", "page", {"s": str(fs.id), "p": str(page + 1)}))
            nav = [c for c in nav if c.label != "暫停"] if len(options) + len(nav) > 13 else nav
        elif item.type == "photos":
            options = [Choice("完成", "say", {"text": "完成"})]
        elif item.type == "count_pair":
            members = self._member_counts(fs).get(item.member_item or "")
            if members is not None:
                options = [Choice(f"{members} {members}", "say", {"text": f"{members} {members}"})]
            options.append(Choice("0 0", "say", {"text": "0 0"}))
        return tuple(options + nav)[:13]

    def _answer(self, fs: FormSession, form: Form, item: FormItem, text: str) -> list[Prompt]:
        if item.type in ("text",) and self._looks_like_question(text):
            faq = self._faq(text)
            if faq:
                return faq + self._current(fs)
        try:
            parsed = parse_answer(item, text, limit=self._cluster_size(fs, form))
        except InvalidAnswer as problem:
            faq = self._faq(text)
            if faq:
                return faq + self._current(fs)
            self.say(f"⚠️ {problem}")
            return self._current(fs)
        if item.type == "multi":
            chosen = list(dict.fromkeys([*fs.pending.get("multi", []), *parsed.value]))
            if item.max_choices and len(chosen) > item.max_choices:
                self.say(f"最多選 {item.max_choices} 項喔。", self._choices(fs, form, item, 0))
                return self.prompts
            fs.pending = {**fs.pending, "multi": chosen}
            return self._current(fs)
        forms_repo.save_answer(session=self.session, session_id=fs.id, item_id=item.id, value=parsed.value)
        self._after_answer(fs, form, item, parsed.value)
        return self._advance(fs, form)

    def _after_answer(self, fs: FormSession, form: Form, item: FormItem, value: Any) -> None:
        """Hooks tied to specific answers: a cluster form's name/class/type create the cluster."""
        if form.id == "dc_cluster" and item.id == "cluster_type":
            answers = forms_repo.answers_of(session=self.session, session_id=fs.id)
            if fs.cluster_id is None:
                cluster = forms_repo.create_cluster(
                    session=self.session, name=str(answers.get("cluster_name") or "我的群聚"),
                    class_=_class_letter(answers.get("cluster_class")), type_=str(value), leader_user_id=self.user_id,
                )
                fs.cluster_id = cluster.id
                self.say(f"群聚已建立！群聚代碼：{cluster.code}\n請把代碼分享給成員，成員對我說「加入群聚 {cluster.code}」"
                         "就會連結到這個群聚，他們送出的成員自評會自動統計到這份群聚自評。")

    def _finish_multi(self, fs: FormSession, form: Form, item: FormItem) -> list[Prompt]:
        chosen = fs.pending.get("multi", [])
        if not chosen and item.required:
            self.say("請至少選一項，再點「完成」。", self._choices(fs, form, item, 0))
            return self.prompts
        forms_repo.save_answer(session=self.session, session_id=fs.id, item_id=item.id, value=chosen or None)
        return self._advance(fs, form)

    def _skip(self, fs: FormSession, form: Form, item: FormItem) -> list[Prompt]:
        if item.required:
            self.say("這題是必填的，請回答後再繼續；不確定的話可以先「暫停」。", self._choices(fs, form, item, 0))
            return self.prompts
        forms_repo.save_answer(session=self.session, session_id=fs.id, item_id=item.id, value=None)
        return self._advance(fs, form)

    def _advance(self, fs: FormSession, form: Form) -> list[Prompt]:
        pending = {k: v for k, v in fs.pending.items() if k != "multi"}
        if pending.pop("return_to_review", False):
            fs.pending = pending
            fs.status = "review"
            return self._summary(fs)
        fs.pending = pending
        if fs.position + 1 >= len(form.items):
            fs.status = "review"
            return self._summary(fs)
        fs.position += 1
        return self._current(fs)

    def _back(self, fs: FormSession, form: Form) -> list[Prompt]:
        fs.pending = {k: v for k, v in fs.pending.items() if k != "multi"}
        if fs.position == 0:
            self.say("已經是第一題了。")
        fs.position = max(0, fs.position - 1)
        return self._current(fs)

    def _edit(self, fs: FormSession, form: Form, number: int) -> list[Prompt]:
        if not 1 <= number <= len(form.items):
            self.say(f"題號是 1 到 {len(form.items)}，請再確認，例如「修改 3」。")
            return self._current(fs) if fs.status == "active" else self._summary(fs)
        if fs.status == "review":
            fs.pending = {**fs.pending, "return_to_review": True}
        fs.status = "active"
        fs.position = number - 1
        fs.pending = {k: v for k, v in fs.pending.items() if k != "multi"}
        return self._current(fs)

    def _progress(self, fs: FormSession, form: Form) -> list[Prompt]:
        answers = forms_repo.answers_of(session=self.session, session_id=fs.id)
        done = sum(1 for item in form.items if item.id in answers)
        section = form.section_of[form.items[fs.position].id].title
        self.say(f"「{form.title}」已填 {done}/{len(form.items)} 題，目前在第 {fs.position + 1} 題（{section}）。")
        return self._current(fs)

    def _pause(self, fs: FormSession, *, quiet: bool = False) -> list[Prompt]:
        form = self._form(fs)
        if fs.status == "consent":
            self.session.delete(fs)
            if not quiet:
                self.say("好的，先不填。之後想填隨時跟我說。")
            return self.prompts
        fs.status = "paused"
        fs.pending = {k: v for k, v in fs.pending.items() if k not in ("confirm_cancel",)}
        if not quiet:
            answers = forms_repo.answers_of(session=self.session, session_id=fs.id)
            self.say(f"已幫您暫存「{form.title}」（已填 {len(answers)}/{len(form.items)} 題）。\n"
                     f"想接著填時，輸入「繼續」或「{form.short}」就會回到第 {fs.position + 1} 題。",
                     (Choice("繼續", "say", {"text": "繼續"}),))
        return self.prompts

    def _cancel(self, fs: FormSession, form: Form) -> list[Prompt]:
        forms_repo.delete_answers(session=self.session, session_id=fs.id)
        fs.status = "cancelled"
        fs.pending = {}
        self.say(f"已取消「{form.title}」，填過的答案都已刪除。需要時再跟我說「{form.short}」重新開始。")
        return self.prompts

    # -- review and submit ---------------------------------------------------------------------

    def scorecard(self, fs: FormSession) -> Scorecard | None:
        form = self._form(fs)
        if form.scoring != "oesi":
            return None
        answers = forms_repo.answers_of(session=self.session, session_id=fs.id)
        cluster = self.session.get(Cluster, fs.cluster_id) if fs.cluster_id else None
        cls, kind = (cluster.class_, cluster.type) if cluster else (None, None)
        if form.id == "dc_cluster":
            cls, kind = _class_letter(answers.get("cluster_class")), answers.get("cluster_type")
        return score(form, answers, cluster_class=cls, cluster_type=kind)

    def _summary(self, fs: FormSession) -> list[Prompt]:
        from handlers.dialogs.summary import summary_card

        form = self._form(fs)
        answers = forms_repo.answers_of(session=self.session, session_id=fs.id)
        missing = [i + 1 for i, item in enumerate(form.items) if item.required and answers.get(item.id) is None]
        if form.on_submit == "notice":
            return self._notice_preview(fs, answers)
        card = summary_card(form, answers, self.scorecard(fs))
        self.prompts.append(Prompt(card["altText"], flex=card))
        if missing:
            listed = "、".join(str(n) for n in missing[:10]) + ("…" if len(missing) > 10 else "")
            self.say(f"還有必填題沒回答：第 {listed} 題。請輸入「修改 題號」補上，例如「修改 {missing[0]}」。",
                     self._review_choices(fs, can_submit=False))
        else:
            self.say("以上是您的摘要。確認沒問題請點「送出」；要改某一題請輸入「修改 題號」。", self._review_choices(fs))
        return self.prompts

    def _notice_audience(self, answers: dict[str, Any]) -> dict[str, Any]:
        from bot.audience import preset

        return preset(str(answers.get("audience") or "all"), month=f"{self._today():%Y-%m}")

    def _notice_preview(self, fs: FormSession, answers: dict[str, Any]) -> list[Prompt]:
        from bot.audience import describe, resolve
        from bot.notices import notice_messages

        spec = self._notice_audience(answers)
        people = resolve(self.session, spec)
        self.say("以下是公告預覽，對方在 LINE 上會看到：")
        message = notice_messages(str(answers.get("text") or ""), answers.get("link") or None)[0]
        if message.type == "flex":
            self.prompts.append(Prompt(message.alt_text, flex=message.to_dict()))  # type: ignore[attr-defined]
        else:
            self.say(message.text)  # type: ignore[attr-defined]
        self.say(f"對象：{describe(spec)}，共 {len(people.recipients)} 位。確定要發送嗎？",
                 (Choice("送出", "say", {"text": "送出"}), Choice("修改內容", "say", {"text": "修改 1"}),
                  Choice("取消", "say", {"text": "取消"})))
        return self.prompts

    def _review_choices(self, fs: FormSession, *, can_submit: bool = True) -> tuple[Choice, ...]:
        choices = [Choice("送出", "say", {"text": "送出"})] if can_submit else []
        choices += [Choice("修改第1題", "say", {"text": "修改 1"}), Choice("暫停", "say", {"text": "暫停"})]
        return tuple(choices)

    def _submit(self, fs: FormSession, form: Form) -> list[Prompt]:
        answers = forms_repo.answers_of(session=self.session, session_id=fs.id)
        missing = [i + 1 for i, item in enumerate(form.items) if item.required and answers.get(item.id) is None]
        if missing:
            return self._summary(fs)
        fs.status = "submitted"
        fs.submitted_at = utcnow()
        keep = {k: fs.pending[k] for k in ("month", "kpis") if k in fs.pending}
        fs.pending = keep
        if form.on_submit == "notice":
            return self._send_notice(fs, answers)
        if form.on_submit == "checkin_report":
            self.say(f"已收到 {keep.get('month', '')} 的「{form.title}」，謝謝您！")
            self.say(self._standing(fs, form))
            return self.prompts
        self.say(f"已送出「{form.title}」，謝謝您！計畫同仁會收到您的資料。\n"
                 f"送出後在同仁審閱前都還能修改：再說一次「{form.short}」即可。")
        return self.prompts

    def _standing(self, fs: FormSession, form: Form) -> str:
        from knowledge.calendar import load_calendar
        from knowledge.standing import Kpi, standing

        today = self._today()
        reports = []
        for other in forms_repo.checkins(session=self.session, form_id=form.id, line_user_id=self.user_id,
                                         cluster_id=fs.cluster_id, year=today.year):
            reports.append(forms_repo.answers_of(session=self.session, session_id=other.id))
        kpis = tuple(Kpi(k["id"], k["name"], float(k["target"]), k.get("unit") or "") for k in fs.pending.get("kpis", []))
        checkpoints = load_calendar().checkpoints.get(form.program, ())
        return standing(form, reports, today=today, checkpoints=checkpoints, kpis=kpis).text()

    def _send_notice(self, fs: FormSession, answers: dict[str, Any]) -> list[Prompt]:
        from bot.audience import AudienceError
        from bot.notices import NoticeError, create_notice

        spec = self._notice_audience(answers)
        try:
            notice, people = create_notice(self.session, text=str(answers.get("text") or ""), audience=spec,
                                           actor=f"line:{self.user_id[:12]}", link_url=answers.get("link") or None)
        except (NoticeError, AudienceError) as exc:
            fs.status = "review"
            self.say(f"沒辦法送出：{exc}")
            return self.prompts
        self.jobs.append(("deliver_notice", {"notice_id": notice.id}))
        self.say(f"📢 公告 #{notice.id} 已送出給 {len(people.recipients)} 位" +
                 (f"（另有 {len(people.blocked)} 位已封鎖，不會收到）" if people.blocked else "") + "。")
        return self.prompts

    # -- helpers -------------------------------------------------------------------------------

    def say(self, text: str, choices: tuple[Choice, ...] = ()) -> None:
        self.prompts.append(Prompt(text, choices))

    def _command(self, text: str) -> str | None:
        folded = _fold(text).lower()
        for name, pattern in _COMMANDS.items():
            if re.fullmatch(pattern, folded):
                return name
        return None

    def _looks_like_question(self, text: str) -> bool:
        return bool(_QUESTION_HINT.search(_fold(text)))

    def _faq(self, text: str) -> list[Prompt]:
        """An FAQ answer for a question asked mid-form, or nothing if it is not a clear question."""
        if not self._looks_like_question(text):
            return []
        answer = self.assistant.answer(text)
        if answer.kind not in ("faq", "lookup"):
            return []
        return [Prompt(answer.text + "\n\n（回到表單 👇）")]

    def _cluster_size(self, fs: FormSession, form: Form) -> int | None:
        if form.id != "dc_cluster":
            return None
        size = forms_repo.answers_of(session=self.session, session_id=fs.id).get("member_count")
        return int(size) if isinstance(size, (int, float)) and size > 0 else None

    def _member_counts(self, fs: FormSession) -> dict[str, int]:
        """For the cluster form: how many submitted member forms answered 有, per practice tool."""
        if fs.form_id != "dc_cluster" or fs.cluster_id is None or "dc_member" not in self.forms:
            return {}
        if self._counts is not None:
            return self._counts
        member_form = self.forms["dc_member"]
        counts: dict[str, int] = {}
        for member in forms_repo.submitted_sessions(session=self.session, form_id="dc_member", cluster_id=fs.cluster_id):
            answers = forms_repo.answers_of(session=self.session, session_id=member.id)
            for item in member_form.items:
                if item.dimension:
                    counts.setdefault(item.id, 0)
                    value = answers.get(item.id)
                    if isinstance(value, dict) and value.get("has"):
                        counts[item.id] += 1
        self._counts = counts
        return counts


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").strip()


def _class_letter(value: Any) -> str | None:
    text = str(value or "")
    return "A" if text.startswith("A") else "B" if text.startswith("B") else None
