"""What staff do to the knowledge, for the console and the API alike: drafts, publishing with its
checks, versions and rollback, conflicts with a newly shipped seed, a new program year, acting on
what users asked, and trying a question.

Every change is a draft until published. Publishing checks each draft (LINE's limits, a unique
id, a source, allowed facets, no phrasing shared with another entry) against the knowledge it
would produce, refuses the lot if one fails, writes one version with each entry's before and
after, and records it in the audit log. Workers pick the new version up by themselves
(``bot/live_knowledge.py``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from db import audit, calendar, questions
from db import knowledge as store
from knowledge.editing import (
    apply,
    as_dict,
    changed_lines,
    copy_for_year,
    entry_hash,
    needs_checking,
    problems,
)
from knowledge.errors import AssistantError
from knowledge.grouping import Group, as_asked, group
from knowledge.labels import program_label
from knowledge.loader import KnowledgeBase, default_knowledge

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.services import Services

__all__ = [
    "EditError", "Published", "conflicts", "discard", "entry_state", "group_unanswered", "list_entries",
    "mark_out_of_scope", "phrasings_for", "publish", "retire", "rollback", "save", "settle_conflict", "start_year",
    "try_question", "version_rows",
]

#: What a version's «before» says when an entry was still the shipped one.
SEED = {"seed": True}


class EditError(AssistantError, ValueError):
    """A change that cannot be made; the message says why, in the staff's language."""

    def __init__(self, message: str, details: list[str] | None = None) -> None:
        super().__init__(message)
        self.details = details or []


@dataclass
class Published:
    version: int
    entries: list[str] = field(default_factory=list)


def _seed() -> KnowledgeBase:
    return default_knowledge()


def _seed_dict(entry_id: str) -> dict[str, Any] | None:
    entry = _seed().entry(entry_id)
    return as_dict(entry) if entry is not None else None


def _live_of(session: Session) -> dict[str, dict[str, Any] | None]:
    return store.live(session=session)


def _current(entry_id: str, live: dict[str, dict[str, Any] | None]) -> dict[str, Any] | None:
    """The entry as users get it now: the staff version, or the shipped one (None: retired/unknown)."""
    if entry_id in live:
        return live[entry_id]
    return _seed_dict(entry_id)


# -- reading ---------------------------------------------------------------------------------------


def list_entries(session: Session, *, program: str = "", year: str = "", topic: str = "", text: str = "") -> list[dict]:
    """Entries as staff see them: the live state, with drafts and retirements marked."""
    live = _live_of(session)
    drafts = {d.entry_id: d for d in store.drafts(session=session)}
    kb = apply(_seed(), live)
    ids = [e.id for e in kb.entries] + [i for i in drafts if kb.entry(i) is None and i not in live]
    ids += [i for i, data in live.items() if data is None]  # retired ones stay listed
    rows = []
    needle = text.strip().lower()
    for entry_id in dict.fromkeys(ids):
        data = kb.entry(entry_id) and as_dict(kb.entry(entry_id))  # type: ignore[arg-type]
        draft = drafts.get(entry_id)
        shown = data or (draft.data if draft and draft.data else None) or _seed_dict(entry_id) or {}
        if program and shown.get("program") != program:
            continue
        if year and str(shown.get("year")) != year:
            continue
        if topic and shown.get("topic") != topic:
            continue
        if needle and needle not in " ".join([entry_id, str(shown.get("title", "")), str(shown.get("answer", "")),
                                               *map(str, shown.get("questions", []))]).lower():
            continue
        rows.append({
            "id": entry_id, "title": shown.get("title", ""), "program": program_label(shown.get("program")),
            "year": shown.get("year", ""), "topic": shown.get("topic", ""),
            "origin": "同仁新增" if _seed().entry(entry_id) is None else ("同仁修改" if entry_id in live else "須知"),
            "retired": entry_id in live and live[entry_id] is None,
            "draft": "停用草稿" if draft and draft.data is None else ("草稿" if draft else ""),
            "check": bool(draft and draft.check_note),
        })
    return rows


