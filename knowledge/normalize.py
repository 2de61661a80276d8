"""Chinese-aware text normalization shared by the index and the queries.

Both sides go through the same steps so that a user typing 「台北」, 「臺北」, 「台北」 (full-width) or
Simplified 「台北」 all meet the knowledge base on the same characters.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from opencc import OpenCC

from knowledge.countries import unnamed_countries
from knowledge.labels import fold

__all__ = ["Vocabulary", "basic_fold", "normalize", "to_traditional"]

_S2T = OpenCC("s2twp")

#: Variant characters folded onto one canonical form (after Simplified→Traditional).
_VARIANTS = str.maketrans({"台": "臺", "郷": "鄉", "羣": "群", "着": "著", "裡": "裏", "佈": "布", "週": "周"})

#: Anything that is not a letter, a digit, a CJK ideograph or one of the symbols that carry
#: meaning in program rules (% for proportions, : / . in times and dates).
_NOISE = re.compile(r"[^0-9a-z\u3400-\u9fff%:/.]+")
#: 「8間」 and 「8家」 are the same count of firms; 間 alone is too common (時間) to map.
_COUNT_CLASSIFIER = re.compile(r"(?<=[0-9一二三四五六七八九十兩])(?:間|个|個)(?:公司|店家|企業|廠商)?")
_TRAILING_PARTICLES = re.compile(r"(?:嗎|呢|吧|啊|呀|喔|哦|嘛|啦|耶|咧|齁|勒)+$")


@lru_cache(maxsize=32768)
def to_traditional(text: str) -> str:
    """Simplified → Traditional (Taiwan usage); Traditional input passes through unchanged.

    Cached: a message is folded by several readers (social turns, scope, both languages), and
    OpenCC's conversion is the costliest step of answering (and of building the indexes), so
    text with nothing for it to convert — plain English, digits — skips it.
    """
    if text.isascii():
        return text
    return _S2T.convert(text)


@lru_cache(maxsize=65536)
def basic_fold(text: str) -> str:
    """NFKC (full-width → half-width), lower-case, Traditional characters, 臺 for 台, no noise."""
    text = fold(text).lower()
    text = to_traditional(text).translate(_VARIANTS)
    text = _NOISE.sub(" ", text)
    return " ".join(text.split())


@dataclass(frozen=True)
class Vocabulary:
    """Synonym and filler tables loaded from ``knowledge/synonyms.yaml``."""

    synonyms: dict[str, str]  # variant (folded) → canonical (folded)
    fillers: tuple[str, ...]

    @classmethod
    def from_data(cls, data: dict, *, named: str = "") -> Vocabulary:
        """``named``: the knowledge base's own text; a country it names keeps its name."""
        mapping: dict[str, str] = {}
        for canonical, variants in (data.get("synonyms") or {}).items():
            canon = basic_fold(str(canonical)).replace(" ", "")
            # The canonical term maps to itself so that, longest match first, 「期中查核」 is not
            # re-expanded through its own abbreviation 「期中」.
            mapping[canon] = canon
            for variant in variants or []:
                mapping[basic_fold(str(variant)).replace(" ", "")] = canon
        names, term = unnamed_countries("zh", data.get("countries") or {}, named)
        for name in names:
            mapping.setdefault(basic_fold(name).replace(" ", ""), basic_fold(term).replace(" ", ""))
        fillers = tuple(
            sorted({basic_fold(str(f)).replace(" ", "") for f in data.get("fillers") or []}, key=len, reverse=True)
        )
        return cls(synonyms=mapping, fillers=fillers)

    @property
    def _pattern(self) -> re.Pattern[str] | None:
        return _compiled(tuple(sorted(self.synonyms, key=len, reverse=True)))

    def canonicalize(self, folded: str) -> str:
        """Replace every variant with its canonical term, longest match first."""
        pattern = self._pattern
        if pattern is None:
            return folded
        return pattern.sub(lambda m: self.synonyms[m.group(0)], folded)

    def strip_fillers(self, text: str) -> str:
        for filler in self.fillers:
            text = text.replace(filler, "")
        return text


@lru_cache(maxsize=8)
def _compiled(keys: tuple[str, ...]) -> re.Pattern[str] | None:
    if not keys:
        return None
    return re.compile("|".join(re.escape(k) for k in keys))


def normalize(text: str, vocabulary: Vocabulary | None = None) -> str:
    """The retrieval form of a text: folded, canonical terms, no fillers, no spaces between CJK.

    >>> normalize("請問ａ類統編要填嗎？")
    'a類統編要填'
    """
    folded = basic_fold(text)
    # Spaces only matter between Latin words; CJK runs are joined so n-grams span them.
    folded = re.sub(r"(?<=[^a-z0-9]) | (?=[^a-z0-9])", "", folded)
    folded = _COUNT_CLASSIFIER.sub("家", folded)
    if vocabulary is not None:
        folded = vocabulary.strip_fillers(folded)
        folded = vocabulary.canonicalize(folded)
    folded = _TRAILING_PARTICLES.sub("", folded)
    return folded.strip(" .:/")
