"""FAQ retrieval: which entry answers a question, and how sure we are.

One :class:`Retriever` searches one language side of the knowledge base through an *analyzer*
(:mod:`knowledge.chinese` or :mod:`knowledge.english`) that turns text into units: characters,
words and numbers. Three signals are combined, each chosen because it works without word
segmentation:

* a TF-IDF cosine over units and unit bigrams, against each phrasing and against the entry as a
  whole — robust to reordering and to words the phrasings never used;
* rapidfuzz's ``ratio`` against each phrasing — rewards near-verbatim questions and typos (its
  token scorers treat an unspaced Chinese sentence as one token, so they are not used);
* facets: a question naming A類/B類 or the international alliance must not get the other
  class's or program's rule, however similar the wording.

Confidence blends similarity with *coverage*: how much of the question's distinctive content the
entry holds. A question full of words the knowledge base never uses ("SBIR", "貸款", "署長")
yields the fallback: saying "I don't know" beats a confident wrong answer.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

import numpy as np
from rapidfuzz import fuzz, process

from knowledge.language import HAN
from knowledge.loader import Entry, KnowledgeBase

__all__ = ["Analyzer", "Fields", "Hit", "Result", "Retriever", "bigrams"]

Outcome = Literal["answer", "suggest", "fallback"]
_PLACEHOLDER = re.compile(r"\{\{[^}]*\}\}")


class Analyzer(Protocol):
    lang: str
    function_units: frozenset[str]
    #: Units that only glue words together (particles, the copula): a pair holding one is not a
    #: word of the question, however rare the pair.
    glue_units: frozenset[str]
    #: How much pairs of units count when judging coverage: Chinese characters only mean
    #: something in pairs (1.0); English words mean something alone and move freely (less).
    coverage_bigrams: float
    #: How much a question word found only in an entry's answer (not its phrasings) counts.
    answer_coverage: float

    def normalize(self, text: str) -> str: ...
    def units(self, norm: str) -> list[str]: ...
    def facets(self, norm: str) -> dict[str, str]: ...
    def foreign(self, norm: str, known: set[str]) -> bool: ...
    def prepare(self, known_units: set[str], texts: list[str]) -> None: ...


@dataclass(frozen=True)
class Fields:
    """The texts of an entry that one language side indexes."""

    phrasings: Sequence[str]
    keywords: Sequence[str]
    answer: str


def _glue(a: str, b: str, analyzer: Analyzer) -> bool:
    """A pair across a particle («麼申» in 怎麼申請) or a grammatical character beside a Latin word
    or number («的email», «IG是») says no more than its words alone, yet its rarity made it the
    heaviest item of a question: 「數位群聚的email」 went to the one entry asked 「個資的email」."""
    if a in analyzer.glue_units or b in analyzer.glue_units:
        return True
    function = analyzer.function_units
    return (a in function and not HAN.match(b)) or (b in function and not HAN.match(a))


def bigrams(units: list[str]) -> list[str]:
    return [a + b for a, b in zip(units, units[1:])]


@dataclass(frozen=True)
class Hit:
    entry: Entry
    score: float  # 0–100


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    hits: tuple[Hit, ...]
    query: str
    facets: dict[str, str] = field(default_factory=dict)

    @property
    def best(self) -> Hit | None:
        return self.hits[0] if self.hits else None


class _Vectors:
    """Sparse TF-IDF vectors with unit length, as plain dicts (a few thousand short documents)."""

    def __init__(self, idf: dict[str, float]) -> None:
        self.idf = idf

    def vector(self, toks: list[str]) -> dict[str, float]:
        counts = Counter(toks)
        vec = {t: (1 + math.log(c)) * self.idf.get(t, 0.0) for t, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        return {t: v / norm for t, v in vec.items() if v}


class _Postings:
    """Token → (rows, weights) of sparse unit vectors, stored as one CSR-like block: a query's dot
    product with every row costs only the postings of the query's own tokens, vectorized."""

    def __init__(self, vectors: list[dict[str, float]]) -> None:
        lists: dict[str, tuple[list[int], list[float]]] = {}
        for row, vec in enumerate(vectors):
            for token, weight in vec.items():
                rows, weights = lists.setdefault(token, ([], []))
                rows.append(row)
                weights.append(weight)
        self.size = len(vectors)
        self.offsets: dict[str, tuple[int, int]] = {}
        all_rows: list[int] = []
        all_weights: list[float] = []
        for token, (rows, weights) in lists.items():
            self.offsets[token] = (len(all_rows), len(all_rows) + len(rows))
            all_rows.extend(rows)
            all_weights.extend(weights)
        self.rows = np.asarray(all_rows, dtype=np.int32)
        self.weights = np.asarray(all_weights, dtype=np.float32)

    def dot(self, query: dict[str, float]) -> np.ndarray:
        out = np.zeros(self.size, dtype=np.float32)
        for token, weight in query.items():
            span = self.offsets.get(token)
            if span is not None:
                start, end = span
                out[self.rows[start:end]] += weight * self.weights[start:end]  # a token's rows are distinct
        return out