def entry_state(session: Session, entry_id: str) -> dict[str, Any] | None:
    """One entry for the editor: what is live, the draft if any, and what would stop publishing it."""
    live = _live_of(session)
    current = _current(entry_id, live)
    draft = store.get_draft(session=session, entry_id=entry_id)
    if current is None and draft is None and entry_id not in live:
        return None
    editing = draft.data if draft is not None and draft.data is not None else current
    others = apply(_seed(), {**live, entry_id: None})
    return {
        "id": entry_id, "live": current, "retired": entry_id in live and live[entry_id] is None,
        "draft": draft.data if draft is not None else None, "retiring": draft is not None and draft.data is None,
        "revision": draft.revision if draft is not None else 0, "check_note": draft.check_note if draft else None,
        "editing": editing, "problems": problems(editing, others) if editing else [],
        "diff": changed_lines(current, draft.data) if draft is not None else [],
        "seed": _seed_dict(entry_id) is not None, "updated_by": draft.updated_by if draft else None,
    }


# -- drafts ----------------------------------------------------------------------------------------


def save(session: Session, *, entry_id: str, data: dict[str, Any], revision: int | None, actor: str,
         new: bool = False) -> list[str]:
    """Save a draft (problems are shown, not refused: publishing refuses them). Returns the problems."""
    live = _live_of(session)
    current = _current(entry_id, live)
    if new and (current is not None or store.get_draft(session=session, entry_id=entry_id) is not None):
        raise EditError(f"代號「{entry_id}」已經有條目或草稿了，請換一個。")
    if not new and current is None and store.get_draft(session=session, entry_id=entry_id) is None:
        raise EditError(f"沒有代號「{entry_id}」的條目。")
    data = {**data, "id": entry_id}
    existing = store.get_draft(session=session, entry_id=entry_id)
    base = existing.base_hash if existing is not None else entry_hash(current)
    try:
        store.save_draft(session=session, entry_id=entry_id, data=data, base_hash=base, revision=revision, actor=actor)
    except store.EditConflict as exc:
        raise EditError(str(exc)) from None
    audit.record(session=session, actor=actor, action="knowledge_draft_saved", details={"entry": entry_id})
    return problems(data, apply(_seed(), {**live, entry_id: None}))


def retire(session: Session, *, entry_id: str, actor: str) -> None:
    """A draft that takes the entry out of the answers once published."""
    live = _live_of(session)
    if _current(entry_id, live) is None:
        raise EditError(f"沒有代號「{entry_id}」的條目可以停用。")
    store.save_draft(session=session, entry_id=entry_id, data=None, base_hash=entry_hash(_current(entry_id, live)),
                     revision=None, actor=actor)
    audit.record(session=session, actor=actor, action="knowledge_retire_drafted", details={"entry": entry_id})


def discard(session: Session, *, entry_id: str, actor: str) -> None:
    store.discard_draft(session=session, entry_id=entry_id)
    audit.record(session=session, actor=actor, action="knowledge_draft_discarded", details={"entry": entry_id})


# -- publishing ------------------------------------------------------------------------------------


def publish(session: Session, *, actor: str, note: str = "", only: list[str] | None = None) -> Published:
    """Publish the drafts (all, or ``only`` these): checked together, written as one version."""
    live = _live_of(session)
    drafts = [d for d in store.drafts(session=session) if only is None or d.entry_id in only]
    if not drafts:
        raise EditError("沒有要發布的草稿。")
    proposed = {**live, **{d.entry_id: d.data for d in drafts}}
    found: list[str] = []
    for draft in drafts:
        if entry_hash(_current(draft.entry_id, live)) != draft.base_hash:
            found.append(f"{draft.entry_id}：在你編輯之後，已有人發布了這個條目的新版本；請重新開啟草稿確認後再發布。")
        if draft.data is not None:
            others = apply(_seed(), {**proposed, draft.entry_id: None})
            found += [f"{draft.entry_id}：{p}" for p in problems(draft.data, others)]
    if found:
        raise EditError("有草稿還不能發布：", found)
    changes = [{"id": d.entry_id, "before": _before(d.entry_id, live), "after": d.data} for d in drafts]
    version = store.add_version(session=session, actor=actor, note=note or "發布草稿", changes=changes)
    for draft in drafts:
        seed = _seed_dict(draft.entry_id)
        store.set_live(session=session, entry_id=draft.entry_id, data=draft.data,
                       seed_hash=entry_hash(seed) if seed is not None else None, version=version, actor=actor)
        store.discard_draft(session=session, entry_id=draft.entry_id)
    for program, year in {(d.data["program"], int(d.data["year"])) for d in drafts if d.data}:
        calendar.publish_year(session=session, program=program, year=year)  # a new program year's dates go live too
    audit.record(session=session, actor=actor, action="knowledge_published",
                 details={"version": version, "entries": [d.entry_id for d in drafts], "note": note[:200]})
    return Published(version, [d.entry_id for d in drafts])


