"""Social turns: thanks, greetings, praise, complaints, "who are you", "a person please", bye, OK.

They are not questions about the programs, so they must never reach retrieval (where 「謝謝」
used to earn 「抱歉，這個問題我沒有把握回答」). The phrases are data (``knowledge/social.yaml``); a
message counts as social only when it is made of social phrases from end to end, so
「謝謝，那B類呢？」 is still a question.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.labels import fold
from knowledge.loader import SocialIntent
from knowledge.normalize import to_traditional

__all__ = ["SocialTurns", "fold_social"]

#: When a message holds several social phrases («好的謝謝»), the most telling one wins.
PRIORITY = ("complaint", "identity", "human", "thanks", "praise", "goodbye", "greeting", "ack")
_SEPARATORS = r"[\s,，.。!！?？~～、;；:：…\-—]*"
#: Sounds and particles that carry no meaning of their own around a social phrase.
_FILLERS = r"(?:請問|那個|哇|哇塞|嗯|欸|喂|呃|哈哈+|哈|呵呵|啊|呀|喔|哦|耶|啦|嗎|呢|吧|唷|齁|捏|餒|啊|well|oh|wow|um|uh|so|hmm|haha|lol|xd|xdd|orz|qq|please|and|but)"

_SYMBOLS = re.compile(r"[=^><_*+|/\\#$%&@`]+")
#: Chat spellings of English words, read as the words (are u a bot? → are you a bot?).
_TEXTING_WORDS = {"u": "you", "r": "are", "ur": "your", "pls": "please", "plz": "please", "ppl": "people",
                  "im": "i'm", "dont": "don't", "cant": "can't", "wanna": "want to", "gonna": "going to"}
_TEXTING = re.compile(r"(?<![a-z'])(?:" + "|".join(_TEXTING_WORDS) + r")(?![a-z'])")


def fold_social(text: str) -> str:
    text = fold(text).lower()
    text = to_traditional(text).replace("台", "臺")
    text = re.sub(r"[\U0001F000-\U0001FAFF\u2600-\u27BF\uFE0F]", " ", text)  # emoji
    text = re.sub(r"['’]", "'", text)
    text = _SYMBOLS.sub(" ", text)  # emoticons made of symbols: ==, ^^, >_<, T_T
    text = _TEXTING.sub(lambda m: _TEXTING_WORDS[m.group(0)], text)
    return " ".join(text.split()).strip(" ,，.。!！?？~～、;；:：…")


@dataclass(frozen=True)
class SocialMatch:
    intent: str
    spec: SocialIntent


class SocialTurns:
    def __init__(self, intents: dict[str, SocialIntent]) -> None:
        self.intents = intents
        self._one: dict[str, re.Pattern[str]] = {}
        alternatives: list[str] = []
        for name, spec in intents.items():
            body = "|".join(f"(?:{p})" for p in (*spec.zh, *spec.en))
            # Whole words for English: «goodbye» is not praise for being «good».
            self._one[name] = re.compile(f"(?<![a-z])(?:{body})(?![a-z])")
            alternatives.append(f"(?:{body})")
        any_phrase = "|".join(alternatives) or "(?!)"
        self._any = re.compile(f"(?:{any_phrase})")
        self._whole = re.compile(f"(?:{_SEPARATORS}(?:{_FILLERS}{_SEPARATORS})*(?:{any_phrase}))+(?:{_SEPARATORS}{_FILLERS})*{_SEPARATORS}")

    def match(self, text: str) -> SocialMatch | None:
        """The social intent of a message made only of social phrases, else ``None``."""
        folded = fold_social(text)
        if not folded or len(folded) > 60 or not self._whole.fullmatch(folded):
            return None
        # The phrase that says most wins («good morning» is a greeting, though «good» is praise);
        # between phrases as long, the most telling intent.
        spans = {name: max((len(m.group(0)) for m in pattern.finditer(folded)), default=0)
                 for name, pattern in self._one.items()}
        found = [name for name, span in spans.items() if span]
        if not found:
            return None
        rank = {name: i for i, name in enumerate(PRIORITY)}
        name = min(found, key=lambda n: (-spans[n], rank.get(n, len(rank))))
        return SocialMatch(name, self.intents[name])

    def residue(self, text: str) -> str:
        """What is left of a message once its social phrases are taken out."""
        return self._any.sub(" ", fold_social(text)).strip()

    def cue(self, text: str) -> SocialMatch | None:
        """The social intent of a short message that holds a social phrase among other words."""
        folded = fold_social(text)
        if len(folded) > 60:
            return None
        found = [name for name, pattern in self._one.items() if pattern.search(folded)]
        for name in PRIORITY:
            if name in found:
                return SocialMatch(name, self.intents[name])
        return None
