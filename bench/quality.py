"""Answer quality on a question set (``../shared/eval/faq_dev.jsonl`` format).

A ``faq``/``lookup`` question passes when the reply is not the fallback and holds at least one
string of every ``must`` group (compared without spaces, NFKC); an ``out_of_scope`` question
passes when the reply is the fallback. A *confident wrong* answer is a reply given as an answer
(not a suggestion list, not the fallback) that fails.
"""
from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Outcome", "Report", "evaluate", "load_questions", "reply_holds"]


@dataclass(frozen=True)
class Outcome:
    id: str
    kind: str
    question: str
    passed: bool
    confident_wrong: bool
    reply_kind: str  # answer | suggest | fallback
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

    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.passed]

    def by_kind(self) -> dict[str, tuple[int, int, int]]:
        """kind → (questions, passed, confident wrong)."""
        table: dict[str, tuple[int, int, int]] = {}
        for o in self.outcomes:
            n, p, w = table.get(o.kind, (0, 0, 0))
            table[o.kind] = (n + 1, p + o.passed, w + o.confident_wrong)
        return table


def _fold(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def reply_holds(reply: str, must: list[list[str]]) -> bool:
    folded = _fold(reply)
    return all(any(_fold(alt) in folded for alt in group) for group in must)


def load_questions(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def evaluate(questions: list[dict], answer: Callable[[str], tuple[str, str]]) -> Report:
    """``answer(question) -> (reply_kind, reply_text)`` with reply_kind answer|suggest|fallback."""
    report = Report()
    for q in questions:
        reply_kind, text = answer(q["q"])
        if q["kind"] == "out_of_scope":
            passed = reply_kind == "fallback"
        else:
            passed = reply_kind != "fallback" and reply_holds(text, q["must"])
        confident_wrong = reply_kind == "answer" and not passed
        report.outcomes.append(Outcome(q["id"], q["kind"], q["q"], passed, confident_wrong, reply_kind, text))
    return report
