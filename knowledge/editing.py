"""Staff changes on top of the shipped knowledge: applying them, checking them, comparing them.

The shipped YAML (``knowledge/faq/*.yaml``) is the seed. What staff change lives elsewhere (the
database) as whole entries, by id — a changed entry, a new one, or ``None`` for a retired one —
and is laid over the seed here. Everything in this module is pure: it takes and returns plain
data and :class:`KnowledgeBase` objects, so the rules are the same in the console, the API, the
export command and the tests.
"""
from __future__ import annotations

import difflib
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

import yaml
from pydantic import ValidationError

from knowledge.loader import Entry, KnowledgeBase

__all__ = [
    "ALLOWED_FACETS", "MAX_ANSWER", "MAX_TITLE", "Overlay", "apply", "as_dict", "changed_lines", "copy_for_year",
    "entry_hash", "needs_checking", "problems", "to_yaml",
]

#: LINE's limits that an entry must fit: a text message, and a quick-reply label for its title.
MAX_ANSWER = 5000
MAX_TITLE = 20
ALLOWED_FACETS = {"class": {"A", "B"}}
#: A date, an amount or a count in an answer: what a new year's 須知 is likely to change.
_CHECK = re.compile(r"\d+\s*(?:年|月|日|號|萬|元|億|家|人|場|次|件|%|％|天|週|小時|分)|\d{2,3}/\d{1,2}|\{\{date:")
_DATE = re.compile(r"\{\{date:([a-z]+)\d{2,3}-")

Overlay = Mapping[str, dict[str, Any] | None]


def as_dict(entry: Entry) -> dict[str, Any]:
    """An entry as the YAML files and the editor hold it (no defaults padded in)."""
    return entry.model_dump(mode="json", exclude_none=True, exclude_defaults=True) | {
        "id": entry.id, "program": entry.program, "year": entry.year, "topic": entry.topic}


def entry_hash(data: Mapping[str, Any] | None) -> str:
    """A fingerprint of an entry's content: has the seed changed since staff last looked at it?"""
    return hashlib.sha256(json.dumps(data, ensure_ascii=False, sort_keys=True, default=str).encode()).hexdigest()


def apply(seed: KnowledgeBase, overlay: Overlay, *, out_of_scope: Iterable[str] = ()) -> KnowledgeBase:
    """The seed with staff changes laid over it: replaced and new entries, retired ones gone.

    Entries that fail validation are skipped rather than breaking every answer: publishing
    refuses them (:func:`problems`), so only a hand-edited database could hold one.
    """
    entries: list[Entry] = []
    seen: set[str] = set()
    for entry in seed.entries:
        seen.add(entry.id)
        if entry.id not in overlay:
            entries.append(entry)
            continue
        data = overlay[entry.id]
        if data is not None:
            try:
                entries.append(Entry.model_validate(data))
            except ValidationError:
                entries.append(entry)
    for entry_id, data in overlay.items():
        if entry_id not in seen and data is not None:
            try:
                entries.append(Entry.model_validate(data))
            except ValidationError:
                continue
    kb = seed.model_copy(update={"entries": tuple(entries), "out_of_scope": tuple(out_of_scope)})
    return kb