CANDIDATES = 40  # entries re-scored with rapidfuzz after the vectorized lexical pass


class Retriever:
    """Searches one language side of a :class:`KnowledgeBase`; build once, then :meth:`search`."""

    def __init__(
        self,
        kb: KnowledgeBase,
        analyzer: Analyzer,
        fields: Callable[[Entry], Fields | None],
        *,
        answer_threshold: float = 45.0,
        suggest_threshold: float = 40.0,
        margin: float = 2.0,
        coverage_weight: float = 0.5,
        similarity_gain: float = 1.5,
    ) -> None:
        self.kb = kb
        self.analyzer = analyzer
        self.answer_threshold = answer_threshold
        self.suggest_threshold = suggest_threshold
        #: A runner-up on another topic closer than this to the answered best is offered beside it.
        self.margin = margin
        #: Confidence = coverage_weight × coverage + the rest × similarity (scaled by the gain).
        self.coverage_weight = coverage_weight
        self.similarity_gain = similarity_gain
        texts = [fields(e) for e in kb.entries]
        norm = analyzer.normalize
        # The analyzer first learns the raw vocabulary (for typo correction), then everything is
        # normalized the way queries will be.
        raw_units: set[str] = set()
        raw_texts: list[str] = []
        for f in texts:
            if f is not None:
                for t in [*f.phrasings, *f.keywords, _PLACEHOLDER.sub(" ", f.answer)]:
                    raw_texts.append(t)
                    u = analyzer.units(norm(t))
                    raw_units.update(u)
                    raw_units.update(bigrams(u))
        analyzer.prepare(raw_units, raw_texts)
        self._phrasings: list[tuple[int, str]] = []
        entry_tokens: list[list[str]] = []
        answer_tokens: list[list[str]] = []
        for i, f in enumerate(texts):
            if f is None:
                entry_tokens.append([])
                answer_tokens.append([])
                continue
            norms = [norm(t) for t in f.phrasings]
            self._phrasings.extend((i, n) for n in norms if n)
            toks = [t for n in norms for t in self.tokens(n)]
            toks += [t for k in f.keywords for t in self.tokens(norm(k))] * 2
            entry_tokens.append(toks)
            answer_tokens.append(self.tokens(norm(_PLACEHOLDER.sub(" ", f.answer))))
        n_docs = max(1, sum(1 for f in texts if f is not None))
        df: Counter[str] = Counter()
        for toks, ans in zip(entry_tokens, answer_tokens):
            df.update(set(toks) | set(ans))
        self.n_docs = n_docs
        idf = {t: math.log((n_docs + 1) / (c + 0.5)) for t, c in df.items()}
        self._vec = _Vectors(idf)
        self._entries = _Postings([self._vec.vector(t) for t in entry_tokens])
        self._answers = _Postings([self._vec.vector(t) for t in answer_tokens])
        self._phrasing_index = _Postings([self._vec.vector(self.tokens(n)) for _, n in self._phrasings])
        self._phrasing_entry = np.asarray([i for i, _ in self._phrasings], dtype=np.int32)
        self._phrasings_of: list[list[str]] = [[] for _ in kb.entries]
        for i, n in self._phrasings:
            self._phrasings_of[i].append(n)
        self._class = np.asarray([{"A": 1, "B": 2}.get(e.facets.get("class", ""), 0) for e in kb.entries])
        self._program = np.asarray([{"digital_cluster": 1, "intl_alliance": 2}.get(e.program, 0) for e in kb.entries])
        self._old = np.asarray([e.year < 110 for e in kb.entries])
        # A program year staff have published makes the program's older years answer only when
        # asked by name («112年的規定»); older FAQs (before 110) are background already.
        self._current: dict[str, int] = {}
        for e in kb.entries:
            if e.program != "general" and e.year >= 110:
                self._current[e.program] = max(self._current.get(e.program, 0), e.year)
        self._years = np.asarray([e.year for e in kb.entries])
        self._superseded = np.asarray([e.program != "general" and 110 <= e.year < self._current.get(e.program, 0)
                                       for e in kb.entries])
        self._indexed = np.asarray([f is not None for f in texts])
        self.known = set(df)
        self._entry_asked = [set(t) for t in entry_tokens]
        self._entry_all = [set(t) | set(a) for t, a in zip(entry_tokens, answer_tokens)]
        self._by_topic: dict[str, list[Entry]] = {}
        for entry in kb.entries:
            self._by_topic.setdefault(entry.topic, []).append(entry)

    def tokens(self, norm: str) -> list[str]:
        """Units and unit bigrams of a normalized text."""
        units = self.analyzer.units(norm)
        return units + bigrams(units)

    def normalize(self, text: str) -> str:
        return self.analyzer.normalize(text)

    # -- scoring -------------------------------------------------------------------------------

    def _year_factor(self, entry: Entry, facets: dict[str, str]) -> float:
        """A year the question names wins; otherwise a program's newest year wins over the older."""
        asked = facets.get("year")
        if entry.program == "general":
            return 1.0
        if asked:
            return 1.0 if str(entry.year) == asked else 0.5
        return 0.3 if 110 <= entry.year < self._current.get(entry.program, entry.year) else 1.0

    def facet_factor(self, entry: Entry, facets: dict[str, str]) -> float:
        """How much a question's class/program/year facets allow ``entry`` (1.0 = fully)."""
        factor = self._year_factor(entry, facets)
        wanted_class = facets.get("class")
        entry_class = entry.facets.get("class")
        if wanted_class and entry_class and wanted_class != entry_class:
            factor *= 0.35
        elif wanted_class and not entry_class:
            factor *= 0.96
        elif entry_class and not wanted_class:
            factor *= 0.93
        wanted_program = facets.get("program")
        prior = facets.get("program_prior")
        if wanted_program and entry.program != "general" and entry.program != wanted_program:
            factor *= 0.5
        elif not wanted_program and prior and entry.program != "general" and entry.program != prior:
            factor *= 0.7  # the conversation is about the other program, and the question did not switch
        elif not wanted_program and not prior and entry.program == "intl_alliance":
            factor *= 0.92  # unqualified questions are most often about the cluster program
        if entry.year < 110:
            factor *= 0.9  # an older year's rule or background loses to the current rules
        return factor

    def _facet_factors(self, facets: dict[str, str]) -> np.ndarray:
        """:meth:`facet_factor` for every entry at once."""
        factor = np.ones(len(self.kb.entries), dtype=np.float32)
        wanted = {"A": 1, "B": 2}.get(facets.get("class", ""), 0)
        if wanted:
            factor[(self._class != 0) & (self._class != wanted)] *= 0.35
            factor[self._class == 0] *= 0.96
        else:
            factor[self._class != 0] *= 0.93
        program = {"digital_cluster": 1, "intl_alliance": 2}.get(facets.get("program", ""), 0)
        prior = {"digital_cluster": 1, "intl_alliance": 2}.get(facets.get("program_prior", ""), 0)
        if program:
            factor[(self._program != 0) & (self._program != program)] *= 0.5
        elif prior:
            factor[(self._program != 0) & (self._program != prior)] *= 0.7
        else:
            factor[self._program == 2] *= 0.92
        factor[self._old] *= 0.9
        asked = facets.get("year")
        if asked and asked.isdigit():
            factor[(self._program != 0) & (self._years != int(asked))] *= 0.5
        else:
            factor[self._superseded] *= 0.3
        factor[~self._indexed] = 0.0
        return factor

    def content_units(self, norm: str) -> list[str]:
        return [u for u in self.analyzer.units(norm) if u not in self.analyzer.function_units]

    def unseen_share(self, norm: str) -> float:
        """Share of the question's content units the knowledge base never uses."""
        units = self.content_units(norm)
        if not units:
            return 0.0
        return sum(1 for u in units if u not in self.known) / len(units)

    def coverage(self, norm: str, index: int) -> float:
        """IDF-weighted share of the question's units and bigrams found anywhere in an entry.

        Cosine similarity ranks well but cannot tell "answered" from "shares a few words"; a
        question whose distinctive words (工資, 貸款, 署長) the entry never mentions is not
        answered by it, however close the rest.
        """
        units = self.analyzer.units(norm)
        content = [u for u in units if u not in self.analyzer.function_units]
        # Chinese characters mean something only in pairs, so pairs count fully; English words
        # mean something alone, so a pair of content words counts for less (word order is free).
        english = self.analyzer.lang != "zh"
        source = content if english else units
        pairs = list(zip(source, source[1:]))
        # A short English question is mostly its one pair of words («meaning of life»): the pair,
        # in either order, must be something the entry is about, not two words it uses apart.
        pair_weight = 1.0 if english and len(content) <= 2 else self.analyzer.coverage_bigrams
        idf, asked, said = self._vec.idf, self._entry_asked[index], self._entry_all[index]
        unknown = math.log(self.n_docs + 1)
        # Each item: the forms it may take in the entry, and its weight.
        items: list[tuple[tuple[str, ...], float]] = [((u,), 1.0) for u in content]
        items += [((a + b, b + a) if english else (a + b,), pair_weight)
                  for a, b in pairs if not _glue(a, b, self.analyzer)]
        if not items:
            return 0.0
        total = held = 0.0
        # A word the entry is asked with counts fully; one its answer merely mentions counts as
        # much as the analyzer trusts answers (long English answers mention almost everything).
        weight = self.analyzer.answer_coverage
        for forms, w in items:
            value = idf.get(forms[0], unknown) * w
            total += value
            found = next((f for f in forms if f in said), None)
            if found is not None:
                held += value * (1.0 if found in asked else weight)
        return held / total if total else 0.0

    def score_all(self, norm: str, facets: dict[str, str]) -> list[Hit]:
        qvec = self._vec.vector(self.tokens(norm))
        phrase_scores = self._phrasing_index.dot(qvec)
        best_phrase = np.zeros(len(self.kb.entries), dtype=np.float32)
        touched = np.nonzero(phrase_scores)[0]
        np.maximum.at(best_phrase, self._phrasing_entry[touched], phrase_scores[touched])
        lexical = 0.45 * best_phrase + 0.35 * self._entries.dot(qvec) + 0.20 * self._answers.dot(qvec)
        factors = self._facet_factors(facets)
        # rapidfuzz only for the entries the lexical pass ranks highest: the per-query cost
        # stays nearly flat as the knowledge base grows.
        shortlist = [i for i in np.argsort(-(lexical * factors))[:CANDIDATES].tolist() if self._indexed[i]]
        owners = [i for i in shortlist for _ in self._phrasings_of[i]]
        texts = [p for i in shortlist for p in self._phrasings_of[i]]
        fuzzy: dict[int, float] = dict.fromkeys(shortlist, 0.0)
        if texts:
            # One vectorized call for every phrasing of every shortlisted entry.
            scores = process.cdist([norm], texts, scorer=fuzz.ratio, dtype=np.float32)[0]
            for owner, score in zip(owners, scores.tolist()):
                fuzzy[owner] = max(fuzzy[owner], score)
        ranked: list[tuple[float, int]] = []
        for i in shortlist:
            similarity = 0.75 * float(lexical[i]) + 0.25 * fuzzy[i] / 100
            ranked.append((similarity * float(factors[i]), i))
        ranked.sort(reverse=True)
        foreign = self.analyzer.foreign(norm, self.known)
        hits = []
        for similarity, i in ranked[:8]:
            confidence = 100 * (self.coverage_weight * self.coverage(norm, i)
                                + (1 - self.coverage_weight) * min(1.0, self.similarity_gain * similarity))
            confidence *= self.facet_factor(self.kb.entries[i], facets) ** 0.5
            if foreign:
                confidence *= 0.6
            hits.append(Hit(self.kb.entries[i], round(min(100.0, confidence), 1)))
        # Keep the similarity order for ties in confidence that the facets did not decide.
        hits.sort(key=lambda h: h.score, reverse=True)
        return hits

    # -- public API ----------------------------------------------------------------------------

    def search(self, text: str, *, override: dict[str, str] | None = None) -> Result:
        """Rank entries for ``text``; ``override`` fixes facets (a follow-up's class or program)."""
        norm = self.analyzer.normalize(text)
        facets = self.analyzer.facets(norm)
        if "class" in facets and "program" not in facets:
            facets["program"] = "digital_cluster"  # only the cluster program has classes A and B
        facets.update(override or {})
        if not norm:
            return Result("fallback", (), norm, facets)
        hits = tuple(self.score_all(norm, facets)[:5])
        if not hits:
            return Result("fallback", (), norm, facets)
        return Result(self.decide(hits), hits, norm, facets)

    def decide(self, hits: Sequence[Hit]) -> Outcome:
        """A best hit above the answer threshold is answered even when another topic comes close:
        the near tie is answered beside it (:meth:`close_calls`), since a list to tap costs the
        owner a turn and most near ties are between two readings that both deserve an answer. Three
        topics that close say the question is vague: the owner picks from a list."""
        best = hits[0]
        if best.score >= self.answer_threshold and len(self.close_calls(hits)) < 2:
            return "answer"
        if best.score >= self.suggest_threshold:
            return "suggest"
        return "fallback"

    def close_calls(self, hits: Sequence[Hit]) -> list[Entry]:
        """Other topics within :attr:`margin` of an answered best hit: what the owner may also have meant."""
        if not hits:
            return []
        best = hits[0]
        close: list[Entry] = []
        for hit in hits[1:]:
            if (hit.entry.topic != best.entry.topic and hit.score >= self.answer_threshold
                    and best.score - hit.score < self.margin
                    and all(hit.entry.topic != e.topic for e in close)):
                close.append(hit.entry)
        return close[:2]

    def sibling(self, entry: Entry, facets: dict[str, str]) -> Entry | None:
        """The entry on ``entry``'s topic that matches ``facets`` (for "那B類呢?")."""
        wanted = facets.get("class")
        for candidate in self._by_topic.get(entry.topic, []):
            same_program = candidate.program == entry.program
            if candidate.id != entry.id and same_program and wanted and candidate.facets.get("class") == wanted:
                return candidate
        return None
