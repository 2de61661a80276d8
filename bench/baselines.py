"""Two baselines over the same knowledge base, for an honest comparison with our retrieval.

(a) rapidfuzz ``WRatio`` of the question against every phrasing; (b) BM25 (rank_bm25) over
character bigrams of each entry's phrasings. Neither has a suggestion band: it answers when its
score clears a threshold, else falls back. Thresholds are chosen to maximise each baseline's
pass rate on the public dev set — in the baselines' favour.
"""
from __future__ import annotations

from collections.abc import Callable

from rank_bm25 import BM25Okapi
from rapidfuzz import fuzz, process

from bench.quality import evaluate, stateless
from knowledge.loader import KnowledgeBase
from knowledge.normalize import normalize

__all__ = ["Baseline", "bm25_baseline", "tuned", "wratio_baseline"]

Answerer = Callable[[str], tuple[str, str]]


class Baseline:
    def __init__(self, name: str, kb: KnowledgeBase, scorer: Callable[[str], tuple[int, float]]) -> None:
        self.name = name
        self.kb = kb
        self.scorer = scorer
        self.threshold = 0.0

    def answer(self, question: str) -> tuple[str, str]:
        index, score = self.scorer(question)
        if index < 0 or score < self.threshold:
            return "fallback", ""
        entry = self.kb.entries[index]
        return "answer", entry.answer


def wratio_baseline(kb: KnowledgeBase) -> Baseline:
    choices: list[str] = []
    owner: list[int] = []
    for i, entry in enumerate(kb.entries):
        for phrasing in (*entry.questions, entry.title):
            choices.append(phrasing)
            owner.append(i)

    def score(question: str) -> tuple[int, float]:
        best = process.extractOne(question, choices, scorer=fuzz.WRatio)
        return (owner[best[2]], float(best[1])) if best else (-1, 0.0)

    return Baseline("rapidfuzz WRatio", kb, score)


def _bigrams(text: str) -> list[str]:
    return [text[i:i + 2] for i in range(len(text) - 1)] or [text]


def bm25_baseline(kb: KnowledgeBase) -> Baseline:
    docs = [_bigrams(normalize(" ".join((*e.questions, e.title)), kb.vocabulary)) for e in kb.entries]
    model = BM25Okapi(docs)

    def score(question: str) -> tuple[int, float]:
        scores = model.get_scores(_bigrams(normalize(question, kb.vocabulary)))
        best = int(scores.argmax())
        return best, float(scores[best])

    return Baseline("BM25 (char bigrams)", kb, score)


def tuned(baseline: Baseline, dev: list[dict]) -> Baseline:
    """Pick the threshold with the best dev-set pass rate (scores cached once)."""
    cache = {q["q"]: baseline.scorer(q["q"]) for q in dev}
    original = baseline.scorer
    baseline.scorer = lambda question: cache[question] if question in cache else original(question)
    candidates = sorted({round(s, 2) for _, s in cache.values()})
    best_threshold, best_rate = 0.0, -1.0
    for threshold in candidates:
        baseline.threshold = threshold
        rate = evaluate(dev, stateless(baseline.answer)).pass_rate
        if rate > best_rate:
            best_threshold, best_rate = threshold, rate
    baseline.threshold = best_threshold
    baseline.scorer = original
    return baseline
