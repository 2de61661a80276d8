"""Honest near misses: questions that sound like ours but that the documents do not answer.

Three kinds are recognised before retrieval, because retrieval alone would happily match them
to the nearest rule:

* **another year** — 「114年國際主題聯盟幾月開始收件」, 「明年還有數位群聚嗎」, "in 2025": the
  knowledge base holds each program's rules for certain years only (112年 for the cluster
  program, 113年 for the alliance). Relative years (今年, 明年, 去年) are read against today's
  date, so nothing assumes the shipped year is current.
* **another program** — SBIR, 青創貸款…, listed in ``knowledge/scope.yaml``;
* **facts no document gives** — past selection numbers, officials' and reviewers' names
  (``scope.yaml``'s ``unknowable`` words, kept only when no entry uses them).
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from knowledge.labels import fold
from knowledge.loader import KnowledgeBase
from knowledge.normalize import to_traditional

__all__ = ["RELATIVE_CONCEPT", "NearMiss", "ScopeGuard", "without_years", "years_in"]

#: Rules that are themselves about a relative year («前一年度曾受輔導者», «當年度不得同時接受»):
#: an answer saying this answers a question that names 去年 or 今年 as part of the rule.
RELATIVE_CONCEPT = {
    -1: re.compile(r"前一年|去年|前1年|上一年|previous year|last year|prior year|year before", re.IGNORECASE),
    0: re.compile(r"當年度|同一年|同年度|same year|that year|current year", re.IGNORECASE),
}

_ROC = re.compile(r"(?<![0-9])(1[0-4][0-9])\s*(?:年|學年|年度)")
_AD = re.compile(r"(?<![0-9])(20[0-4][0-9])(?![0-9])")
_RELATIVE_ZH = {"今年": 0, "本年": 0, "本年度": 0, "今年度": 0, "明年": 1, "明年度": 1, "下年度": 1, "下一年度": 1,
                "去年": -1, "去年度": -1, "前年": -2, "後年": 2}
_RELATIVE_EN = {"this year": 0, "current year": 0, "next year": 1, "last year": -1, "previous year": -1,
                "year after next": 2}
_YEAR_WORDS = re.compile(
    "|".join(sorted(map(re.escape, [*_RELATIVE_ZH, *_RELATIVE_EN]), key=len, reverse=True))
    + r"|(?<![0-9])1[0-4][0-9]\s*(?:年度|學年|年)|(?<![0-9])20[0-4][0-9](?![0-9])(?:\s*年)?"
)


def _fold(text: str) -> str:
    return to_traditional(fold(text).lower()).replace("台", "臺")


#: A span of years («2017-2020», «106至109年»): it is about every year in between.
_SPAN = re.compile(r"(?<![0-9])(20[0-4][0-9]|1[0-4][0-9])\s*(?:年度|年)?\s*(?:-|–|~|～|至|到|to)\s*(20[0-4][0-9]|1[0-4][0-9])(?![0-9])")


def _spans(folded: str) -> list[range]:
    """The ROC years of each span of years a question names."""
    spans = []
    for first, last in _SPAN.findall(folded):
        start, end = (int(y) - 1911 if len(y) == 4 else int(y) for y in (first, last))
        if len(first) == len(last) and 0 < end - start <= 10:
            spans.append(range(start, end + 1))
    return spans


_ABOUT_A_YEAR = re.compile(
    r"幾月|幾號|幾日|哪天|哪一天|哪時|什麼時候|何時|時間|日期|截止|收件|開始|時程|期程|還有|有沒有|會不會|會有|是否有|"
    r"舉辦|開辦|繼續|幾家|多少家|幾個|多少個|幾件|入選|錄取|通過|名單|規定|須知|"
    r"\b(when|date|deadline|schedule|open|opens|start|starts|will there|is there|are there|how many|selected|rules?)\b"
)


def _alternation(folded: list[str], originals: list[str]) -> tuple[re.Pattern[str], dict[str, str]] | None:
    """One pattern matching any of the folded names as a whole word, and folded → original."""
    if not folded:
        return None
    names = dict(zip(folded, originals))
    body = "|".join(re.escape(f) for f in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<![a-z])({body})(?![a-z])"), names


def years_in(text: str, today: date) -> set[int]:
    """The ROC years a question names, absolute or relative to ``today``."""
    folded = _fold(text)
    this_year = today.year - 1911
    years = {int(y) for y in _ROC.findall(folded)}
    years |= {int(y) - 1911 for y in _AD.findall(folded)}
    for word, offset in _RELATIVE_ZH.items():
        if word in folded:
            years.add(this_year + offset)
    for word, offset in _RELATIVE_EN.items():
        if re.search(rf"\b{word}\b", folded):
            years.add(this_year + offset)
    return years


def without_years(text: str) -> str:
    """The question with its year words taken out, to find what we know for another year."""
    return _YEAR_WORDS.sub(" ", _fold(text)).strip()


@dataclass(frozen=True)
class NearMiss:
    kind: str  # "year" | "other_program" | "unknowable"
    detail: str  # the year asked, the program named, or the word that cannot be answered
    known_years: tuple[int, ...] = ()


class ScopeGuard:
    def __init__(self, kb: KnowledgeBase, corpus: Iterable[str]) -> None:
        scope = kb.scope
        self._years: dict[str, set[int]] = {}
        general: set[int] = set()
        for entry in kb.entries:
            if entry.program == "general" or entry.year < 110:
                general.add(entry.year)  # background and older FAQs answer when asked by year
            else:
                self._years.setdefault(entry.program, set()).add(entry.year)
        self._rules = {program: set(years) for program, years in self._years.items()}
        for years in self._years.values():
            years |= general
        self._general = general
        text = _fold(" ".join(corpus))
        self._others = sorted((p for p in (scope.other_programs if scope else ()) if _fold(p) not in text),
                              key=len, reverse=True)
        words = [w for lang in (scope.unknowable.values() if scope else ()) for w in lang]
        self._unknowable = sorted((w for w in words if _fold(w) not in text), key=len, reverse=True)
        self._ours = re.compile(r"群聚|聯盟|cluster|alliance")
        # One alternation each, folded once: a question costs one scan, not one per name.
        self._others_re = _alternation([_fold(n) for n in self._others], self._others)
        self._unknowable_re = _alternation([_fold(w) for w in self._unknowable], self._unknowable)
        patterns = [p for lang in (scope.unknowable_patterns.values() if scope else ()) for p in lang]
        self._statistics = re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None

    def known_years(self, program: str | None) -> set[int]:
        if program in self._years:
            return self._years[program]
        return {y for ys in self._years.values() for y in ys} | self._general

    @staticmethod
    def relative_offsets(text: str, today: date) -> set[int]:
        """The relative years a question names, as offsets from this year (去年 → -1)."""
        this_year = today.year - 1911
        return {y - this_year for y in years_in(text, today)}

    @staticmethod
    def relative_only(text: str) -> bool:
        """Whether the only years named are relative ones (今年, 去年, next year…)."""
        folded = _fold(text)
        return not (_ROC.search(folded) or _AD.search(folded))

    def check(self, text: str, *, program: str | None, today: date) -> NearMiss | None:
        folded = _fold(text)
        other = self._others_re[0].search(folded) if self._others_re else None
        if other and not self._ours.search(folded):
            return NearMiss("other_program", self._others_re[1][other.group(1)])
        unknowable = self._unknowable_re[0].search(folded) if self._unknowable_re else None
        if unknowable:
            return NearMiss("unknowable", self._unknowable_re[1][unknowable.group(1)])
        if self._statistics is not None and (found := self._statistics.search(folded)):
            return NearMiss("unknowable", found.group(0))
        asked = years_in(text, today)
        if asked:
            known = self.known_years(program)
            # A span that reaches a year we hold («the 2017-2020 plan») asks about what we hold.
            covered = {y for span in _spans(folded) if known.intersection(span) for y in span}
            unknown = sorted(y for y in asked if y not in known and y not in covered)
            # A relative year («今年才想組群聚», «去年沒參加過») often tells the owner's story; it
            # asks about another year only when the question is about when, whether, or how many.
            if unknown and (not self.relative_only(text) or _ABOUT_A_YEAR.search(folded)):
                rules = self._rules.get(program or "") or {y for ys in self._rules.values() for y in ys}
                return NearMiss("year", str(unknown[0]), tuple(sorted(rules)))
        return None
