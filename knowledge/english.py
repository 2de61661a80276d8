"""Reading English questions: the English side of the knowledge base, searched like the Chinese.

English is tokenized into words, stripped of words that carry no topic, folded onto canonical
terms (``knowledge/english.yaml``: 「due date」, 「closing date」 → deadline) and stemmed with the
Snowball stemmer, so 「companies」 meets 「company」. Chinese terms inside an English question
(「what's the 分群 of 竹山鎮」) are read through the same file's glossary; a misspelt word the
index has never seen is replaced by its closest known word (rapidfuzz), as phone keyboards
misspell English as freely as Chinese — unless it is an everyday English word the index simply
lacks («stipend» is not a slip for «spend»).
"""
from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import resources

import snowballstemmer
from rapidfuzz import fuzz, process

from knowledge.countries import unnamed_countries
from knowledge.labels import fold
from knowledge.normalize import to_traditional

__all__ = ["EnglishAnalyzer", "EnglishVocabulary", "class_in_english"]

_STEMMER = snowballstemmer.stemmer("english")
_UNIT = re.compile(r"[a-z]+|[0-9]+(?:[:./][0-9]+)*%?|[\u3400-\u9fff]")


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    return _STEMMER.stemWord(word) if word.isalpha() and word.isascii() else word


def _fold(text: str) -> str:
    text = fold(text).lower()
    text = to_traditional(text).replace("台", "臺")
    text = re.sub(r"(?<=[a-z])['’](?=[a-z])", "", text)  # what's → whats, Ji'an → jian
    text = re.sub(r"(?<=[a-z])-(?=[a-z])", " ", text)
    return re.sub(r"[^0-9a-z\u3400-\u9fff%:/.]+", " ", text)


@dataclass(frozen=True)
class EnglishVocabulary:
    synonyms: dict[str, str]  # variant (folded) → canonical
    stopwords: frozenset[str]
    question_words: frozenset[str]
    to_chinese: dict[str, str]  # English word → Chinese term (for English words in Chinese questions)
    to_english: dict[str, str]  # Chinese term → English word (for Chinese terms in English questions)

    @classmethod
    def from_data(cls, data: dict, *, named: str = "") -> EnglishVocabulary:
        """``named``: the knowledge base's own text; a country it names keeps its name."""
        synonyms: dict[str, str] = {}
        for canonical, variants in (data.get("synonyms") or {}).items():
            canon = _fold(str(canonical)).strip()
            for variant in [canonical, *(variants or [])]:
                synonyms[" ".join(_fold(str(variant)).split())] = canon
        names, term = unnamed_countries("en", data.get("countries") or {}, named)
        for name in names:
            synonyms.setdefault(" ".join(_fold(name).split()), _fold(term).strip())
        to_chinese: dict[str, str] = {}
        to_english: dict[str, str] = {}
        for pair in data.get("glossary") or []:
            english, chinese = (str(p) for p in pair)
            to_chinese.setdefault(" ".join(_fold(english).split()), to_traditional(chinese).replace("台", "臺"))
            to_english.setdefault(to_traditional(chinese).replace("台", "臺"), english.lower())
        return cls(
            synonyms=synonyms,
            stopwords=frozenset(str(w).lower() for w in data.get("stopwords") or []),
            question_words=frozenset(str(w).lower() for w in data.get("question_words") or []),
            to_chinese=to_chinese,
            to_english=to_english,
        )

    @property
    def _pattern(self) -> re.Pattern[str] | None:
        return _alternation(tuple(sorted(self.synonyms, key=len, reverse=True)))

    @cached_property
    def _phrases_by_stem(self) -> tuple[dict[tuple[str, ...], str], int]:
        """Multi-word variants by their words' stems, and the longest one's length: «dropped out»,
        «handing in» and «didn't show up» are the listed «drop out», «hand in», «don't show up» in
        another tense."""
        phrases: dict[tuple[str, ...], str] = {}
        for key in sorted(self.synonyms, key=len, reverse=True):
            words = key.split()
            if len(words) > 1 and all(w.isalpha() for w in words):
                phrases.setdefault(tuple(_stem(w) for w in words), key)
        return phrases, max(map(len, phrases), default=0)

    def _uninflect_phrases(self, folded: str) -> str:
        phrases, longest = self._phrases_by_stem
        if not phrases:
            return folded
        words = folded.split()
        stems = [_stem(w) for w in words]
        out: list[str] = []
        i = 0
        while i < len(words):
            for n in range(min(longest, len(words) - i), 1, -1):
                key = phrases.get(tuple(stems[i:i + n]))
                if key is not None:
                    out.append(key)
                    i += n
                    break
            else:
                out.append(words[i])
                i += 1
        return " ".join(out)

    def canonicalize(self, folded: str) -> str:
        pattern = self._pattern
        if pattern is None:
            return folded
        folded = self._uninflect_phrases(folded)
        return pattern.sub(lambda m: " " + self.synonyms[m.group(1)] + " ", f" {folded} ")


