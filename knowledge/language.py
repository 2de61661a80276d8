"""Which language a message is written in: the answer is given in the same one.

Owners write Chinese, English, or a mix («A類的deadline是哪天», «what's the 分群 of 竹山鎮»). A
mixed message is answered in the language that carries its grammar. We approximate that by
weighing Latin words against CJK characters: a Chinese word is about two and a half characters
long on average, so one English word weighs as much as 2.5 characters.
"""
from __future__ import annotations

import re
from typing import Literal

from knowledge.labels import fold

__all__ = ["HAN", "Lang", "language_of"]

Lang = Literal["zh", "en"]

#: One Han character: what counts as Chinese everywhere in the knowledge package.
HAN = re.compile(r"[\u3400-\u9fff]")
#: Latin words of two letters or more: single letters are class names (A類) or articles.
_WORD = re.compile(r"[a-z]{2,}")
#: Latin words that appear inside Chinese sentences without making them English.
_LOANS = frozenset({"ok", "line", "email", "mail", "youtube", "pos", "app", "fb", "ig", "kpi", "sme", "smes",
                    "pdf", "word", "excel", "ppt", "google", "po", "qa", "erp", "crm", "ai", "iot", "vs"})
_CHARS_PER_WORD = 2.5


def language_of(text: str) -> Lang:
    """``"en"`` when English words outweigh Chinese characters, else ``"zh"``.

    >>> language_of("When is the deadline for Category A?")
    'en'
    >>> language_of("A類的deadline是哪天")
    'zh'
    >>> language_of("what's the 分群 of 竹山鎮")
    'en'
    """
    folded = fold(text).lower()
    cjk = len(HAN.findall(folded))
    words = [w for w in _WORD.findall(folded) if w not in _LOANS]
    if not words:
        return "zh"
    return "en" if len(words) * _CHARS_PER_WORD >= cjk else "zh"