def _before(entry_id: str, live: dict[str, dict[str, Any] | None]) -> dict[str, Any] | None:
    if entry_id not in live:
        return dict(SEED) if _seed_dict(entry_id) is not None else None
    return {"data": live[entry_id]} if live[entry_id] is not None else {"retired": True}


def _state(before: dict[str, Any] | None) -> tuple[bool, dict[str, Any] | None]:
    """(back to the seed?, data) for a version's «before»."""
    if before is None or before.get("seed"):
        return True, None
    return False, before.get("data")


def rollback(session: Session, *, version_id: int, actor: str) -> Published:
    """Undo one published version, as a new version; refused for entries changed again since."""
    version = store.get_version(session=session, version_id=version_id)
    if version is None:
        raise EditError(f"沒有第 {version_id} 版。")
    live = _live_of(session)
    changes = [c for c in version.changes if "id" in c]
    blocked = [c["id"] for c in changes if entry_hash(_current(c["id"], live)) != entry_hash(c["after"])]
    if blocked:
        raise EditError(f"這些條目在第 {version_id} 版之後又改過了，不能直接還原：", blocked)
    undo = []
    for change in changes:
        to_seed, data = _state(change["before"])
        undo.append({"id": change["id"], "before": _before(change["id"], live),
                     "after": _seed_dict(change["id"]) if to_seed else data})
    new = store.add_version(session=session, actor=actor, note=f"還原第 {version_id} 版", changes=undo)
    for change in changes:
        to_seed, data = _state(change["before"])
        if to_seed:
            store.drop_live(session=session, entry_id=change["id"])
        else:
            seed = _seed_dict(change["id"])
            store.set_live(session=session, entry_id=change["id"], data=data,
                           seed_hash=entry_hash(seed) if seed else None, version=new, actor=actor)
    audit.record(session=session, actor=actor, action="knowledge_rolled_back", details={"version": version_id, "as": new})
    return Published(new, [c["id"] for c in changes])


def _before_data(entry_id: str, before: dict[str, Any] | None) -> dict[str, Any] | None:
    to_seed, data = _state(before)
    return _seed_dict(entry_id) if to_seed else data


def version_rows(session: Session) -> list[dict[str, Any]]:
    """Every published version: who, when, what, and a readable diff per entry."""
    return [{"id": v.id, "at": v.published_at, "by": v.published_by, "note": v.note,
             "entries": [c.get("id") or f"不回答：{c.get('scope', '')}" for c in v.changes],
             "diff": {c["id"]: changed_lines(_before_data(c["id"], c["before"]), c["after"])
                      for c in v.changes if "id" in c}}
            for v in store.versions(session=session)]


# -- a newly shipped seed ----------------------------------------------------------------------------


def conflicts(session: Session) -> list[dict[str, Any]]:
    """Entries staff changed whose shipped version changed too since: neither silently wins."""
    found = []
    for row in store.live_rows(session=session):
        seed = _seed_dict(row.entry_id)
        if row.seed_hash and seed is not None and entry_hash(seed) != row.seed_hash:
            found.append({"id": row.entry_id, "staff": row.data, "seed": seed, "by": row.updated_by,
                          "diff": changed_lines(row.data, seed)})
    return found


def settle_conflict(session: Session, *, entry_id: str, keep: str, actor: str) -> None:
    """Keep the staff version (acknowledging the new seed) or take the newly shipped one."""
    seed = _seed_dict(entry_id)
    live = _live_of(session)
    if seed is None or entry_id not in live:
        raise EditError("這個條目沒有待處理的衝突。")
    if keep == "seed":
        version = store.add_version(session=session, actor=actor, note=f"{entry_id} 採用新版須知內容",
                                    changes=[{"id": entry_id, "before": _before(entry_id, live), "after": seed}])
        store.drop_live(session=session, entry_id=entry_id)
    else:
        version = store.version(session=session)
        store.set_live(session=session, entry_id=entry_id, data=live[entry_id], seed_hash=entry_hash(seed),
                       version=version, actor=actor)
    audit.record(session=session, actor=actor, action="knowledge_conflict_settled", details={"entry": entry_id, "keep": keep})


