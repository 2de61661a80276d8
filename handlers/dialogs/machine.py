"""The form dialog as a declared state table: (status, command) → transition.

A form session is always in one of these statuses (``FormSession.status``)::

    consent ──agree──▶ active ──last answer──▶ review ──submit──▶ submitted
       │decline          │pause ▲resume           │edit N ▲           │reopen (until staff lock it)
       ▼                 ▼      │                 ▼      │           ▼
    (deleted)          paused ──┘              editing ──┘         review
                  active/review ──cancel──▶ confirm_cancel ──confirm──▶ cancelled (answers deleted)
                                                  └──anything else──▶ back where it was
    active/editing ──「有」 to a question that wants details──▶ details ──the details──▶ next question
    active/editing ──「3」 where money is asked──▶ confirm ──「3萬」/「300萬」/「3元」──▶ next question

``editing`` is answering one question picked from the review («修改 3»): the answer returns to
the review instead of moving on. ``details`` collects what a 「有」 needs (名稱、數量) in the same
step; ``confirm`` asks which unit an ambiguous amount meant. What a user types is first read as a :class:`Command`; the
table then names the engine method that handles it. A command never becomes an answer: only
``answer`` does.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from db import forms
from knowledge.labels import fold

__all__ = ["OPEN", "STATUSES", "TABLE", "Command", "read_command", "transition"]

STATUSES = ("consent", "active", "editing", "details", "confirm", "confirm_cancel", "review", "paused", "submitted",
            "cancelled")
#: Statuses in which the user's next message belongs to the form.
OPEN = forms.OPEN

_WORDS: dict[str, str] = {
    "agree": r"同意|我同意|好|ok|yes|可以",
    "decline": r"不同意|不要|no|拒絕",
    "full_text": r"看全文|全文|完整內容",
    "confirm": r"確定取消",
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
    "keep": r"保留|保留原答案|不用改|維持",
}
_EDIT = re.compile(r"^(?:修改|改|更正|修正)\s*(?:第)?\s*(\d{0,3})\s*(?:題)?$")
_COMPILED = {name: re.compile(pattern) for name, pattern in _WORDS.items()}


@dataclass(frozen=True)
class Command:
    name: str  # one of _WORDS, "edit", or "answer"
    number: int = 0  # the question number of «修改 3»


def read_command(text: str, status: str) -> Command:
    """What the user means: a command where one fits this status, else an answer."""
    folded = fold(text).lower()
    edit = _EDIT.match(folded)
    if edit:
        return Command("edit", int(edit.group(1) or 0))  # a bare 「修改」 is an edit with no number
    # Consent words only mean consent while consent is asked: «好» may well answer a question.
    consent = {"agree", "decline", "full_text"}
    allowed = consent | {"cancel", "pause"} if status == "consent" else set(_WORDS) - consent
    for name in _WORDS:
        if name in allowed and _COMPILED[name].fullmatch(folded):
            return Command(name)
    return Command("answer")


#: (status, command) → the engine method that handles it; ``*`` matches any other command.
TABLE: dict[tuple[str, str], str] = {
    ("consent", "agree"): "agree",
    ("consent", "full_text"): "show_consent",
    ("consent", "decline"): "decline",
    ("consent", "cancel"): "decline",
    ("consent", "pause"): "decline",
    ("consent", "*"): "ask_consent_again",
    **{(status, command): method for status in ("active", "editing") for command, method in {
        "pause": "pause", "cancel": "ask_cancel", "progress": "progress", "edit": "edit", "back": "back",
        "skip": "skip", "help": "help", "done": "done", "resume": "current", "summary": "current",
        "submit": "answer", "answer": "answer", "keep": "keep",
    }.items()},
    ("details", "pause"): "pause",
    ("details", "cancel"): "ask_cancel",
    ("details", "back"): "current_again",
    ("details", "skip"): "details",
    ("details", "edit"): "edit",
    ("details", "*"): "details",
    ("confirm", "pause"): "pause",
    ("confirm", "cancel"): "ask_cancel",
    ("confirm", "back"): "current_again",
    ("confirm", "edit"): "edit",
    ("confirm", "*"): "confirm_value",
    ("confirm_cancel", "confirm"): "cancel",
    ("confirm_cancel", "*"): "keep_going",
    ("review", "submit"): "submit",
    ("review", "summary"): "summary",
    ("review", "resume"): "summary",
    ("review", "edit"): "edit",
    ("review", "pause"): "pause",
    ("review", "cancel"): "ask_cancel",
    ("review", "progress"): "progress",
    ("review", "*"): "review_hint",
}


def transition(status: str, command: Command) -> str:
    """The engine method for ``command`` in ``status`` (see :data:`TABLE`)."""
    return TABLE.get((status, command.name)) or TABLE.get((status, "*")) or "current"
