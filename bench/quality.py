"""Answer quality on a question set (the ``../shared/eval/faq_dev.jsonl`` format, extended).

Each line is a question, or a ``conversation`` whose ``turns`` are asked in order with the
conversation's context carried from one turn to the next. A reply is classified as

* ``answer`` — at least one part gives a rule or a tier;
* ``clarify`` — it asks which program or which city;
* ``suggest`` — 「您是想問…？」;
* ``social`` — a social reply (thanks, greeting…);
* ``fallback`` — the honest "I don't know" (including near misses that say what we do know).

Pass rules: ``faq``/``lookup`` — not the fallback, not a social reply, and every ``must`` group
held (compared without spaces or quotation marks, with one kind of dash, NFKC, case-insensitive); ``ambiguous`` — asks which program, or
holds every group; ``out_of_scope`` — the fallback; ``social`` — a social reply. A *confident
wrong* reply is an answer or social reply that fails.

Results are broken down by kind, language (``lang``) and style (``style``), so English, typos,
two-part questions and near misses are each visible.
"""
from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Outcome", "Report", "evaluate", "load_questions", "reply_holds", "stateless"]

#: ``answerer(question, state) -> (reply_kind, reply_text, new_state)``
Answerer = Callable[[str, Any], tuple[str, str, Any]]


@dataclass(frozen=True)
class Outcome:
    id: str
    kind: str
    lang: str
    style: str
    question: str
    passed: bool
    confident_wrong: bool
    reply_kind: str
    reply: str


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)

    def share(self, kinds: Iterable[str] | None = None, *, attr: str = "passed") -> float:
        chosen = [o for o in self.outcomes if kinds is None or o.kind in set(kinds)]
        return sum(getattr(o, attr) for o in chosen) / len(chosen) if chosen else 0.0

    @property
    def pass_rate(self) -> float:
        return self.share()

    @property
    def confident_wrong_rate(self) -> float:
        return self.share(attr="confident_wrong")

    @property
    def confident_wrong(self) -> int:
        return sum(o.confident_wrong for o in self.outcomes)

    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.passed]

    def by(self, attr: str) -> dict[str, tuple[int, int, int]]:
        """``attr`` value (kind, lang or style) → (questions, passed, confident wrong)."""
        table: dict[str, tuple[int, int, int]] = {}
        for o in self.outcomes:
            key = getattr(o, attr)
            n, p, w = table.get(key, (0, 0, 0))
            table[key] = (n + 1, p + o.passed, w + o.confident_wrong)
        return dict(sorted(table.items()))

    def by_kind(self) -> dict[str, tuple[int, int, int]]:
        return self.by("kind")


#: Quotation marks carry no fact: 設定為「公開」 states 設定為公開.
_QUOTES = str.maketrans("", "", "「」『』“”‘’\"'《》〈〉")
#: Nor does the kind of dash: 3–4月 (en dash) states 3-4月.
_DASHES = str.maketrans("–—‒−", "----")


def _fold(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).lower().translate(_QUOTES).translate(_DASHES)


def reply_holds(reply: str, must: list[list[str]]) -> bool:
    folded = _fold(reply)
    return all(any(_fold(alt) in folded for alt in group) for group in must)


def load_questions(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _judge(item: dict, reply_kind: str, text: str) -> tuple[bool, bool]:
    kind = item["kind"]
    must = item.get("must") or []
    if kind == "out_of_scope":
        passed = reply_kind == "fallback"
    elif kind == "social":
        passed = reply_kind == "social"
    elif kind == "ambiguous":
        passed = reply_kind == "clarify" or (reply_kind not in ("fallback", "social") and reply_holds(text, must))
    else:
        passed = reply_kind not in ("fallback", "social") and reply_holds(text, must)
    return passed, reply_kind in ("answer", "social") and not passed


def evaluate(questions: list[dict], answer: Answerer) -> Report:
    """Every question (and every turn of every conversation) through ``answer``."""
    report = Report()
    for item in questions:
        lang, style = item.get("lang", "zh-TW"), item.get("style", "plain")
        turns = item["turns"] if item["kind"] == "conversation" else [item]
        state: Any = None
        for n, turn in enumerate(turns, 1):
            reply_kind, text, state = answer(turn["q"], state)
            passed, wrong = _judge(turn, reply_kind, text)
            ident = item["id"] if len(turns) == 1 and item["kind"] != "conversation" else f"{item['id']}#{n}"
            report.outcomes.append(Outcome(ident, turn["kind"], lang, style if item["kind"] != "conversation"
                                           else "conversation", turn["q"], passed, wrong, reply_kind, text))
    return report


def stateless(answer: Callable[[str], tuple[str, str]]) -> Answerer:
    """An answerer that ignores the conversation (for baselines)."""
    return lambda question, state: (*answer(question), state)