# -- a new program year ------------------------------------------------------------------------------


def start_year(session: Session, *, program: str, from_year: int, to_year: int, actor: str) -> dict[str, int]:
    """Copy a program's entries and calendar of one year into drafts of another; entries stating a
    date, an amount or a count are flagged to check against the new 須知."""
    if to_year <= from_year:
        raise EditError("新年度要比來源年度晚。")
    live = _live_of(session)
    kb = apply(_seed(), live)
    source = [e for e in kb.entries if e.program == program and e.year == from_year]
    if not source:
        raise EditError(f"{program_label(program)} 沒有 {from_year} 年的條目可以複製。")
    taken = {e.id for e in kb.entries} | {d.entry_id for d in store.drafts(session=session)}
    flagged = 0
    for entry in source:
        copy = copy_for_year(as_dict(entry), to_year, taken=taken)
        taken.add(copy["id"])
        note = f"請對照 {to_year} 年須知確認答案中的日期、金額與家數" if needs_checking(copy) else None
        flagged += note is not None
        store.save_draft(session=session, entry_id=copy["id"], data=copy, base_hash=entry_hash(None), revision=None,
                         actor=actor, check_note=note)
    milestones = calendar.copy_year(session=session, program=program, from_year=from_year, to_year=to_year)
    audit.record(session=session, actor=actor, action="program_year_started",
                 details={"program": program, "from": from_year, "to": to_year, "entries": len(source)})
    return {"entries": len(source), "flagged": flagged, "milestones": len(milestones)}


# -- learning from users -------------------------------------------------------------------------------


def group_unanswered(session: Session, services: Services) -> list[Group]:
    normalize = services.assistant.retriever_for("zh").normalize
    return group(as_asked(questions.open_questions(session=session)), normalize)


def phrasings_for(session: Session, *, entry_id: str, texts: list[str], ids: list[int], actor: str) -> list[str]:
    """「意思是條目 X」: the questions become phrasings of X (a draft, published like any other)."""
    state = entry_state(session, entry_id)
    if state is None or state["editing"] is None:
        raise EditError(f"沒有代號「{entry_id}」的條目。")
    data = dict(state["editing"])
    have = set(data.get("questions", []))
    data["questions"] = [*data.get("questions", []), *[t for t in texts if t and t not in have]]
    found = save(session, entry_id=entry_id, data=data, revision=state["revision"] or None, actor=actor)
    questions.resolve(session=session, ids=ids, resolution=f"entry:{entry_id}")
    return found


def mark_out_of_scope(session: Session, *, texts: list[str], ids: list[int], actor: str) -> int:
    """「不在服務範圍」: these questions (and ones like them) get the fallback at once."""
    store.add_out_of_scope(session=session, texts=texts, actor=actor)
    version = store.add_version(session=session, actor=actor, note="標記為不回答的問題",
                                changes=[{"scope": t} for t in texts])
    questions.resolve(session=session, ids=ids, resolution="out_of_scope")
    audit.record(session=session, actor=actor, action="knowledge_out_of_scope", details={"count": len(texts)})
    return version


def try_question(services: Services, question: str) -> dict[str, Any]:
    """A question answered exactly as a user would get it, with why: outcome, score, the phrasing
    that matched, and the runners-up."""
    from rapidfuzz import fuzz, process

    assistant = services.assistant
    response = assistant.respond(question)
    first = response.answers[0]
    matched = None
    if first.entry is not None:
        retriever = assistant.retriever_for(first.lang)
        norm = retriever.normalize(first.resolved_query or question)
        phrasings = list(first.entry.questions) + (list(first.entry.en.questions) if first.entry.en else [])
        best = process.extractOne(norm, [retriever.normalize(p) for p in phrasings], scorer=fuzz.ratio)
        matched = phrasings[best[2]] if best else None
    return {"outcome": response.outcome, "kind": first.kind, "entry": first.entry_id, "score": first.score,
            "matched": matched, "lang": first.lang, "intent": first.intent,
            "runners_up": [{"id": i, "score": s} for i, s in first.candidates[1:4]],
            "answers": [a.text for a in response.answers]}
