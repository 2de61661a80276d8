"""Which rule of the program documents each knowledge-base entry carries — and which none does.

An owner can ask about any rule in the 須知, so every paragraph of 001 and 003 that states a
fact (a count, date, percentage, amount, duration, obligation, penalty, document, format, role or
contact) must be answerable. This module splits the documents into paragraphs, keeps those that
state a fact, and finds the entry whose answer carries it:

* a paragraph with figures is carried by an entry whose answer holds every one of its figures
  (「10家」, 「50%」, 「2年」, 「100萬」, 「3月6日」 — Chinese numerals read as digits);
* a paragraph without figures is carried by the entry whose answer shares most of its wording
  (IDF-weighted character bigrams), when that share is high enough.

``knowledge/coverage.yaml`` names the parts of the documents that are covered elsewhere (the
form templates are the chat forms in ``knowledge/forms/``; the township table is ``townships.csv``)
and the few paragraphs that only restate another, each with its reason.

``python -m knowledge.coverage`` prints what is missing (``--all``: every paragraph; ``--suggest``:
the likeliest entry for each missing one); the test suite requires none missing.
"""
from __future__ import annotations

import math
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from knowledge.calendar import load_calendar, say_date
from knowledge.loader import DATA_DIR, KnowledgeBase, load_knowledge, read_yaml
from knowledge.normalize import basic_fold

__all__ = ["Paragraph", "Row", "coverage", "figures", "main", "paragraphs", "suggest"]

SEEDS = DATA_DIR.parent.parent / "shared" / "seeds"
_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "兩": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = r"(?:%|家|萬|元|日|天|個月|月|年|次|場|分鐘|份|頁|字|小時|件|人|歲|成|式|項|個|位|倍|張)"
_FIGURE = re.compile(r"(\d+(?:[.,]\d+)?)(" + _UNITS[3:-1] + r")")
_FACT = re.compile(
    r"\d|應|須|需|不得|必須|得於|停權|撤銷|解除契約|證明|影本|計畫書|簡報|電話|分機|@|領導企業|提案單位|顧問|"
    r"截止|期限|上限|至少|以上|以下|不超過|不予|視為|罰|補助|經費|蓋|印|裝訂|份|格式|頁|"
    r"係指|是指|定義|資料來源|依據|共推|擔任|組成|透過"
)
_NOISE = re.compile(r"\[bookmark: [^\]]*\]")
_PLACEHOLDER = re.compile(r"\{\{date:([a-z0-9-]+)\}\}")


def _cn_number(text: str) -> str:
    """「十家」→「10家」, 「二十五」→「25」, 「二日」→「2日」: figures as digits."""

    def convert(match: re.Match[str]) -> str:
        s = match.group(0)
        if "十" in s:
            tens, _, ones = s.partition("十")
            return str((_DIGITS.get(tens, 1) if tens else 1) * 10 + (_DIGITS.get(ones, 0) if ones else 0))
        return "".join(str(_DIGITS[c]) for c in s)

    return re.sub(r"[一二兩三四五六七八九]?十[一二三四五六七八九]?|[零〇一二兩三四五六七八九](?=" + _UNITS + ")", convert, text)


_ADDRESS = re.compile(r"https?://[\w./-]+|[a-z0-9._-]+@[a-z0-9-]+\.[a-z0-9.-]+|\(0\d\)\s*[\d-]{7,}|分機\s*\d+", re.IGNORECASE)


def figures(text: str) -> set[str]:
    """The checkable facts of a text: figures with their units, web and e-mail addresses, phones."""
    raw = text.replace("（", "(").replace("）", ")")
    found = {re.sub(r"\s+|-", "", a).rstrip("./").lower() for a in _ADDRESS.findall(raw)}
    # Punctuation stays a boundary («2、5年» is not 25年), ordinals are not counts (第一項), and
    # a leading zero is not a different figure (07月 is 7月).
    folded = _cn_number(re.sub(r"第[一二三四五六七八九十0-9]+", " ", basic_fold(text)))
    folded = re.sub(r"(?<=\d),(?=\d{3})", "", folded.replace("％", "%"))
    folded = re.sub(r"(?<![\d.])0+(?=\d)", "", folded)
    figures_found = {f"{n}{u}" for n, u in _FIGURE.findall(folded)}
    return found | figures_found


@dataclass(frozen=True)
class Paragraph:
    file: str
    line: int
    section: str
    text: str


@dataclass(frozen=True)
class Row:
    paragraph: Paragraph
    entry: str | None  # entry id, or None when no entry carries it
    how: str  # "figures", "wording", "elsewhere: …", "—"


