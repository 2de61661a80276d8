"""Reading Chinese questions: normalization, units, facets and homophone correction.

Chinese is searched without word segmentation: a unit is one CJK character, one Latin word or
one number, and the index adds bigrams of units. Synonyms and fillers come from
``knowledge/synonyms.yaml`` (see :mod:`knowledge.normalize`); English words inside a Chinese
question are read through the glossary of ``knowledge/english.yaml`` («A類的deadline» → 截止).
"""
from __future__ import annotations

import re

from knowledge.normalize import Vocabulary, normalize
from knowledge.phonetic import Corrector, Phonetics

__all__ = ["FUNCTION_CHARS", "ChineseAnalyzer", "query_facets"]

UNIT = re.compile(r"[a-z]+|[0-9]+(?:[:./][0-9]+)*%?|[\u3400-\u9fff]")
_INTL = re.compile(r"國際(?!友善|媒體)|聯盟|海外|新南向|出口|拓銷|外銷|國外")
_CLUSTER = re.compile(r"群聚")
#: Characters so common in questions that they say nothing about the topic; they neither count
#: as unseen words nor as evidence.
FUNCTION_CHARS = frozenset("的是了嗎呢吧在有要我們你妳您他她它這那哪什麼怎麼可以能會還和跟與及或就都也很多少幾請問個一啊喔呀啦欸耶哦齁咧囉唷")
#: Particles and the copula: they only join words, so a pair across one (怎麼「麼申」請) is no word.
GLUE_CHARS = frozenset("的了嗎呢吧麼啊喔呀啦欸耶哦齁咧囉唷是")


def query_facets(norm: str) -> dict[str, str]:
    """The class and program a normalized Chinese question names, if it names exactly one."""
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


class ChineseAnalyzer:
    """Normalization and units of Chinese text, with homophone correction once the index is known."""

    lang = "zh"
    coverage_bigrams = 1.0
    answer_coverage = 1.0
    function_units = FUNCTION_CHARS
    glue_units = GLUE_CHARS

    def __init__(self, vocabulary: Vocabulary, *, glossary: dict[str, str] | None = None,
                 phonetics: Phonetics | None = None, english_words: frozenset[str] = frozenset()) -> None:
        #: English words the knowledge base's English side uses: inside a Chinese question they
        #: are ordinary words («tracking data»), not the name of something else (SBIR).
        self.english_words = english_words
        self.vocabulary = vocabulary
        self.phonetics = phonetics
        self.corrector: Corrector | None = None
        words = sorted(glossary or {}, key=len, reverse=True)
        self._glossary = glossary or {}
        self._english = re.compile(r"(?<![a-z])(" + "|".join(map(re.escape, words)) + r")(?![a-z])") if words else None

    def prepare(self, known_units: set[str], texts: list[str] | None = None) -> None:
        """Build the homophone corrector from the index's own two-character words."""
        if self.phonetics is not None:
            self.corrector = self.phonetics.corrector((u for u in known_units if len(u) == 2), self.function_units)

    def normalize(self, text: str) -> str:
        norm = normalize(text, self.vocabulary)
        if self._english is not None and re.search(r"[a-z]{2,}", norm):
            norm = normalize(self._english.sub(lambda m: self._glossary[m.group(1)], norm), self.vocabulary)
        if self.corrector is not None:
            norm = self.corrector.correct(norm)
        return norm

    def units(self, norm: str) -> list[str]:
        return UNIT.findall(norm)

    def facets(self, norm: str) -> dict[str, str]:
        return query_facets(norm)

    def foreign(self, norm: str, known: set[str]) -> bool:
        """A Latin word the knowledge base never uses (SBIR, LINE Pay…) names something else."""
        return any(len(w) >= 3 and w not in known and w not in self.english_words for w in re.findall(r"[a-z]+", norm))
