"""FAQ retrieval: which entry answers a question, and how sure we are.

Three signals are combined, each chosen because it works on Chinese without word segmentation:

* a TF-IDF cosine over character unigrams and bigrams (Latin words and numbers count as one
  token), against each phrasing and against the entry as a whole — robust to reordering and
  to words the phrasings never used;
* rapidfuzz's ``ratio`` against each phrasing — rewards near-verbatim questions and typos (its
  token scorers treat an unspaced Chinese sentence as one token, so they are not used);
* facets: a question naming A類/B類 or the international alliance must not get the other
  class's or program's rule, however similar the wording.

A score below the suggestion threshold, or a question full of words the knowledge base has never
seen ("SBIR", "貸款", "下雨"), yields the fallback: saying "I don't know" beats a confident wrong
answer.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from rapidfuzz import fuzz

from knowledge.loader import Entry, KnowledgeBase
from knowledge.normalize import normalize

__all__ = ["Hit", "Result", "Retriever", "query_facets", "tokens"]

Outcome = Literal["answer", "suggest", "fallback"]

_TOKEN = re.compile(r"[a-z]+|[0-9]+(?:[:./][0-9]+)*%?|[\u3400-\u9fff]")
_INTL = re.compile(r"國際(?!友善|媒體)|聯盟|海外|新南向|出口|拓銷|外銷|國外")
_CLUSTER = re.compile(r"群聚")
#: Characters so common in questions that they say nothing about the topic; they neither count
#: as unseen words nor as evidence.
_FUNCTION_CHARS = set("的是了嗎呢吧在有要我們你妳您他她它這那哪什麼怎麼可以能會還和跟與及或就都也很多少幾請問個一")


def tokens(text: str) -> list[str]:
    """Unigrams and bigrams of a normalized text (a Latin word or a number is one unit)."""
    units = _TOKEN.findall(text)
    return units + [a + b for a, b in zip(units, units[1:])]


def query_facets(norm: str) -> dict[str, str]:
    """The class and program a normalized question names, if it names exactly one."""
    facets: dict[str, str] = {}
    has_a = bool(re.search(r"(?<![a-z])a類|(?<![a-z])a(?:跟|和|與|、)b", norm))
    has_b = bool(re.search(r"(?<![a-z])b類", norm))
    if has_a != has_b:
        facets["class"] = "A" if has_a else "B"
    intl, cluster = bool(_INTL.search(norm)), bool(_CLUSTER.search(norm))
    if intl and not cluster:
        facets["program"] = "intl_alliance"
    elif cluster and not intl:
        facets["program"] = "digital_cluster"
    return facets


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
    """Searches a :class:`KnowledgeBase`; build once per process, then call :meth:`search`."""

    def __init__(
        self,
        kb: KnowledgeBase,
        *,
        answer_threshold: float = 45.0,
        suggest_threshold: float = 40.0,
        margin: float = 2.0,
    ) -> None:
        self.kb = kb
        self.answer_threshold = answer_threshold
        self.suggest_threshold = suggest_threshold
        self.margin = margin
        vocab = kb.vocabulary
        self._phrasings: list[tuple[int, str]] = []
        entry_tokens: list[list[str]] = []
        answer_tokens: list[list[str]] = []
        for i, entry in enumerate(kb.entries):
            texts = [*entry.questions, entry.title]
            norms = [normalize(t, vocab) for t in texts]
            self._phrasings.extend((i, n) for n in norms if n)
            toks = [t for n in norms for t in tokens(n)]
            toks += [t for k in entry.keywords for t in tokens(normalize(k, vocab))] * 2
            entry_tokens.append(toks)
            answer_tokens.append(tokens(normalize(entry.answer, vocab)))
        n_docs = len(kb.entries)
        df: Counter[str] = Counter()
        for toks, ans in zip(entry_tokens, answer_tokens):
            df.update(set(toks) | set(ans))
        idf = {t: math.log((n_docs + 1) / (c + 0.5)) for t, c in df.items()}
        self._vec = _Vectors(idf)
        self._entries = _Postings([self._vec.vector(t) for t in entry_tokens])
        self._answers = _Postings([self._vec.vector(t) for t in answer_tokens])
        self._phrasing_index = _Postings([self._vec.vector(tokens(n)) for _, n in self._phrasings])
        self._phrasing_entry = np.asarray([i for i, _ in self._phrasings], dtype=np.int32)
        self._phrasings_of: list[list[str]] = [[] for _ in kb.entries]
        for i, n in self._phrasings:
            self._phrasings_of[i].append(n)
        self._class = np.asarray([{"A": 1, "B": 2}.get(e.facets.get("class", ""), 0) for e in kb.entries])
        self._program = np.asarray([{"digital_cluster": 1, "intl_alliance": 2}.get(e.program, 0) for e in kb.entries])
        self._old = np.asarray([e.year < 110 for e in kb.entries])
        self._known = set(df)
        self._entry_all = [set(t) | set(a) for t, a in zip(entry_tokens, answer_tokens)]
        self._by_topic: dict[str, list[Entry]] = {}
        for entry in kb.entries:
            self._by_topic.setdefault(entry.topic, []).append(entry)

    # -- scoring -------------------------------------------------------------------------------

    def _facet_factor(self, entry: Entry, facets: dict[str, str]) -> float:
        factor = 1.0
        wanted_class = facets.get("class")
        entry_class = entry.facets.get("class")
        if wanted_class and entry_class and wanted_class != entry_class:
            factor *= 0.35
        elif wanted_class and not entry_class:
            factor *= 0.96
        elif entry_class and not wanted_class:
            factor *= 0.93
        wanted_program = facets.get("program")
        if wanted_program and entry.program != "general" and entry.program != wanted_program:
            factor *= 0.5
        elif not wanted_program and entry.program == "intl_alliance":
            factor *= 0.92  # unqualified questions are most often about the cluster program
        if entry.year < 110:
            factor *= 0.9  # an older year's rule or background loses to the current rules
        return factor

    def _facet_factors(self, facets: dict[str, str]) -> np.ndarray:
        """:meth:`_facet_factor` for every entry at once."""
        factor = np.ones(len(self.kb.entries), dtype=np.float32)
        wanted = {"A": 1, "B": 2}.get(facets.get("class", ""), 0)
        if wanted:
            factor[(self._class != 0) & (self._class != wanted)] *= 0.35
            factor[self._class == 0] *= 0.96
        else:
            factor[self._class != 0] *= 0.93
        program = {"digital_cluster": 1, "intl_alliance": 2}.get(facets.get("program", ""), 0)
        if program:
            factor[(self._program != 0) & (self._program != program)] *= 0.5
        else:
            factor[self._program == 2] *= 0.92
        factor[self._old] *= 0.9
        return factor

    def unseen_share(self, norm: str) -> float:
        """Share of the question's content characters/words the knowledge base never uses."""
        units = [u for u in _TOKEN.findall(norm) if u not in _FUNCTION_CHARS]
        if not units:
            return 0.0
        unseen = [u for u in units if u not in self._known]
        return len(unseen) / len(units)

    def coverage(self, norm: str, index: int) -> float:
        """IDF-weighted share of the question's words and bigrams found anywhere in an entry.

        Cosine similarity ranks well but cannot tell "answered" from "shares a few words"; a
        question whose distinctive words (工資, 貸款, 下雨) the entry never mentions is not
        answered by it, however close the rest.
        """
        units = _TOKEN.findall(norm)
        toks = [u for u in units if u not in _FUNCTION_CHARS] + [a + b for a, b in zip(units, units[1:])]
        if not toks:
            return 0.0
        idf, have = self._vec.idf, self._entry_all[index]
        unknown = math.log(len(self.kb.entries) + 1)
        total = sum(idf.get(t, unknown) for t in toks)
        return sum(idf.get(t, unknown) for t in toks if t in have) / total if total else 0.0

    def score_all(self, norm: str, facets: dict[str, str]) -> list[Hit]:
        qvec = self._vec.vector(tokens(norm))
        phrase_scores = self._phrasing_index.dot(qvec)
        best_phrase = np.zeros(len(self.kb.entries), dtype=np.float32)
        touched = np.nonzero(phrase_scores)[0]
        np.maximum.at(best_phrase, self._phrasing_entry[touched], phrase_scores[touched])
        lexical = 0.45 * best_phrase + 0.35 * self._entries.dot(qvec) + 0.20 * self._answers.dot(qvec)
        factors = self._facet_factors(facets)
        # rapidfuzz only for the entries the lexical pass ranks highest: the per-query cost
        # stays nearly flat as the knowledge base grows.
        shortlist = np.argsort(-(lexical * factors))[:CANDIDATES]
        ranked: list[tuple[float, int]] = []
        for i in shortlist.tolist():
            fuzzy = max((fuzz.ratio(norm, p) for p in self._phrasings_of[i]), default=0.0)
            similarity = 0.75 * float(lexical[i]) + 0.25 * fuzzy / 100
            ranked.append((similarity * float(factors[i]), i))
        ranked.sort(reverse=True)
        # A Latin word the knowledge base never uses (SBIR, LINE Pay…) names something else.
        foreign = any(len(w) >= 3 and w not in self._known for w in re.findall(r"[a-z]+", norm))
        hits = []
        for similarity, i in ranked[:8]:
            confidence = 100 * (0.5 * self.coverage(norm, i) + 0.5 * min(1.0, 1.5 * similarity))
            confidence *= self._facet_factor(self.kb.entries[i], facets) ** 0.5
            if foreign:
                confidence *= 0.6
            hits.append(Hit(self.kb.entries[i], round(min(100.0, confidence), 1)))
        # Keep the similarity order for ties in confidence that the facets did not decide.
        hits.sort(key=lambda h: h.score, reverse=True)
        return hits

    # -- public API ----------------------------------------------------------------------------

    def search(self, text: str, *, override: dict[str, str] | None = None) -> Result:
        """Rank entries for ``text``; ``override`` fixes facets (a follow-up's class or program)."""
        norm = normalize(text, self.kb.vocabulary)
        facets = query_facets(norm)
        facets.update(override or {})
        if not norm:
            return Result("fallback", (), norm, facets)
        hits = tuple(self.score_all(norm, facets)[:5])
        return Result(self._decide(hits), hits, norm, facets)

    def _decide(self, hits: tuple[Hit, ...]) -> Outcome:
        best = hits[0]
        if best.score >= self.answer_threshold:
            runner_up = next((h for h in hits[1:] if h.entry.topic != best.entry.topic), None)
            if runner_up is None or best.score - runner_up.score >= self.margin:
                return "answer"
            return "suggest"
        if best.score >= self.suggest_threshold:
            return "suggest"
        return "fallback"

    def sibling(self, entry: Entry, facets: dict[str, str]) -> Entry | None:
        """The entry on ``entry``'s topic that matches ``facets`` (for "那B類呢?")."""
        wanted = facets.get("class")
        for candidate in self._by_topic.get(entry.topic, []):
            same_program = candidate.program == entry.program
            if candidate.id != entry.id and same_program and wanted and candidate.facets.get("class") == wanted:
                return candidate
        return None