@lru_cache(maxsize=8)
def _alternation(keys: tuple[str, ...]) -> re.Pattern[str] | None:
    if not keys:
        return None
    # Latin phrases match whole words only; Chinese terms match anywhere.
    parts = [re.escape(k) for k in keys]
    return re.compile(r"(?<![a-z0-9])(" + "|".join(parts) + r")(?![a-z0-9])")


_CLASS_A = re.compile(r"(?<![a-z])cata(?![a-z])")
_CLASS_B = re.compile(r"(?<![a-z])catb(?![a-z])")


def _word_counts() -> dict[str, int]:
    """pyspellchecker's English word list with its corpus counts, read once while an index is built
    (and dropped after: a worker keeps only the everyday words, see :meth:`EnglishAnalyzer.prepare`).
    Empty when the list cannot be read (an unexpected package layout), which turns off the checks
    that use it rather than the spelling correction itself."""
    try:
        data = gzip.decompress((resources.files("spellchecker") / "resources" / "en.json.gz").read_bytes())
        return dict(json.loads(data))
    except (ModuleNotFoundError, FileNotFoundError, OSError, ValueError):
        return {}


def class_in_english(norm: str) -> str | None:
    a, b = bool(_CLASS_A.search(norm)), bool(_CLASS_B.search(norm))
    return ("A" if a else "B") if a != b else None


