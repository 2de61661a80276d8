"""附件三: which digital-development tier (分群1–4) a township belongs to.

Users name towns loosely — 「竹山」, 「竹山鎮」, 「南投竹山鎮」, 「台北大安區」 — and many district names
exist in several cities, so a lookup returns every match and lets the caller ask which one.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.loader import Township
from knowledge.normalize import basic_fold

__all__ = ["TIER_NAMES", "TownshipIndex", "TownMatch"]

TIER_NAMES = {1: "數位發展成熟區", 2: "數位發展潛力區", 3: "數位發展起步區", 4: "數位發展萌動區"}

_SUFFIXES = ("鄉", "鎮", "市", "區")
_COUNTY_SUFFIXES = ("縣", "市")

#: A question is about tiers when it says so; a bare town name with a suffix also counts.
_TIER_WORDS = re.compile(r"分群|分區|第.{0,2}群|幾群|哪.{0,2}群|群別|數位發展|數位分|分類|級別|哪一區|哪區|[1-4一二三四]區")


@dataclass(frozen=True)
class TownMatch:
    """A township found in a question, with how sure we are it was meant."""

    township: Township
    explicit_suffix: bool  # the user wrote 「竹山鎮」, not just 「竹山」


class TownshipIndex:
    def __init__(self, townships: tuple[Township, ...]) -> None:
        self.townships = townships
        self._by_name: dict[str, list[Township]] = {}
        self._by_base: dict[str, list[Township]] = {}
        for t in townships:
            name = basic_fold(t.town)
            self._by_name.setdefault(name, []).append(t)
            base = name[:-1] if name.endswith(_SUFFIXES) and len(name) > 2 else name
            self._by_base.setdefault(base, []).append(t)
        self._counties = sorted({basic_fold(t.county) for t in townships}, key=len, reverse=True)
        self._names = sorted(self._by_name, key=len, reverse=True)
        self._bases = sorted(self._by_base, key=len, reverse=True)

    def _counties_in(self, text: str) -> tuple[set[str], str]:
        """Counties named in ``text`` (「南投縣」 or just 「南投」) and the text without them.

        A short form shared by a county and a city (「新竹」, 「嘉義」) names both.
        """
        found: set[str] = set()
        for county in self._counties:
            if county in text:
                found.add(county)
                text = text.replace(county, " ")
        short = {county for county in self._counties if county[:-1] in text}
        for county in short:
            text = text.replace(county[:-1], " ")
        return found | short, text

    def find(self, text: str) -> list[TownMatch]:
        """Every township the text names, narrowed to the county when one is named too."""
        rest = basic_fold(text).replace(" ", "")
        matches: list[TownMatch] = []
        # Full names first (「南投市」 is a township; 「南投」 alone would be the county).
        for name in self._names:
            if name in rest:
                matches.extend(TownMatch(t, True) for t in self._by_name[name])
                rest = rest.replace(name, " ")
        counties, rest = self._counties_in(rest)
        for base in self._bases:
            if len(base) >= 2 and base in rest:
                matches.extend(TownMatch(t, False) for t in self._by_base[base])
                rest = rest.replace(base, " ")
        if counties:
            in_county = [m for m in matches if basic_fold(m.township.county) in counties]
            matches = in_county or matches
        seen: set[tuple[str, str]] = set()
        unique = []
        for m in matches:
            key = (m.township.county, m.township.town)
            if key not in seen:
                seen.add(key)
                unique.append(m)
        return unique

    def residue(self, text: str) -> str:
        """What is left of ``text`` once town and county names and tier words are taken out."""
        rest = basic_fold(text).replace(" ", "")
        for name in self._names:
            rest = rest.replace(name, "")
        _, rest = self._counties_in(rest)
        for base in self._bases:
            if len(base) >= 2:
                rest = rest.replace(base, "")
        rest = _TIER_WORDS.sub("", rest)
        return re.sub(r"[\s是的在屬於哪個一第幾請問那呢嗎?]+", "", rest)

    @staticmethod
    def asks_for_tier(text: str) -> bool:
        return bool(_TIER_WORDS.search(basic_fold(text)))

    def get(self, county: str, town: str) -> Township | None:
        for t in self._by_name.get(basic_fold(town), []):
            if basic_fold(t.county) == basic_fold(county):
                return t
        return None