def _scope() -> dict:
    data = read_yaml((DATA_DIR / "coverage.yaml").read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def paragraphs(seeds: Path = SEEDS) -> list[Paragraph]:
    """Every fact-stating paragraph of 001 and 003, with the heading it sits under."""
    scope = _scope()
    out: list[Paragraph] = []
    for file, spec in (scope.get("files") or {}).items():
        lines = (seeds / file).read_text(encoding="utf-8").splitlines()
        section = ""
        for number, raw in enumerate(lines, 1):
            text = _NOISE.sub("", raw).strip()
            if not text:
                continue
            if re.match(r"^(?:[壹貳參叁肆伍陸柒捌玖拾]、|附件[一二三四五]|[一二三四五六七八九十]+、)", text) or spec.get("headings") and \
                    any(text.startswith(h) for h in spec["headings"]):
                section = text[:30]
            if not any(lo <= number <= hi for lo, hi in spec.get("lines", [])):
                continue
            if len(text) < 14 or not _FACT.search(text):
                continue
            out.append(Paragraph(file, number, section, text))
    return out


def _answers(kb: KnowledgeBase) -> dict[str, str]:
    milestones = {m.id: m for m in load_calendar().milestones}

    def render(text: str) -> str:
        return _PLACEHOLDER.sub(lambda m: say_date(milestones[m.group(1)]) if m.group(1) in milestones else "", text)

    return {e.id: render(e.answer) for e in kb.entries}


def _wording(kb: KnowledgeBase, answers: dict[str, str]) -> dict[str, str]:
    """What an entry says and what it is asked: its answer, phrasings and keywords."""
    return {e.id: " ".join([answers[e.id], e.title, *e.questions, *e.keywords]) for e in kb.entries}


def _bigrams(text: str) -> list[str]:
    chars = re.findall(r"[\u3400-\u9fff]", basic_fold(text))
    return [a + b for a, b in zip(chars, chars[1:])]


def _key(text: str) -> str:
    """A paragraph's identity in ``coverage.yaml``: its first 24 folded characters."""
    return basic_fold(text).replace(" ", "")[:24]


def suggest(p: Paragraph, kb: KnowledgeBase, answers: dict[str, str]) -> tuple[str | None, str]:
    """The entry that most likely carries a paragraph (by figures, then by wording), for curation."""
    want = figures(p.text)
    answer_figures = {i: figures(t) for i, t in answers.items()}
    wording = {i: set(_bigrams(t)) for i, t in _wording(kb, answers).items()}
    grams = set(_bigrams(p.text))
    if want:
        carriers = [i for i, have in answer_figures.items() if want <= have]
        if carriers:
            return max(carriers, key=lambda i: len(wording[i] & grams)), "figures"
    df: Counter[str] = Counter()
    for g in wording.values():
        df.update(g)
    weight = {g: math.log((len(answers) + 1) / (df.get(g, 0) + 0.5)) for g in grams}
    total = sum(weight.values()) or 1.0
    share, best = max(((sum(weight[g] for g in grams & have) / total, i) for i, have in wording.items()), default=(0.0, None))
    return best, f"wording {share:.2f}"


def coverage(kb: KnowledgeBase | None = None, seeds: Path = SEEDS) -> list[Row]:
    """Every fact-stating paragraph with the entry ``coverage.yaml`` says carries it.

    A paragraph is carried when it is mapped to an entry whose answer holds every figure of the
    paragraph (or to an entry and a note saying which figures are examples, not rules), or
    waived with a reason (covered by the chat forms, the township table, or a heading only).
    """
    kb = kb or load_knowledge()
    scope = _scope()
    answers = _answers(kb)
    carriers = {_key(str(c["text"])): c for c in scope.get("carriers") or []}
    rows: list[Row] = []
    for p in paragraphs(seeds):
        spec = carriers.get(_key(p.text))
        if spec is None:
            rows.append(Row(p, None, "— not mapped"))
            continue
        if "waived" in spec:
            rows.append(Row(p, None, f"elsewhere: {spec['waived']}"))
            continue
        entry_ids = spec["entry"] if isinstance(spec["entry"], list) else [spec["entry"]]
        unknown = [e for e in entry_ids if e not in answers]
        if unknown:
            rows.append(Row(p, None, f"— unknown entry {unknown}"))
            continue
        held = set().union(*(figures(answers[e]) for e in entry_ids))
        lacking = figures(p.text) - held - set(spec.get("examples") or [])
        if lacking:
            rows.append(Row(p, None, f"— {','.join(entry_ids)} lacks {sorted(lacking)}"))
            continue
        rows.append(Row(p, ",".join(entry_ids), "mapped"))
    return rows


def main(argv: list[str] | None = None) -> int:
    import signal

    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    args = argv if argv is not None else sys.argv[1:]
    kb = load_knowledge()
    rows = coverage(kb)
    missing = [r for r in rows if r.entry is None and not r.how.startswith("elsewhere")]
    answers = _answers(kb) if "--suggest" in args else {}
    for r in rows:
        if "--all" in args or r in missing:
            mark = r.entry or "MISSING"
            hint = ""
            if answers and r in missing:
                best, how = suggest(r.paragraph, kb, answers)
                hint = f"  [suggest {best} ({how})]"
            print(f"{r.paragraph.file[:3]}:{r.paragraph.line:<5} {mark:<32} {r.how:<28} {_key(r.paragraph.text)}{hint}")
    carried = sum(1 for r in rows if r.entry)
    elsewhere = sum(1 for r in rows if r.how.startswith("elsewhere"))
    print(f"\n{len(rows)} fact-stating paragraphs: {carried} carried by an entry, {elsewhere} covered elsewhere, "
          f"{len(missing)} missing")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
