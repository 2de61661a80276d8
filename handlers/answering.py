"""Answering a free-text question: township lookup first, then the FAQ, with follow-up context.

This is the product's core and knows nothing about LINE, so the webhook, the CLI (``python -m bot
ask``) and the benchmarks all answer through exactly the same code.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from knowledge.loader import Entry, KnowledgeBase
from knowledge.normalize import normalize
from knowledge.retrieval import Result, Retriever, query_facets
from knowledge.townships import TIER_NAMES, TownshipIndex, TownMatch

__all__ = ["Answer", "Assistant", "Choice", "Context"]

Kind = Literal["faq", "suggest", "fallback", "lookup", "clarify"]

_FOLLOW_UP = re.compile(r"^(那麼?|那如果|如果是|至於|換成|改成|還有|另外|那要|那是)")
_FACET_ONLY = re.compile(r"^(那麼?|如果是|至於|換成|改成)?(a類|b類|國際主題聯盟|國際|聯盟|數位群聚|群聚)(的話|呢|咧|勒)?$")
_TOWNSHIP_SOURCE = ("001_83813cbc4ebfc095.txt", "附件三、鄉鎮市區數位發展分類列表")


@dataclass(frozen=True)
class Choice:
    """A quick-reply option: ``label`` shown (≤20 chars), ``action``/``params`` sent back."""

    label: str
    action: str
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Context:
    """What the previous answer was about, for elliptical follow-ups ("那B類呢?")."""

    last_entry_id: str | None = None
    last_query: str | None = None


@dataclass(frozen=True)
class Answer:
    kind: Kind
    text: str
    entry: Entry | None = None
    score: float = 0.0
    choices: tuple[Choice, ...] = ()
    resolved_query: str | None = None  # the question as understood (with follow-up context)
    candidates: tuple[tuple[str, float], ...] = ()  # best (entry id, score) pairs, for review

    @property
    def fallback(self) -> bool:
        return self.kind == "fallback"

    @property
    def entry_id(self) -> str | None:
        if self.entry is not None:
            return self.entry.id
        return "township-tier" if self.kind == "lookup" else None

    @property
    def suggestions(self) -> list[str]:
        return [c.label for c in self.choices if c.action == "faq"]


class Assistant:
    """Turns a question (plus the previous topic) into an :class:`Answer`."""

    def __init__(self, kb: KnowledgeBase, retriever: Retriever | None = None) -> None:
        self.kb = kb
        self.retriever = retriever or Retriever(kb)
        self.townships = TownshipIndex(kb.townships)

    # -- entry points ----------------------------------------------------------------------------

    def answer(self, text: str, context: Context | None = None) -> Answer:
        context = context or Context()
        lookup = self.township_answer(text)
        if lookup is not None:
            return lookup
        result = self.retriever.search(text)
        resolved = text
        previous = self.kb.entry(context.last_entry_id) if context.last_entry_id else None
        if previous is not None and self._is_follow_up(result):
            follow = self._follow_up(text, result, previous, context)
            if follow is not None:
                result, resolved = follow
        return self._from_result(result, resolved)

    def entry_answer(self, entry_id: str) -> Answer | None:
        """The answer for a tapped suggestion."""
        entry = self.kb.entry(entry_id)
        if entry is None:
            return None
        return Answer("faq", self.format_entry(entry), entry, 100.0, resolved_query=entry.title)

    def tier_answer(self, county: str, town: str) -> Answer | None:
        """The answer for a tapped 「which city?」 choice."""
        township = self.townships.get(county, town)
        if township is None:
            return None
        return self._tier(township)

    # -- township lookups ------------------------------------------------------------------------

    def township_answer(self, text: str) -> Answer | None:
        matches = self.townships.find(text)
        if not matches:
            return None
        asks = self.townships.asks_for_tier(text)
        bare = self.townships.residue(text) == ""
        explicit = any(m.explicit_suffix for m in matches)
        if not (asks or (bare and (explicit or len(matches) == 1))):
            return None
        if len(matches) == 1:
            return self._tier(matches[0].township)
        return self._clarify_town(matches)

    def _tier(self, township) -> Answer:  # type: ignore[no-untyped-def]
        name = TIER_NAMES[township.tier]
        bonus = (
            "屬於分群3～4，對加分有幫助：群聚中超過50%的成員企業所在鄉鎮市區落在分群3～4時，可列入評分加分項目。"
            if township.tier >= 3
            else "不屬於分群3～4；加分項目看的是群聚中是否超過50%的成員企業位在分群3～4的鄉鎮市區。"
        )
        text = (
            f"{township.county}{township.town}屬於「分群{township.tier}：{name}」。\n"
            f"{bonus}\n\n"
            f"📄 出處：{self.kb.sources[_TOWNSHIP_SOURCE[0]]}（{_TOWNSHIP_SOURCE[0][:3]}）{_TOWNSHIP_SOURCE[1]}"
        )
        return Answer("lookup", text, None, 100.0, resolved_query=f"{township.county}{township.town}")

    def _clarify_town(self, matches: list[TownMatch]) -> Answer:
        towns = sorted({m.township.town for m in matches})
        choices = tuple(
            Choice(f"{m.township.county}{m.township.town}"[:20], "town", {"c": m.township.county, "t": m.township.town})
            for m in matches[:13]
        )
        text = f"「{'、'.join(towns)}」在好幾個縣市都有，請問是哪一個縣市的呢？請點選下方選項。"
        return Answer("clarify", text, None, 0.0, choices)

    # -- follow-ups ------------------------------------------------------------------------------

    def _is_follow_up(self, result: Result) -> bool:
        return bool(_FOLLOW_UP.search(result.query)) or len(result.query) <= 5 or result.outcome != "answer"

    def _follow_up(
        self, text: str, result: Result, previous: Entry, context: Context
    ) -> tuple[Result, str] | None:
        norm = result.query
        facets = query_facets(norm)
        if _FACET_ONLY.match(norm) and "class" in facets:
            sibling = self.retriever.sibling(previous, facets)
            if sibling is not None:
                from knowledge.retrieval import Hit

                return Result("answer", (Hit(sibling, 100.0),), norm, facets), f"{sibling.title}"
        combined = f"{context.last_query or previous.title} {text}"
        inherited = dict(previous.facets)
        if previous.program != "general":
            inherited["program"] = previous.program
        inherited.update(facets)
        second = self.retriever.search(combined, override=inherited)
        best, first_best = second.best, result.best
        if best is None:
            return None
        if result.outcome != "answer" or (first_best is not None and best.score > first_best.score):
            return second, combined
        return None

    # -- formatting ------------------------------------------------------------------------------

    def format_entry(self, entry: Entry) -> str:
        title = self.kb.source_title(entry.source)
        return f"{entry.answer}\n\n📄 出處：{title}（{entry.source.file[:3]}）{entry.source.section}"

    def fallback_text(self, norm: str) -> str:
        program = query_facets(norm).get("program", "digital_cluster")
        contact = self.kb.contacts.get(program) or next(iter(self.kb.contacts.values()))
        return (
            "抱歉，這個問題我沒有把握回答，不想給您錯誤的資訊。\n"
            f"建議直接洽詢{contact.name}：\n"
            f"📞 {contact.phone}\n"
            f"✉️ {contact.email}\n"
            f"🌐 {contact.url}\n"
            "也可以換個說法再問我一次，例如「A類截止是哪天？」或「竹山鎮是第幾分群？」。"
        )

    def _from_result(self, result: Result, resolved: str) -> Answer:
        candidates = tuple((h.entry.id, h.score) for h in result.hits[:3])
        best = result.best
        if result.outcome == "answer" and best is not None:
            return Answer("faq", self.format_entry(best.entry), best.entry, best.score, (), resolved, candidates)
        if result.outcome == "suggest" and best is not None:
            picks: list[Entry] = []
            for hit in result.hits:
                if hit.score >= self.retriever.suggest_threshold * 0.8 and hit.entry not in picks:
                    picks.append(hit.entry)
                if len(picks) == 3:
                    break
            lines = "\n".join(f"{i}. {e.title}" for i, e in enumerate(picks, 1))
            text = f"您是想問下列哪一個問題呢？請點選：\n{lines}"
            choices = tuple(Choice(e.title, "faq", {"e": e.id}) for e in picks)
            choices += (Choice("都不是", "none"),)
            return Answer("suggest", text, None, best.score, choices, resolved, candidates)
        score = best.score if best else 0.0
        return Answer("fallback", self.fallback_text(normalize(resolved, self.kb.vocabulary)), None, score, (), resolved, candidates)
