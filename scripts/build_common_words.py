"""Regenerate ``knowledge/common_words.txt``: two-character words common in written Chinese.

The homophone corrector (``knowledge/phonetic.py``) replaces a two-character pair the knowledge
base never uses with one it does that sounds the same (群據 → 群聚). Some unseen pairs are
ordinary words (出租, 工程): correcting them turns a right question into a wrong one. This list
tells the corrector which pairs are words in their own right. It comes from jieba's dictionary
(MIT licence; word frequencies from a large general corpus), converted to Traditional Chinese
(Taiwan) the way questions are. jieba is needed only here, at build time:

    pip install jieba==0.42.1 && PYTHONPATH=. python scripts/build_common_words.py
"""
from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

from opencc import OpenCC

from knowledge.normalize import to_traditional

OUT = Path(__file__).resolve().parents[1] / "knowledge" / "common_words.txt"
#: Words seen at least this often in jieba's corpus: rarer entries include typos' accidental
#: lookalikes (輔道) that must stay correctable.
MIN_FREQUENCY = 20
_CJK = re.compile(r"^[\u3400-\u9fff]{2}$")
_S2TW = OpenCC("s2tw")


def main() -> None:
    text = (resources.files("jieba") / "dict.txt").read_text(encoding="utf-8")
    words: set[str] = set()
    for line in text.splitlines():
        word, frequency, *_ = line.split()
        if int(frequency) >= MIN_FREQUENCY and _CJK.match(word):
            # Both the characters as written in Taiwan (單車) and the Taiwan phrasing questions are
            # folded to (simplified 单车 becomes 腳踏車, which is then no two-character word).
            for traditional in {_S2TW.convert(word), to_traditional(word)}:
                if _CJK.match(traditional):
                    words.add(traditional)
    header = f"# Two-character words with frequency >= {MIN_FREQUENCY} in jieba 0.42.1's dictionary, Traditional Chinese.\n"
    OUT.write_text(header + "\n".join(sorted(words)) + "\n", encoding="utf-8")
    print(f"{len(words)} words → {OUT}")


if __name__ == "__main__":
    main()
