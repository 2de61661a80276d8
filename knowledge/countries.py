"""Country names in Chinese and English, from the Unicode CLDR tables that Babel ships.

An owner names the market they want to reach (德國, Vietnam, 沙烏地阿拉伯); the documents speak of
«a country», «one target market», and name only a handful. Reading every country name as the
concept «country» lets a question about any market find the market rule, and keeps a country
the documents never name from looking like a topic we know nothing about. Taiwan and the
Greater China codes are left out: they are home, not a market abroad, in these programs.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from babel import Locale

__all__ = ["country_names", "unnamed_countries"]

#: Home, not a foreign market, in these programs (and 中國 appears inside unrelated names).
_HOME = frozenset({"TW", "CN", "HK", "MO"})
#: Two-letter codes CLDR uses for groupings and placeholders, not countries.
_NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"})
_LOCALES = {"zh": "zh_Hant_TW", "en": "en"}


def _plain(name: str) -> str:
    """Lower-case ASCII (Türkiye → turkiye)."""
    folded = unicodedata.normalize("NFKD", name)
    return "".join(c for c in folded if not unicodedata.combining(c)).lower()


@lru_cache(maxsize=2)
def country_names(lang: str) -> tuple[str, ...]:
    """Every country's name in ``lang`` ("zh" or "en"), with «Myanmar (Burma)» giving both names."""
    territories = Locale.parse(_LOCALES[lang]).territories
    names: set[str] = set()
    for code, name in territories.items():
        if not re.fullmatch(r"[A-Z]{2}", code) or code in _HOME | _NOT_COUNTRIES:
            continue
        if lang == "en":  # «Myanmar (Burma)»: two names of one country
            names.update(_plain(p.strip()) for p in re.split(r"[()]", name) if len(p.strip()) >= 2)
        else:  # «科克斯（基靈）群島»: the bracket is part of one name
            names.add(re.sub(r"[（(][^）)]*[）)]", "", name))
    return tuple(sorted(names))


def unnamed_countries(lang: str, spec: dict, named: str) -> tuple[tuple[str, ...], str]:
    """The names (CLDR's plus ``spec["aliases"]``) to read as ``spec["as"]``, and that term.

    A country ``named`` (the knowledge base's own text) mentions keeps its name: a rule about
    美國 stays about 美國. Chinese names are matched inside the text, English ones as whole words.
    """
    if not spec.get("as"):
        return (), ""
    lowered = named.lower()
    names = [*country_names(lang), *(str(a) for a in spec.get("aliases") or [])]
    if lang == "en":
        keep = [n for n in names if not re.search(rf"\b{re.escape(n.lower())}\b", lowered)]
    else:
        keep = [n for n in names if n not in named]
    return tuple(keep), str(spec["as"])
