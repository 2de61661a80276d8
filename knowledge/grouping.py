"""Grouping what users asked that the assistant could not answer, so staff act on a theme once.

Two questions belong together when most of the shorter one's character pairs (after the
assistant's own normalisation: simplified → traditional, full-width, typos) appear in the
other — «停車位在哪裡» and «請問停車位在哪» do, «A類截止» and «B類幾家» do not. Greedy and
linear in the number of groups: a few thousand questions group in well under a second.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = ["Asked", "Group", "as_asked", "group"]

SAME = 0.6  # share of the shorter question's character pairs found in the group's first question


@dataclass(frozen=True)
class Asked:
    id: int
    text: str
    at: datetime
    reason: str
    candidates: tuple[tuple[str, float], ...] = ()


@dataclass
class Group:
    questions: list[Asked] = field(default_factory=list)
    pairs: frozenset[str] = frozenset()

    @property
    def count(self) -> int:
        return len(self.questions)

    @property
    def last_seen(self) -> datetime:
        return max(q.at for q in self.questions)

    @property
    def texts(self) -> list[str]:
        """The distinct phrasings, most frequent first."""
        return [text for text, _ in Counter(q.text.strip() for q in self.questions).most_common()]

    @property
    def candidates(self) -> list[tuple[str, int]]:
        """The entries the assistant thought closest, by how many of the questions named them."""
        seen: Counter[str] = Counter()
        for q in self.questions:
            for entry_id, _ in q.candidates[:1]:
                seen[entry_id] += 1
        return seen.most_common(3)

    @property
    def ids(self) -> list[int]:
        return [q.id for q in self.questions]


def _pairs(norm: str) -> frozenset[str]:
    compact = "".join(norm.split())
    return frozenset(compact[i:i + 2] for i in range(len(compact) - 1)) or frozenset([compact])


def group(asked: Iterable[Asked], normalize: Callable[[str], str]) -> list[Group]:
    """Groups of similar questions, the biggest (then the most recent) first."""
    groups: list[Group] = []
    for question in asked:
        pairs = _pairs(normalize(question.text))
        for candidate in groups:
            shorter = min(len(pairs), len(candidate.pairs)) or 1
            if len(pairs & candidate.pairs) / shorter >= SAME:
                candidate.questions.append(question)
                break
        else:
            groups.append(Group([question], pairs))
    groups.sort(key=lambda g: (g.count, g.last_seen), reverse=True)
    return groups


def as_asked(rows: Iterable[Any]) -> list[Asked]:
    """Rows of the unanswered log as :class:`Asked` (any object with the same attributes)."""
    return [Asked(r.id, r.text, r.created_at, r.reason, tuple(tuple(c) for c in (r.candidates or []))) for r in rows]
