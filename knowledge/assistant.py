"""The assistant: a message (and the conversation so far) in, what to say back out.

This is the product's core. It knows nothing about LINE or the database, so the webhook, the
command line (``python -m bot ask``) and the benchmarks answer through exactly the same code.
What it needs from outside — the program calendar staff edit, and today's date — is passed in.

A message goes through these steps, each a small module of its own:

1. social turns (:mod:`knowledge.social`): thanks, greetings, complaints… get a short reply;
2. splitting (:mod:`knowledge.splitting`): up to :data:`MAX_QUESTIONS` questions, each answered;
3. per question, in the question's language (:mod:`knowledge.language`):
   a township named anywhere → its 附件三 tier (:mod:`knowledge.townships`);
   another year, another program, an unknowable fact → an honest near miss (:mod:`knowledge.scope`);
   otherwise retrieval (:mod:`knowledge.retrieval`) with follow-up context, and a question
   that fits both programs equally asks which one;
4. every date an answer states is read from the calendar at answer time, and a date already
   past says so (:mod:`knowledge.calendar`).
"""
from __future__ import annotations

import copy
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal

from rapidfuzz import fuzz, process

from knowledge.calendar import Dated, load_calendar, milestone_kind, say_date
from knowledge.chinese import ChineseAnalyzer
from knowledge.english import EnglishAnalyzer
from knowledge.labels import TAIPEI
from knowledge.language import HAN, Lang, language_of
from knowledge.loader import Entry, KnowledgeBase
from knowledge.phonetic import load_phonetics
from knowledge.retrieval import Fields, Hit, Result, Retriever
from knowledge.scope import (
    RELATIVE_CONCEPT,
    NearMiss,
    ScopeGuard,
    without_years,
    years_in,
)
from knowledge.social import PRIORITY, SocialMatch, SocialTurns
from knowledge.splitting import asking_clause, split_questions
from knowledge.townships import TownMatch, TownshipIndex

__all__ = ["MAX_QUESTIONS", "Answer", "Assistant", "Choice", "Context", "Response"]

Kind = Literal["faq", "suggest", "fallback", "lookup", "clarify", "social"]

#: Questions answered from one message; LINE allows five messages per reply.
MAX_QUESTIONS = 3
#: How close (rapidfuzz ratio, 0–100) a question must be to one staff marked out of scope to share its fate.
OUT_OF_SCOPE_SIMILARITY = 85

