"""The question sets: **dev** (looked at and tuned on) and **held-out** (run, never tuned on).

* dev: the public set (``../shared/eval/faq_dev.jsonl``), our earlier paraphrase set
  (``bench/data/dev/paraphrases.jsonl`` — once called held-out, but it has been looked at since,
  so it is dev now), and ``bench/data/dev/broad.jsonl`` (every kind: English, mixed, Simplified,
  typos, two-part, near misses, social turns, conversations), and ``bench/data/dev/fresh.jsonl``
  and ``fresh2.jsonl`` (each written from the documents alone like the held-out sets, its first run
  recorded in docs/benchmarks.md, then looked at: dev from then on);
* held-out: ``bench/data/heldout/*.jsonl``, written by helpers given only the program
  documents — never the knowledge base, the code or the failures. Do not read them to tune.
"""
from __future__ import annotations

from pathlib import Path

from bench.quality import load_questions

__all__ = ["DATA", "PUBLIC", "dev_sets", "heldout_sets"]

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
PUBLIC = ROOT.parent / "shared" / "eval" / "faq_dev.jsonl"


def dev_sets() -> dict[str, list[dict]]:
    sets: dict[str, list[dict]] = {}
    if PUBLIC.exists():
        sets["dev/public"] = load_questions(PUBLIC)
    for path in sorted((DATA / "dev").glob("*.jsonl")):
        sets[f"dev/{path.stem}"] = load_questions(path)
    return sets


def heldout_sets() -> dict[str, list[dict]]:
    return {f"heldout/{p.stem}": load_questions(p) for p in sorted((DATA / "heldout").glob("*.jsonl"))}