def problems(data: Mapping[str, Any], kb: KnowledgeBase, *, new: bool = False) -> list[str]:
    """What stops this entry from being published, one message per problem (empty: fine)."""
    found: list[str] = []
    entry_id = str(data.get("id") or "")
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,79}", entry_id):
        found.append("代號只能用小寫英文字母、數字和連字號（-），例如 dc-deadline-a-116。")
    elif new and kb.entry(entry_id) is not None:
        found.append(f"代號「{entry_id}」已經有別的條目在用了，請換一個。")
    answer = str(data.get("answer") or "").strip()
    if not answer:
        found.append("答案不能空白。")
    elif len(answer) > MAX_ANSWER:
        found.append(f"答案有 {len(answer)} 字，LINE 一則訊息最多 {MAX_ANSWER} 字。")
    title = str(data.get("title") or "").strip()
    if not title:
        found.append("標題不能空白（它會出現在「您是想問…」的按鈕上）。")
    elif len(title) > MAX_TITLE:
        found.append(f"標題有 {len(title)} 字，LINE 按鈕最多 {MAX_TITLE} 字。")
    source = data.get("source") or {}
    if not str(source.get("file") or "").strip() or not str(source.get("section") or "").strip():
        found.append("請填出處：來源文件和章節（回答會引用它）。")
    for key, value in (data.get("facets") or {}).items():
        if key not in ALLOWED_FACETS or value not in ALLOWED_FACETS[key]:
            found.append(f"分類「{key}={value}」不在允許的範圍（只有 class：A 或 B）。")
    questions = [str(q).strip() for q in data.get("questions") or [] if str(q).strip()]
    if not questions:
        found.append("至少要有一個問法。")
    # The same question may be asked of another year's version of the same entry (a program year
    # staff started from the last one), never of a different entry.
    same_topic = (data.get("program"), data.get("topic"))
    taken = {_fold(q): e.id for e in kb.entries if e.id != entry_id and not (
        (e.program, e.topic) == same_topic and str(e.year) != str(data.get("year"))) for q in e.questions}
    for question in questions:
        owner = taken.get(_fold(question))
        if owner:
            found.append(f"問法「{question}」已經是條目 {owner} 的問法；同一個問法只能屬於一個條目。")
    if not found:
        try:
            Entry.model_validate(dict(data))
        except ValidationError as exc:
            for error in exc.errors():
                where = ".".join(str(p) for p in error["loc"])
                found.append(f"欄位 {where}：{error['msg']}")
    return found


def _fold(text: str) -> str:
    return re.sub(r"[\s？?！!。，,、]", "", text).lower()


def needs_checking(data: Mapping[str, Any]) -> bool:
    """Whether an answer states a date, an amount or a count (to check against a new 須知)."""
    return bool(_CHECK.search(str(data.get("answer") or "")))


def copy_for_year(data: Mapping[str, Any], year: int, *, taken: set[str]) -> dict[str, Any]:
    """An entry copied into another program year: a new id, the new year, the same words to review."""
    base = re.sub(r"-\d{3}$", "", str(data["id"]))
    new_id = f"{base}-{year}"
    n = 2
    while new_id in taken:
        new_id, n = f"{base}-{year}-{n}", n + 1
    copy = json.loads(json.dumps(dict(data), ensure_ascii=False))
    copy.update(id=new_id, year=year)
    # Dates come from the calendar: point them at the new year's milestones (copied alongside).
    for side in (copy, copy.get("en") or {}):
        if "answer" in side:
            side["answer"] = _DATE.sub(lambda m: f"{{{{date:{m.group(1)}{year}-", side["answer"])
    return copy


def changed_lines(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> list[str]:
    """A readable diff of two versions of an entry (unified, field by field in YAML)."""
    old = to_yaml([dict(before)]).splitlines() if before else []
    new = to_yaml([dict(after)]).splitlines() if after else []
    return [line for line in difflib.unified_diff(old, new, "之前", "之後", lineterm="", n=1)][2:]


class _Dumper(yaml.SafeDumper):
    """Block style for multi-line answers, so an exported file reads like the shipped ones."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_Dumper.add_representer(str, _text)


def to_yaml(entries: Iterable[Mapping[str, Any]]) -> str:
    """Entries as a knowledge YAML file (the shipped files' layout and key order)."""
    order = ["id", "program", "year", "topic", "facets", "title", "questions", "keywords", "answer", "en", "source"]
    rows = [{k: dict(e)[k] for k in order if k in e} | {k: v for k, v in dict(e).items() if k not in order}
            for e in entries]
    return yaml.dump(rows, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=120)