_FOLLOW_UP = re.compile(r"^(那麼?|那如果|如果是|至於|換成|改成|還有|另外|那要|那是)")
_FACET_ONLY = re.compile(r"^(那麼?|如果是|至於|換成|改成)?(?:(?:a類|b類|國際主題聯盟|國際|聯盟|數位群聚|群聚)的?){1,2}(的話|呢|咧|勒)?$")
_CLASS_WORDS = re.compile(r"[AaBbＡＢａｂ]\s*[類类案組]|(?i:\b(?:category|type|class|track|cat\.?)\s*[ab]\b)")
#: How each program is named in a question: when a follow-up switches program («what about the
#: digital cluster?»), the earlier question is asked again without the old program's name.
_PROGRAM_WORDS = {
    "intl_alliance": re.compile(r"國際主題聯盟|國際聯盟|主題聯盟|国际主题联盟|国际联盟|(?i:\b(?:international\s+)?(?:theme\s+)?alliances?\b)"),
    "digital_cluster": re.compile(r"數位群聚|数位群聚|(?i:\bdigital\s+clusters?\b)"),
}
_FOLLOW_UP_EN = re.compile(r"^\s*(and|what about|how about|what if|also|then|same for|and for|for)\b", re.IGNORECASE)
_TOWNSHIP_SOURCE = ("001_83813cbc4ebfc095.txt", "附件三、鄉鎮市區數位發展分類列表")
_PLACEHOLDER = re.compile(r"\{\{date:([a-z0-9-]+)\}\}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_MEANINGFUL = re.compile(r"[0-9A-Za-z\u3400-\u9fff]")
_MIXED = re.compile(r"[A-Za-z]{3,}")
#: A clause searched alone must say this much (content characters or English words), and the
#: whole message must already give its entry this confidence: the story has to agree with the clause.
_FOCUS_UNITS = 2
_FOCUS_AGREEMENT = 25.0
#: A clause read without its story is a partial reading: its answer must be surer than a whole
#: question's (45).
_FOCUS_CONFIDENCE = 52.0
#: Or, failing that, the whole message and its clause rank the same entry first, the clause at
#: least as sure as a suggestion and the whole message this sure: two readings agree.
_CONSENSUS_WHOLE = 30.0
#: ... and only when the story is a real part of the message (this share of its content), or the
#: two readings are nearly one («好的，但你答錯了») and their agreement says nothing.
_CONSENSUS_STORY = 0.4
#: Two answers of a near tie are given together only while they stay well inside one LINE text.
_PAIR_LIMIT = 3500


def _lang_tag(lang: Lang) -> dict[str, str]:
    """What a quick reply carries so that tapping it answers in the language it was offered in."""
    return {"l": "en"} if lang == "en" else {}


#: Fallbacks that say something true: another year, another program, a fact no document gives.
NEAR_MISS_KINDS = ("year", "other_program", "unknowable")


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
    lang: Lang = "zh"
    intent: str | None = None  # social turns: thanks, complaint, human…; near misses: year, other_program…
    menu: bool = False  # offer the topic menu with this answer
    program: str | None = None  # the program the answer is about, when known

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


@dataclass(frozen=True)
class Response:
    """Everything said back to one message: one answer per question, in order."""

    answers: tuple[Answer, ...]
    context: Context

    @property
    def lang(self) -> Lang:
        return self.answers[0].lang if self.answers else "zh"

    @property
    def outcome(self) -> str:
        """One word for the whole reply: answer, clarify, suggest, social or fallback."""
        kinds = {a.kind for a in self.answers}
        if kinds & {"faq", "lookup"}:
            return "answer"
        for kind in ("clarify", "suggest", "social"):
            if kind in kinds:
                return kind
        return "fallback"

    @property
    def text(self) -> str:
        return "\n\n".join(a.text for a in self.answers)


def _zh_fields(entry: Entry) -> Fields:
    return Fields([*entry.questions, entry.title], entry.keywords, entry.answer)


def _en_fields(entry: Entry) -> Fields | None:
    if entry.en is None:
        return None
    return Fields([*entry.en.questions, entry.en.title], entry.en.keywords, entry.en.answer)


def _shipped_milestones() -> Sequence[Dated]:
    return load_calendar().milestones


def _now() -> datetime:
    return datetime.now(TAIPEI)


class Assistant:
    """Turns a message (plus the previous topic) into a :class:`Response`."""

    def __init__(
        self,
        kb: KnowledgeBase,
        *,
        milestones: Callable[[], Sequence[Dated]] = _shipped_milestones,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self.kb = kb
        self.milestones = milestones
        self.clock = clock
        phonetics = load_phonetics()
        # English answers are long and mention many words, so similarity runs higher: a higher bar.
        self.en = Retriever(kb, EnglishAnalyzer(kb.english), _en_fields, answer_threshold=48.0, suggest_threshold=40.0)
        english_words = frozenset(self.en.analyzer._surface)  # type: ignore[attr-defined]
        self.zh = Retriever(kb, ChineseAnalyzer(kb.vocabulary, glossary=kb.english.to_chinese, phonetics=phonetics,
                                                english_words=english_words), _zh_fields)
        self.retriever = self.zh
        plain_english = frozenset(
            w for w in (*kb.english.stopwords, *kb.english.question_words, *kb.english.synonyms)
            if " " not in w
        )
        self.townships = TownshipIndex(kb.townships, kb.romanized, english_words=plain_english)
        self.social = SocialTurns(kb.social)
        corpus = [e.answer for e in kb.entries] + [q for e in kb.entries for q in e.questions]
        self.scope = ScopeGuard(kb, corpus)
        self._parallel = {a: b for a, b in kb.parallel} | {b: a for a, b in kb.parallel}
        self._scope_marks = {side: [n for n in (r.normalize(t) for t in kb.out_of_scope) if n]
                             for side, r in (("zh", self.zh), ("en", self.en))}

    def using(self, *, milestones: Callable[[], Sequence[Dated]] | None = None,
              clock: Callable[[], datetime] | None = None) -> Assistant:
        """The same assistant (same indexes, built once) reading another calendar or clock."""
        twin = copy.copy(self)
        if milestones is not None:
            twin.milestones = milestones
        if clock is not None:
            twin.clock = clock
        return twin

    def _out_of_scope(self, norm: str, lang: Lang) -> bool:
        """Staff marked a question like this one as outside what the assistant answers."""
        marks = self._scope_marks.get(lang) or []
        if not marks or len(norm) < 2:
            return False
        return process.extractOne(norm, marks, scorer=fuzz.ratio, score_cutoff=OUT_OF_SCOPE_SIMILARITY) is not None

    def retriever_for(self, lang: Lang) -> Retriever:
        return self.en if lang == "en" else self.zh

    # -- entry points ----------------------------------------------------------------------------

    def respond(self, text: str, context: Context | None = None) -> Response:
        """Every question of a message answered in order (social turns and chit-chat included)."""
        context = context or Context()
        text = _CONTROL.sub("", text or "")[:2000]
        lang = language_of(text)
        if not _MEANINGFUL.search(text):
            return Response((self._empty(lang),), context)
        social = self.social.match(text)
        if social is not None:
            return Response((self._social(social, lang, context),), context)
        questions = split_questions(text)
        if questions and all(self.social.match(q) is not None for q in questions):
            matches = [self.social.match(q) for q in questions]
            best = min(matches, key=lambda m: PRIORITY.index(m.intent) if m and m.intent in PRIORITY else 99)
            return Response((self._social(best, lang, context),), context)  # type: ignore[arg-type]
        if len(questions) <= 1:
            answer = self.answer(text, context, lang=lang)
            if answer.kind in ("fallback", "suggest") and answer.intent is None:
                cue = self.social.cue(text)
                if cue is not None and len(_MEANINGFUL.findall(self.social.residue(text))) <= 6:
                    return Response((self._social(cue, lang, context),), context)
            return Response((answer,), self._next_context(context, answer))
        answers: list[Answer] = []
        ctx = context
        merged: set[int] = set()
        for n, question in enumerate(questions):
            if n in merged or self.social.match(question) is not None:
                continue  # «謝謝！那B類呢？»: the thanks needs no answer of its own
            answer = self.answer(question, ctx, lang=lang)
            if answer.intent == "year" and not self.scope.relative_only(question):
                # «115年聯盟還有辦嗎？收件到幾號？»: what follows asks about that year too, so it is
                # one near miss (with the fact we hold for our year), not an old date stated as current.
                # («去年有參加，今年想報B類» is a story told in relative years, not a year asked.)
                rest = [m for m in range(n + 1, len(questions)) if not years_in(questions[m], self.clock().date())]
                if rest:
                    merged.update(rest)
                    answer = self.answer("".join([question, *(questions[m] for m in rest)]), ctx, lang=lang)
            ctx = self._next_context(ctx, answer)
            if answer.entry_id and any(a.entry_id == answer.entry_id and a.resolved_query == answer.resolved_query
                                       or a.entry_id == answer.entry_id and a.kind == "faq" for a in answers):
                continue  # two halves of one question («截止是哪天？幾點前？»); two towns are two answers
            answers.append(answer)
        # A near miss is an answer too («SBIR呢？» beside a rule we hold): only a piece we cannot
        # place at all is dropped.
        useful = [a for a in answers if a.kind != "fallback" or a.intent in NEAR_MISS_KINDS
                  and not (a.intent == "year" and self.scope.relative_only(a.resolved_query))]
        if not any(a.kind != "fallback" for a in useful):
            # None of the pieces is a question we know: perhaps the whole message is one.
            answer = self.answer(text, context, lang=lang)
            return Response((answer,), self._next_context(context, answer))
        if len(useful) > MAX_QUESTIONS:
            note = self.kb.text(lang, "more_questions").format(n=MAX_QUESTIONS)
            useful = useful[:MAX_QUESTIONS]
            useful[-1] = replace(useful[-1], text=f"{useful[-1].text}\n\n{note}")
        return Response(tuple(useful), ctx)

    def answer(self, text: str, context: Context | None = None, *, lang: Lang | None = None,
               program: str | None = None) -> Answer:
        """One question: a tier lookup, a near miss, an FAQ answer, suggestions or the fallback.

        ``program`` is set when the user already said which program they mean (a tapped
        「數位群聚／國際主題聯盟」 choice).
        """
        context = context or Context()
        text = _CONTROL.sub("", text or "")
        lang = lang or language_of(text)
        if not _MEANINGFUL.search(text):
            return self._empty(lang)
        retriever = self.retriever_for(lang)
        previous = self.kb.entry(context.last_entry_id) if context.last_entry_id else None
        lookup = self.township_answer(text, lang)
        if lookup is not None:
            return lookup
        places = self.townships.find(text)
        if places:
            text = self._without_places(text, places)  # «我在竹山鎮開店，A類截止是哪天？»: the question is the rest
        norm = retriever.normalize(text)
        facets = retriever.analyzer.facets(norm)
        asked_program = program or facets.get("program") or ("digital_cluster" if "class" in facets else None)
        if asked_program is None and previous is not None and previous.program != "general" and self._elliptical(text, norm, lang):
            asked_program = previous.program
        if self._out_of_scope(norm, lang):
            return Answer("fallback", self.fallback_text(text, lang, asked_program), None, 0.0, resolved_query=text,
                          lang=lang, intent="out_of_scope", program=asked_program)
        override: dict[str, str] | None = {"program": program} if program else None
        if override is None and previous is not None and previous.program != "general" and "program" not in facets:
            override = {"program_prior": previous.program}  # the conversation's program, softly
        named = self.scope.known_years(asked_program) & set(years_in(text, self.clock().date()))
        if len(named) == 1:  # «112年的規定»: that year's entries, even after a newer year is published
            override = {**(override or {}), "year": str(next(iter(named)))}
        result = self._search(text, lang, override)
        near = self.scope.check(text, program=asked_program, today=self.clock().date())
        if near is not None and not self._year_is_the_rule(near, text, result):
            return self._near_miss(near, text, lang, asked_program)
        resolved = text
        if previous is not None and program is None and self._is_follow_up(result, text, lang, previous):
            follow = self._follow_up(text, result, previous, context, lang)
            if follow is not None:
                result, resolved = follow
        in_conversation = previous is not None and previous.program != "general"
        if program is None and asked_program is None and "program" not in result.facets and not in_conversation:
            both = self._both_programs(result, text, lang, resolved)
            if both is not None:
                return both
        talked_about = previous.program if previous is not None and previous.program != "general" else None
        return self._from_result(result, resolved, lang, program=asked_program or talked_about)

    def entry_answer(self, entry_id: str, lang: Lang = "zh") -> Answer | None:
        """The answer for a tapped suggestion."""
        entry = self.kb.entry(entry_id)
        if entry is None:
            return None
        return Answer("faq", self.format_entries([entry], lang), entry, 100.0, resolved_query=entry.title, lang=lang,
                      program=entry.program)

    def tier_answer(self, county: str, town: str, lang: Lang = "zh") -> Answer | None:
        """The answer for a tapped 「which city?」 choice."""
        township = self.townships.get(county, town)
        if township is None:
            return None
        return self._tier(township, lang)

    # -- social turns ----------------------------------------------------------------------------

    def _empty(self, lang: Lang) -> Answer:
        return Answer("social", self.kb.text(lang, "empty"), lang=lang, intent="empty", menu=True)

    def _social(self, social: SocialMatch, lang: Lang, context: Context) -> Answer:
        spec = social.spec
        text = spec.reply_en if lang == "en" else spec.reply_zh
        program = None
        if context.last_entry_id and (previous := self.kb.entry(context.last_entry_id)) is not None:
            program = previous.program if previous.program != "general" else None
        if spec.contact:
            text = f"{text}\n{self.contact_text(lang, program)}"
        return Answer("social", text, lang=lang, intent=social.intent, menu=spec.menu, program=program)

    # -- township lookups ------------------------------------------------------------------------

    def township_answer(self, text: str, lang: Lang = "zh") -> Answer | None:
        """The tier of a township named anywhere in the question, when the question is about it.

        A township inside a sentence is looked up when the question is about tiers, bonus points
        or remoteness, or is little more than the name; a question that merely mentions where
        the shop is («我在竹山鎮，A類截止是哪天？») is answered as the question it is.
        """
        matches = self.townships.find(text)
        roman = not matches
        if roman:
            matches = self.townships.find_romanized(text)
        if not matches:
            return None
        asks = self.townships.asks_for_tier(text)
        residue = self.townships.romanized_residue(text) if roman else self.townships.residue(text)
        bare = len(_MEANINGFUL.findall(residue)) <= (12 if roman else 2)
        explicit = any(m.explicit_suffix for m in matches)
        if not asks and not (bare and (explicit or len(matches) == 1)):
            # Only a mention: answer the question itself unless we cannot.
            retriever = self.retriever_for(lang)
            result = retriever.search(residue if roman else self._without_places(text, matches))
            if result.outcome == "answer" and result.best and result.best.entry.topic != "bonus-tier":
                return None
            if not explicit and (not roman or len(matches) > 1):
                # 「成功的案例」, 「和平相處」: a Chinese word that is also a town's name is not a place
                # (a romanized name — «Hsin-she», not an English word — still is).
                return None
        remote = bool(re.search(r"偏鄉|偏遠|鄉下|remote|rural", text, re.IGNORECASE))
        names = Counter(m.township.town for m in matches)
        if all(n == 1 for n in names.values()) and len(matches) <= 5:
            # Each name is one place (「雲林縣崙背鄉跟雲林縣大埤鄉」): every tier, in the order asked.
            ordered = sorted(matches, key=lambda m: (text.find(m.township.town[:2]) + 1) or len(text))
            return self._tier([m.township for m in ordered], lang, remote=remote)
        return self._clarify_town(matches, lang)

    @staticmethod
    def _without_places(text: str, matches: list[TownMatch]) -> str:
        for m in matches:
            for name in (m.township.county + m.township.town, m.township.town, m.township.county):
                text = text.replace(name, " ").replace(name.replace("臺", "台"), " ")
        return text

    def _tier(self, townships, lang: Lang, *, remote: bool = False) -> Answer:  # type: ignore[no-untyped-def]
        """The tier of one township, or of several named together, with what a tier means."""
        kb = self.kb
        names = kb.text(lang, "tier_names")
        zh_names = kb.text("zh", "tier_names")
        townships = townships if isinstance(townships, list) else [townships]
        parts = []
        for township in townships:
            line = kb.text(lang, "tier").format(
                county=township.county, town=township.town, tier=township.tier,
                tier_name=zh_names.get(township.tier, ""), tier_name_en=names.get(township.tier, ""),
                town_en=self._english_town(township),
            )
            parts += [line, kb.text(lang, "tier_bonus" if township.tier >= 3 else "tier_no_bonus")]
        if remote:
            parts.append(kb.text(lang, "tier_remote"))
        source = kb.sources.get(_TOWNSHIP_SOURCE[0], {})
        title = source.get(lang) or source.get("zh", "")
        parts.append(f"\n{kb.text(lang, 'source')}{title}（{_TOWNSHIP_SOURCE[0][:3]}）{_TOWNSHIP_SOURCE[1]}")
        return Answer("lookup", "\n".join(parts), None, 100.0,
                      resolved_query="、".join(f"{t.county}{t.town}" for t in townships), lang=lang, program="digital_cluster")

    def _english_town(self, township) -> str:  # type: ignore[no-untyped-def]
        for row in self.kb.romanized:
            if row.kind == "town" and row.county == township.county and row.town == township.town and row.spellings:
                hanyu = next((s for s in row.spellings if "district" not in s), row.spellings[0])
                return hanyu.capitalize()
        return township.town

    def _clarify_town(self, matches: list[TownMatch], lang: Lang) -> Answer:
        towns = sorted({m.township.town for m in matches})
        tag = _lang_tag(lang)
        choices = tuple(
            Choice(f"{m.township.county}{m.township.town}"[:20], "town", {"c": m.township.county, "t": m.township.town, **tag})
            for m in matches[:13]
        )
        text = self.kb.text(lang, "clarify_town").format(towns="、".join(towns))
        return Answer("clarify", text, None, 0.0, choices, lang=lang)

    # -- near misses -----------------------------------------------------------------------------

    def _near_miss(self, near: NearMiss, text: str, lang: Lang, program: str | None) -> Answer:
        kb = self.kb
        contact = self.contact_text(lang, program)
        if near.kind == "other_program":
            body = kb.text(lang, "other_program").format(name=near.detail, contact=contact)
        elif near.kind == "unknowable":
            body = kb.text(lang, "unknowable").format(contact=contact)
        else:
            asked = int(near.detail)
            known = max(near.known_years) if near.known_years else 0
            parts = [kb.text(lang, "year_unknown").format(asked=asked, asked_ad=asked + 1911, known=known,
                                                          known_ad=known + 1911)]
            rest = without_years(text)
            result = self.retriever_for(lang).search(rest, override={"program": program} if program else None)
            threshold = self.retriever_for(lang).answer_threshold + 10
            if result.outcome == "answer" and result.best is not None and result.best.entry.year == known \
                    and result.best.score >= threshold:
                fact = self._verdict(self.render(self._body(result.best.entry, lang), lang)[0])
                parts.append(kb.text(lang, "year_known_fact").format(known=known, known_ad=known + 1911, fact=fact))
            parts.append(kb.text(lang, "year_check").format(asked=asked, asked_ad=asked + 1911, contact=contact))
            body = "\n".join(parts)
        return Answer("fallback", body, None, 0.0, resolved_query=text, lang=lang, intent=near.kind, program=program)

    def _year_is_the_rule(self, near: NearMiss, text: str, result: Result) -> bool:
        """«去年有受過輔導的可以嗎»: 去年 is part of a rule about the previous year, not a year asked.

        In «去年有參加，今年想繼續報B類» 今年 only frames the story (the year one applies in, which
        every rule assumes): beside another relative year that a confidently found rule is about,
        it needs no match. («去年有辦，今年還有嗎», with no such rule found, still asks about 今年.)"""
        if near.kind != "year" or not self.scope.relative_only(text):
            return False
        best = result.best
        if best is None or result.outcome == "fallback":
            return False
        answers = [best.entry.answer] + ([best.entry.en.answer] if best.entry.en else [])
        offsets = set(self.scope.relative_offsets(text, self.clock().date()))
        if len(offsets) > 1 and result.outcome == "answer":
            offsets.discard(0)
        patterns = [RELATIVE_CONCEPT.get(o) for o in offsets]
        return all(p is not None for p in patterns) and all(any(p.search(a) for a in answers) for p in patterns)  # type: ignore[union-attr]

    def _search(self, text: str, lang: Lang, override: dict[str, str] | None = None) -> Result:
        """Search the question's language; a mixed question («B類 cluster 要幾家 members») is
        searched on both sides and the surer result wins."""
        result = self._search_side(text, lang, override)
        if result.outcome == "answer":
            return result
        focused = self._focus(text, lang, result, override)
        return focused or result

    def _focus(self, text: str, lang: Lang, whole: Result, override: dict[str, str] | None) -> Result | None:
        """The question's own clause, when the story around it drowns it out.

        «我們想幾家公司一起組聯盟去馬來西亞賣保健食品，至少要幾家？»: the clause that asks is
        «至少要幾家», read with the program and class the whole message names. Its answer is taken
        only when the whole message already ranks that entry among its best three — the story
        must agree with the clause, or a short clause could match anything. When neither reading
        alone is sure enough, both putting the same entry first is taken as agreement enough.
        """
        clause = asking_clause(text)  # one extra search at most
        if clause is None or not whole.hits:
            return None
        retriever = self.retriever_for(lang)
        # In Chinese, an unseen Latin word or two unseen characters may name the story's topic. In
        # English every word is Latin and an unseen one is as often an everyday word (ahead, bubble
        # tea) as a name: foreign() below judges the share of such words instead.
        unseen = ([u for u in retriever.content_units(whole.query) if u not in retriever.known]
                  if retriever.analyzer.lang == "zh" else [])
        if (any(not HAN.match(u) for u in unseen) or len(unseen) >= 2
                or retriever.analyzer.foreign(whole.query, retriever.known)):
            # The story names something we never speak of (ISO認證): it may be the topic. One stray
            # character (隔「壁」) is only a word we lack.
            return None
        if len(retriever.content_units(retriever.normalize(clause))) < _FOCUS_UNITS:
            return None  # «這樣可以嗎» says too little to be searched alone
        facets = {k: v for k, v in whole.facets.items() if k in ("program", "class")}
        focused = self._search_side(clause, lang, {**facets, **(override or {})})
        best = focused.best
        if focused.outcome == "answer" and best is not None and best.score >= _FOCUS_CONFIDENCE and any(
                h.entry.id == best.entry.id and h.score >= _FOCUS_AGREEMENT for h in whole.hits[:3]):
            return focused
        units = len(retriever.content_units(whole.query))
        story = units - len(retriever.content_units(focused.query))
        if (best is not None and whole.best is not None and best.entry.id == whole.best.entry.id
                and story >= _CONSENSUS_STORY * units
                and best.score >= retriever.suggest_threshold and whole.best.score >= _CONSENSUS_WHOLE):
            return replace(focused, outcome="answer")
        return None

    def _search_side(self, text: str, lang: Lang, override: dict[str, str] | None = None) -> Result:
        result = self.retriever_for(lang).search(text, override=override)
        if not _MIXED.search(text) or not re.search(r"[\u3400-\u9fff]{2}", text):
            return result
        other = self.retriever_for("zh" if lang == "en" else "en").search(text, override=override)
        if other.best is not None and (result.best is None or other.best.score > result.best.score + 3):
            return other
        return result

    @staticmethod
    def _verdict(text: str) -> str:
        """The opening of an answer: its first lines, until they say something (≥ 40 characters)."""
        lines: list[str] = []
        for line in (line.strip() for line in text.splitlines()):
            if line:
                lines.append(line)
            if sum(map(len, lines)) >= 40 or len(lines) == 4:
                break
        joined = "\n".join(lines)
        return joined if len(joined) <= 300 else joined[:299] + "…"

    # -- follow-ups ------------------------------------------------------------------------------

    def _is_follow_up(self, result: Result, text: str, lang: Lang, previous: Entry | None = None) -> bool:
        """Whether the question leans on the previous one ("那B類呢?", "要幾家?", "what about B?").

        A question holding words the knowledge base never uses ("明天會下雨嗎") is a new topic,
        never a follow-up: borrowing the last topic would turn it into a confident wrong answer.
        A question that does not name a program but lands in the other program than the
        conversation's («幾點前要送出？» after A類's deadline) is read in the conversation's.
        """
        retriever = self.retriever_for(lang)
        if retriever.unseen_share(result.query) > 0:
            return False
        return (self._elliptical(text, result.query, lang) or result.outcome != "answer"
                or self._strays(result, previous))

    @staticmethod
    def _strays(result: Result, previous: Entry | None) -> bool:
        best = result.best
        return (previous is not None and best is not None and previous.program != "general"
                and best.entry.program not in ("general", previous.program) and "program" not in result.facets)

    @staticmethod
    def _elliptical(text: str, norm: str, lang: Lang) -> bool:
        if lang == "en":
            return bool(_FOLLOW_UP_EN.search(text)) or len(norm.split()) <= 2
        return bool(_FOLLOW_UP.search(norm)) or len(norm) <= 5

    @staticmethod
    def _bare_class(text: str) -> str | None:
        """«and for B?», «what about A»: a lone capital A or B after a follow-up word is a class."""
        match = re.search(r"^\s*(?:and|what about|how about|and for|for|what if it.?s|same for)\s+(?:the\s+)?([AB])\b(?!\s*[a-z])",
                          text)
        return match.group(1) if match else None

    def _facet_only(self, text: str, norm: str, lang: Lang) -> bool:
        if lang == "en":
            facet_words = {"cata", "catb", "alliance", "cluster", "overseas", "what", "how"}
            return bool(norm.split()) and set(norm.split()) <= facet_words and bool(_FOLLOW_UP_EN.search(text) or len(norm.split()) <= 2)
        return bool(_FACET_ONLY.match(norm))

    def _follow_up(
        self, text: str, result: Result, previous: Entry, context: Context, lang: Lang
    ) -> tuple[Result, str] | None:
        retriever = self.retriever_for(lang)
        norm = result.query
        facets = retriever.analyzer.facets(norm)
        facet_only = self._facet_only(text, norm, lang)
        if lang == "en" and "class" not in facets and (letter := self._bare_class(text)):
            facets["class"], facet_only = letter, True
        if facet_only and "class" in facets:
            sibling = retriever.sibling(previous, facets)
            if sibling is not None:
                title = sibling.en.title if lang == "en" and sibling.en else sibling.title
                return Result("answer", (Hit(sibling, 100.0),), norm, facets), title
        inherited = dict(previous.facets)
        if previous.program != "general":
            inherited["program"] = previous.program
        if facets.get("program") and facets["program"] != inherited.get("program"):
            inherited.pop("class", None)  # the other program has no A/B classes
        inherited.update(facets)
        if facet_only:
            # Only the class or program changed: ask the previous question again with it.
            if context.last_query and language_of(context.last_query) == lang:
                earlier = context.last_query
            else:
                earlier = previous.en.title if lang == "en" and previous.en else previous.title
            if "class" not in inherited:
                earlier = _CLASS_WORDS.sub("", earlier)
            if facets.get("program") and previous.program in _PROGRAM_WORDS and facets["program"] != previous.program:
                earlier = _PROGRAM_WORDS[previous.program].sub(" ", earlier)
            query = earlier
        else:
            # The new words carry the topic; the previous answer only lends its class/program.
            query = text
        second = retriever.search(query, override=inherited)
        best, first_best = second.best, result.best
        if best is not None and second.outcome == "fallback" and self._strays(result, previous) \
                and best.entry.program == previous.program and best.score >= 0.85 * retriever.suggest_threshold:
            # Not sure enough to answer, but surer than jumping to the other program: offer it.
            return Result("suggest", second.hits, second.query, second.facets), query
        if best is None or second.outcome == "fallback":
            return None
        if self._elliptical(text, norm, lang) or first_best is None or best.score > first_best.score + 5 \
                or self._strays(result, previous):
            return second, query
        return None

    # -- both programs ---------------------------------------------------------------------------

    def _both_programs(self, result: Result, text: str, lang: Lang, resolved: str) -> Answer | None:
        """A question that names neither program, on a topic both have («申請要準備什麼資料？»):
        both programs' rules, side by side, each under its name — never one of them silently."""
        best = result.best
        if best is None or result.outcome != "answer":
            return None
        counterpart = self._parallel.get(best.entry.topic)
        if counterpart is None:
            return None
        other_program = "intl_alliance" if best.entry.program == "digital_cluster" else "digital_cluster"
        other = self.retriever_for(lang).search(resolved, override={"program": other_program})
        rival = next((h.entry for h in other.hits if h.entry.topic == counterpart), None)
        if rival is None:
            rival = next((e for e in self.kb.entries if e.topic == counterpart), None)
        if rival is None:
            return None
        first = self._from_result(result, resolved, lang)
        labels = self.kb.text(lang, "program_labels")
        second_text = self.format_entries([rival], lang)
        text_out = (f"【{labels.get(best.entry.program, '')}】\n{first.text}\n\n"
                    f"【{labels.get(other_program, '')}】\n{second_text}")
        if best.entry.program == "intl_alliance":
            text_out = (f"【{labels.get(other_program, '')}】\n{second_text}\n\n"
                        f"【{labels.get(best.entry.program, '')}】\n{first.text}")
        return replace(first, text=text_out, intent="both_programs")

    # -- formatting ------------------------------------------------------------------------------

    def _body(self, entry: Entry, lang: Lang) -> str:
        return entry.en.answer if lang == "en" and entry.en is not None else entry.answer

    def format_entry(self, entry: Entry, lang: Lang = "zh") -> str:
        return self.format_entries([entry], lang)

    def format_entries(self, entries: list[Entry], lang: Lang = "zh", *, headed: bool = False) -> str:
        """Answers, their dates read from the calendar, then their sources, each cited once."""
        citations: list[str] = []
        for entry in entries:
            cite = f"{self.kb.source_title(entry.source, lang)}（{entry.source.file[:3]}）{entry.source.section}"
            if cite not in citations:
                citations.append(cite)
        body, notes = self.render("\n\n".join((f"【{self._title(e, lang)}】\n" if headed else "") + self._body(e, lang)
                                               for e in entries), lang)
        label = self.kb.text(lang, "source")
        tail = "\n".join(f"{label}{c}" for c in citations)
        return body + ("\n\n" + "\n".join(notes) if notes else "") + "\n\n" + tail

    def render(self, text: str, lang: Lang) -> tuple[str, list[str]]:
        """Fill ``{{date:ID}}`` from the calendar; notes say when the dates are past or superseded."""
        ids = _PLACEHOLDER.findall(text)
        if not ids:
            return text, []
        milestones = {m.id: m for m in self.milestones()}
        shipped = {m.id: m for m in _shipped_milestones()}
        now = self.clock()
        used: list[Dated] = []

        def fill(match: re.Match[str]) -> str:
            milestone = milestones.get(match.group(1)) or shipped.get(match.group(1))
            if milestone is None:
                return "（日期請見最新公告）" if lang == "zh" else "(see the latest announcement)"
            used.append(milestone)
            return say_date(milestone, lang)

        text = _PLACEHOLDER.sub(fill, text)
        notes: list[str] = []
        past = [m for m in used if m.at < now]
        if past and len(past) == len(used):
            years = "、".join(str(y) for y in sorted({m.year for m in past}))
            notes.append(self.kb.text(lang, "past").format(years=years))
        kinds = {milestone_kind(m.id): m for m in used}
        for kind, milestone in kinds.items():
            newer = [m for m in milestones.values()
                     if milestone_kind(m.id) == kind and m.program == milestone.program and m.year > milestone.year]
            if newer:
                latest = max(newer, key=lambda m: (m.year, m.at))
                line = self.kb.text(lang, "newer").format(title=latest.title, date=say_date(latest, lang))
                days = (latest.at.astimezone(TAIPEI).date() - now.astimezone(TAIPEI).date()).days
                if days >= 0:
                    line += self.kb.text(lang, "days_left").format(days=days)
                notes.append(line)
        return text, notes

    def contact_text(self, lang: Lang, program: str | None = None) -> str:
        contact = self.kb.contacts.get(program or "digital_cluster") or next(iter(self.kb.contacts.values()))
        name = contact.name_en if lang == "en" else contact.name
        return self.kb.text(lang, "contact").format(name=name, phone=contact.phone, email=contact.email, url=contact.url)

    def fallback_text(self, question: str, lang: Lang | None = None, program: str | None = None) -> str:
        lang = lang or language_of(question)
        retriever = self.retriever_for(lang)
        program = program or retriever.analyzer.facets(retriever.normalize(question)).get("program")
        contact = self.contact_text(lang, program)
        return self.kb.text(lang, "fallback").format(contact=contact) + "\n" + self.kb.text(lang, "fallback_examples")

    def _next_context(self, context: Context, answer: Answer) -> Context:
        if answer.kind in ("faq", "lookup"):
            return Context(last_entry_id=answer.entry_id, last_query=answer.resolved_query)
        return context

    @staticmethod
    def _title(entry: Entry, lang: Lang) -> str:
        return entry.en.title if lang == "en" and entry.en else entry.title

    def _entry_choice(self, entry: Entry, lang: Lang) -> Choice:
        """A quick reply that answers ``entry`` when tapped, labelled with its title."""
        return Choice(self._title(entry, lang), "faq", {"e": entry.id, **_lang_tag(lang)})

    def _from_result(self, result: Result, resolved: str, lang: Lang, *, program: str | None = None) -> Answer:
        """``program`` is the one the conversation is about: a fallback gives that office's contact."""
        candidates = tuple((h.entry.id, h.score) for h in result.hits[:3])
        best = result.best
        retriever = self.retriever_for(lang)
        if result.outcome == "answer" and best is not None:
            entries = [best.entry]
            if best.entry.facets.get("class") and "class" not in result.facets:
                # "遴選會議什麼時候?" names no class: give both classes' rule rather than guess.
                other = "B" if best.entry.facets["class"] == "A" else "A"
                sibling = retriever.sibling(best.entry, {"class": other})
                if sibling is not None:
                    entries = sorted([best.entry, sibling], key=lambda e: e.facets["class"])
            choices: tuple[Choice, ...] = ()
            close = [e for e in retriever.close_calls(result.hits) if e not in entries][:1]
            headed = False
            if close and len(entries) == 1:
                # A near tie between two topics: both rules, each under its title, so the owner
                # sees which question each answers (a list to tap would cost a turn, and one
                # answer alone would be a guess).
                if sum(len(self._body(e, lang)) for e in (*entries, *close)) <= _PAIR_LIMIT:
                    entries, headed = entries + close, True
                else:
                    choices = (self._entry_choice(close[0], lang),)
            text = self.format_entries(entries, lang, headed=headed)
            if program and best.entry.program not in ("general", program):
                # The conversation (or the question) is about one program and only the other's rule
                # matched: say so, never pass it off as the program asked about.
                labels = self.kb.text(lang, "program_labels")
                note = self.kb.text(lang, "other_program_answer").format(
                    asked=labels.get(program, program), other=labels.get(best.entry.program, best.entry.program))
                text = f"{note}\n{text}"
            return Answer("faq", text, best.entry, best.score, choices, resolved, candidates, lang=lang,
                          program=best.entry.program)
        if result.outcome == "suggest" and best is not None:
            picks: list[Entry] = []
            for hit in result.hits:
                if hit.score >= retriever.suggest_threshold * 0.8 and hit.entry not in picks:
                    picks.append(hit.entry)
                if len(picks) == 3:
                    break
            lines = "\n".join(f"{i}. {self._title(e, lang)}" for i, e in enumerate(picks, 1))
            text = f"{self.kb.text(lang, 'suggest')}\n{lines}"
            choices = tuple(self._entry_choice(e, lang) for e in picks)
            choices += (Choice(self.kb.text(lang, "none_of_these"), "none", _lang_tag(lang)),)
            return Answer("suggest", text, None, best.score, choices, resolved, candidates, lang=lang)
        score = best.score if best else 0.0
        program = result.facets.get("program") or program
        return Answer("fallback", self.fallback_text(resolved, lang, program), None, score, (), resolved, candidates,
                      lang=lang, program=program)
