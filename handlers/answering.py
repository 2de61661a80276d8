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
from knowledge.retrieval import Hit, Result, Retriever, query_facets
from knowledge.townships import TIER_NAMES, TownshipIndex, TownMatch

__all__ = ["Answer", "Assistant", "Choice", "Context"]

Kind = Literal["faq", "suggest", "fallback", "lookup", "clarify"]

_FOLLOW_UP = re.compile(r"^(那麼?|那如果|如果是|至於|換成|改成|還有|另外|那要|那是)")
_FACET_ONLY = re.compile(r"^(那麼?|如果是|至於|換成|改成)?(a類|b類|國際主題聯盟|國際|聯盟|數位群聚|群聚)(的話|呢|咧|勒)?$")
_CLASS_WORDS = re.compile(r"[AaBbＡＢａｂ]\s*[類类案組]")
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
        """Whether the question leans on the previous one ("那B類呢?", "要幾家?").

        A question holding words the knowledge base never uses ("明天會下雨嗎") is a new topic,
        never a follow-up: borrowing the last topic would turn it into a confident wrong answer.
        """
        if self.retriever.unseen_share(result.query) > 0:
            return False
        return self._elliptical(result.query) or result.outcome != "answer"

    @staticmethod
    def _elliptical(norm: str) -> bool:
        return bool(_FOLLOW_UP.search(norm)) or len(norm) <= 5

    def _follow_up(
        self, text: str, result: Result, previous: Entry, context: Context
    ) -> tuple[Result, str] | None:
        norm = result.query
        facets = query_facets(norm)
        if _FACET_ONLY.match(norm) and "class" in facets:
            sibling = self.retriever.sibling(previous, facets)
            if sibling is not None:
                return Result("answer", (Hit(sibling, 100.0),), norm, facets), sibling.title
        inherited = dict(previous.facets)
        if previous.program != "general":
            inherited["program"] = previous.program
        if facets.get("program") and facets["program"] != inherited.get("program"):
            inherited.pop("class", None)  # the other program has no A/B classes
        inherited.update(facets)
        if _FACET_ONLY.match(norm):
            # Only the class or program changed: ask the previous question again with it.
            earlier = context.last_query or previous.title
            if "class" not in inherited:
                earlier = _CLASS_WORDS.sub("", earlier)
            query = f"{_FOLLOW_UP.sub('', norm)} {earlier}"
        else:
            # The new words carry the topic; the previous answer only lends its class/program.
            query = text
        second = self.retriever.search(query, override=inherited)
        best, first_best = second.best, result.best
        if best is None or second.outcome == "fallback":
            return None
        if self._elliptical(norm) or first_best is None or best.score > first_best.score + 5:
            return second, query
        return None

    # -- formatting ------------------------------------------------------------------------------

    def format_entry(self, entry: Entry) -> str:
        return self.format_entries([entry])

    def format_entries(self, entries: list[Entry]) -> str:
        """Answers followed by their sources (file and section), each source cited once."""
        citations: list[str] = []
        for entry in entries:
            cite = f"{self.kb.source_title(entry.source)}（{entry.source.file[:3]}）{entry.source.section}"
            if cite not in citations:
                citations.append(cite)
        body = "\n\n".join(e.answer for e in entries)
        return body + "\n\n" + "\n".join(f"📄 出處：{c}" for c in citations)

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
            entries = [best.entry]
            if best.entry.facets.get("class") and "class" not in result.facets:
                # "遴選會議什麼時候?" names no class: give both classes' rule rather than guess.
                other = "B" if best.entry.facets["class"] == "A" else "A"
                sibling = self.retriever.sibling(best.entry, {"class": other})
                if sibling is not None:
                    entries = sorted([best.entry, sibling], key=lambda e: e.facets["class"])
            text = self.format_entries(entries)
            return Answer("faq", text, best.entry, best.score, (), resolved, candidates)
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
