"""附件三: which digital-development tier (分群1–4) a township belongs to.

Users name towns loosely — 「竹山」, 「竹山鎮」, 「南投竹山鎮」, 「台北大安區」 — and many district names
exist in several cities, so a lookup returns every match and lets the caller ask which one.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.loader import Romanized, Township
from knowledge.normalize import basic_fold

__all__ = ["TIER_NAMES", "TownMatch", "TownshipIndex"]

TIER_NAMES = {1: "數位發展成熟區", 2: "數位發展潛力區", 3: "數位發展起步區", 4: "數位發展萌動區"}

_SUFFIXES = ("鄉", "鎮", "市", "區")
_TOWN_WORDS = {"township", "town", "city", "district", "village", "xiang", "zhen", "qu", "hsiang", "chen", "twp", "dist"}
_COUNTY_SUFFIXES = ("縣", "市")

#: A question is about tiers when it says so; a bare town name with a suffix also counts.
_TIER_WORDS = re.compile(r"分群|分區|第.{0,2}群|幾群|哪.{0,2}群|群別|數位發展|數位分|分類|級別|哪一區|哪區|[1-4一二三四]區")
#: … or when it asks what the tier is good for: bonus points, remoteness.
_TIER_USE = re.compile(r"加分|偏鄉|偏遠|鄉下|弱勢|數位落差|算.{0,3}區|屬於|位於|算不算|算是|算哪")
_TIER_WORDS_EN = re.compile(r"\b(tier|tiers|bonus|extra points|remote|rural|category of|classification|classified|group|level|zone|分群)\b")
#: Words around a romanized name that say what it is; they are skipped when reading names.
_PLACE_WORDS = {"township", "town", "city", "district", "county", "village", "shi", "xiang", "zhen", "qu", "hsiang",
                "chen", "chu", "dist", "twp", "in", "of", "the", "taiwan"}


@dataclass(frozen=True)
class TownMatch:
    """A township found in a question, with how sure we are it was meant."""

    township: Township
    explicit_suffix: bool  # the user wrote 「竹山鎮」, not just 「竹山」


class TownshipIndex:
    def __init__(self, townships: tuple[Township, ...], romanized: tuple[Romanized, ...] = (),
                 *, english_words: frozenset[str] = frozenset()) -> None:
        self.townships = townships
        by_key = {(t.county, t.town): t for t in townships}
        self._roman_towns: dict[str, list[Township]] = {}
        self._roman_counties: dict[str, str] = {}
        for row in romanized:
            for spelling in row.spellings:
                if len(spelling) < 4 or spelling in english_words:
                    continue  # too short to tell from a word, or an English word itself
                if row.kind == "county":
                    self._roman_counties[spelling] = row.county
                elif (row.county, row.town) in by_key:
                    self._roman_towns.setdefault(spelling, []).append(by_key[(row.county, row.town)])
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
        folded = basic_fold(text)
        return bool(_TIER_WORDS.search(folded) or _TIER_USE.search(folded) or _TIER_WORDS_EN.search(folded))

    def find_romanized(self, text: str) -> list[TownMatch]:
        """Townships named in romanization («Ruisui», «Chu-shan Township», «Jiaoxi, Yilan»)."""
        folded = basic_fold(re.sub(r"(?<=[A-Za-z])['’-](?=[A-Za-z])", "", text))
        words = re.findall(r"[a-z]+", folded)
        matches: list[TownMatch] = []
        counties: set[str] = set()
        used: set[int] = set()
        for size in (3, 2, 1):
            for start in range(len(words) - size + 1):
                span = range(start, start + size)
                if used & set(span) or words[start] in _PLACE_WORDS:
                    continue
                key = "".join(words[i] for i in span)
                after = words[start + size] if start + size < len(words) else ""
                towns = self._roman_towns.get(key, [])
                county = self._roman_counties.get(key)
                if county and (not towns or after == "county" or (after != "city" and after not in _TOWN_WORDS)):
                    counties.add(county)
                    used |= set(span)
                    continue
                if towns:
                    matches.extend(TownMatch(t, after in _TOWN_WORDS) for t in towns)
                    used |= set(span)
        if counties:
            in_county = [m for m in matches if m.township.county in counties]
            matches = in_county or matches
        seen: set[tuple[str, str]] = set()
        return [m for m in matches if (k := (m.township.county, m.township.town)) not in seen and not seen.add(k)]  # type: ignore[func-returns-value]

    def romanized_residue(self, text: str) -> str:
        """An English question without its place names and place words."""
        folded = basic_fold(re.sub(r"(?<=[A-Za-z])['’-](?=[A-Za-z])", "", text))
        words = [w for w in re.findall(r"[a-z]+", folded)
                 if w not in self._roman_towns and w not in self._roman_counties and w not in _PLACE_WORDS]
        return " ".join(words)

    def get(self, county: str, town: str) -> Township | None:
        for t in self._by_name.get(basic_fold(town), []):
            if basic_fold(t.county) == basic_fold(county):
                return t
        return None