class EnglishAnalyzer:
    """Normalization, units and facets of English text (see the module docstring)."""

    lang = "en"
    coverage_bigrams = 0.3
    answer_coverage = 0.6
    glue_units: frozenset[str] = frozenset()  # pairs are of content words only

    def __init__(self, vocabulary: EnglishVocabulary) -> None:
        self.vocabulary = vocabulary
        self.function_units = frozenset(_stem(w) for w in vocabulary.question_words)
        self._stop = frozenset(vocabulary.stopwords)
        #: Canonical terms are already the concept: stemming them could merge two (proposer → propos).
        self._canonical = frozenset(vocabulary.synonyms.values())
        self._surface: frozenset[str] = frozenset()
        self._surface_list: list[str] = []
        self._stems: frozenset[str] = frozenset()
        self._dictionary = ""
        self._alliance = "alliance"
        self._overseas = "overseas"
        self._cluster = "cluster"

    def prepare(self, known_units: set[str], texts: list[str] | None = None) -> None:
        """Learn the index's surface words, so an unseen misspelling can be read as one of them."""
        words: set[str] = set(self.vocabulary.stopwords) | set(self.vocabulary.question_words)
        for variant in self.vocabulary.synonyms:
            words.update(variant.split())
        counts: Counter[str] = Counter()
        for text in texts or []:
            counts.update(re.findall(r"[a-z]+", _fold(text)))
        # The index's phrasings hold misspellings on purpose («guidence»): a rare word that is no
        # English word and one slip away from a word used far more often is such a slip, not
        # vocabulary to keep, so a question's «aliance» is read as «alliance» (and matches every
        # alliance entry) rather than matching only the few phrasings that spell it so.
        common = [w for w, n in counts.most_common() if n >= 10 and len(w) >= 5]
        rare = [w for w, n in counts.items() if n <= 5 and len(w) >= 5 and w not in words]
        known_english = _word_counts()
        real = {w for w in rare if w in known_english} if known_english else set(rare)
        for word in rare:
            near = None if word in real else process.extractOne(word, common, scorer=fuzz.ratio, score_cutoff=85)
            if near is None or counts[near[0]] < 5 * counts[word] or _stem(near[0]) == _stem(word):
                words.add(word)
        words.update(set(counts) - set(rare))
        self._surface = frozenset(w for w in words if w.isascii())
        self._surface_list = sorted(w for w in self._surface if len(w) >= 4)
        self._stems = frozenset(_stem(w) for w in self._surface)
        # Everyday words (seen ≥ 100 times in the list's corpus), one per line in one string rather
        # than a set of ~50,000 objects: consulted only for the rare word the index has never seen.
        everyday = [w for w, n in known_english.items() if n >= 100 and w.isascii() and w.isalpha()]
        self._dictionary = "\n" + "\n".join(everyday) + "\n" if everyday else ""

    def _is_english(self, word: str) -> bool:
        """An everyday English word, which the owner meant as typed."""
        return bool(self._dictionary) and f"\n{word}\n" in self._dictionary

    @lru_cache(maxsize=8192)  # noqa: B019 — one analyzer per process, bounded cache
    def _spell(self, word: str) -> str:
        """A word the index has never seen, replaced by the closest one it has («uplaod» → upload)."""
        if len(word) < 4 or word in self._surface or _stem(word) in self._stems or not self._surface_list:
            return word
        if self._is_english(word):
            return word  # «stipend», «cafes»: a real word the index lacks is unseen, not a typo
        cutoff = 80 if len(word) >= 6 else 75
        match = process.extractOne(word, self._surface_list, scorer=fuzz.ratio, score_cutoff=cutoff)
        return match[0] if match else word

    def normalize(self, text: str) -> str:
        folded = " ".join(_fold(text).split())
        if self._surface_list:
            folded = re.sub(r"[a-z]+", lambda m: self._spell(m.group(0)), folded)
        folded = self.vocabulary.canonicalize(folded)
        for chinese in sorted(self.vocabulary.to_english, key=len, reverse=True):
            if chinese in folded:
                folded = folded.replace(chinese, f" {self.vocabulary.to_english[chinese]} ")
        folded = self.vocabulary.canonicalize(" ".join(folded.split()))
        out: list[str] = []
        for unit in _UNIT.findall(folded):
            if unit in self._stop:
                continue
            if unit in self._canonical:
                out.append(unit)
            elif unit.isalpha() and unit.isascii():
                out.append(_stem(unit))
            else:
                out.append(unit)
        return " ".join(out)

    def units(self, norm: str) -> list[str]:
        return norm.split()

    def facets(self, norm: str) -> dict[str, str]:
        facets: dict[str, str] = {}
        cls = class_in_english(norm)
        if cls:
            facets["class"] = cls
        words = set(norm.split())
        intl = self._alliance in words or self._overseas in words
        cluster = self._cluster in words
        if intl and not cluster:
            facets["program"] = "intl_alliance"
        elif cluster and not intl:
            facets["program"] = "digital_cluster"
        return facets

    def foreign(self, norm: str, known: set[str]) -> bool:
        """Words the knowledge base never uses (SBIR, loan…) make up more than a third of the question.

        In a short question such a word is the topic («How do I apply for SBIR?»); in a long one
        it is usually colour («my PDF is huge», «a bit after the deadline»), which the coverage
        already counts against the answer without this extra penalty.
        """
        words = [u for u in norm.split() if u not in self.function_units]
        odd = [u for u in words if len(u) >= 3 and u.isalpha() and u not in known]
        return bool(odd) and 3 * len(odd) > len(words)
