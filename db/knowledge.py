"""Staff changes to the knowledge: drafts, what is live, every published version, and the questions
marked out of scope. The shipped YAML stays the seed; these rows are laid over it
(``knowledge/editing.py``). Keyword-only arguments throughout.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from db.models import (
    KnowledgeDraft,
    KnowledgeLive,
    KnowledgeVersion,
    OutOfScope,
    utcnow,
)
from knowledge.errors import AssistantError

__all__ = [
    "EditConflict", "add_out_of_scope", "add_version", "discard_draft", "drafts", "drop_live", "get_draft", "get_version",
    "live",
    "live_rows", "out_of_scope", "save_draft", "set_live", "version", "versions",
]


class EditConflict(AssistantError, RuntimeError):
    """Someone else saved this draft (or published this entry) since it was opened."""


def version(*, session: Session) -> int:
    """The number of the latest published version (0: only the shipped knowledge)."""
    return int(session.scalar(select(func.max(KnowledgeVersion.id))) or 0)


def live_rows(*, session: Session) -> list[KnowledgeLive]:
    return list(session.scalars(select(KnowledgeLive).order_by(KnowledgeLive.entry_id)))


def live(*, session: Session) -> dict[str, dict[str, Any] | None]:
    """Every staff change in effect: entry id → the entry, or None where it was retired."""
    return {row.entry_id: row.data for row in live_rows(session=session)}


def set_live(*, session: Session, entry_id: str, data: dict[str, Any] | None, seed_hash: str | None, version: int,
             actor: str, now: datetime | None = None) -> None:
    row = session.get(KnowledgeLive, entry_id) or KnowledgeLive(entry_id=entry_id)
    row.data, row.seed_hash, row.version, row.updated_by, row.updated_at = data, seed_hash, version, actor, now or utcnow()
    session.add(row)


def drop_live(*, session: Session, entry_id: str) -> None:
    """Back to the shipped entry (a conflict resolved in favour of the new seed)."""
    session.execute(delete(KnowledgeLive).where(KnowledgeLive.entry_id == entry_id))


def drafts(*, session: Session) -> list[KnowledgeDraft]:
    return list(session.scalars(select(KnowledgeDraft).order_by(KnowledgeDraft.entry_id)))


def get_draft(*, session: Session, entry_id: str) -> KnowledgeDraft | None:
    return session.get(KnowledgeDraft, entry_id)


def save_draft(*, session: Session, entry_id: str, data: dict[str, Any] | None, base_hash: str | None,
               revision: int | None, actor: str, check_note: str | None = None,
               now: datetime | None = None) -> KnowledgeDraft:
    """Create or update a draft. ``revision`` is the one the editor opened (None for a new draft):
    if someone saved since, :class:`EditConflict` — their edit is never overwritten."""
    draft = session.get(KnowledgeDraft, entry_id)
    if draft is None:
        draft = KnowledgeDraft(entry_id=entry_id, base_hash=base_hash, revision=0, check_note=check_note)
    elif revision is not None and revision != draft.revision:
        raise EditConflict(f"{draft.updated_by} 在你編輯時也改了這個草稿（第 {draft.revision} 版）；"
                           "請重新開啟看看他的修改，再決定怎麼合併。")
    draft.data, draft.revision = data, draft.revision + 1
    draft.updated_by, draft.updated_at = actor, now or utcnow()
    if check_note is not None:
        draft.check_note = check_note
    session.add(draft)
    session.flush()
    return draft


def discard_draft(*, session: Session, entry_id: str) -> None:
    session.execute(delete(KnowledgeDraft).where(KnowledgeDraft.entry_id == entry_id))


def add_version(*, session: Session, actor: str, note: str, changes: list[dict[str, Any]],
                now: datetime | None = None) -> int:
    row = KnowledgeVersion(published_by=actor, note=note[:200], changes=changes, published_at=now or utcnow())
    session.add(row)
    session.flush()
    return row.id


def versions(*, session: Session, limit: int = 100) -> list[KnowledgeVersion]:
    return list(session.scalars(select(KnowledgeVersion).order_by(KnowledgeVersion.id.desc()).limit(limit)))


def get_version(*, session: Session, version_id: int) -> KnowledgeVersion | None:
    return session.get(KnowledgeVersion, version_id)


def out_of_scope(*, session: Session) -> list[str]:
    return list(session.scalars(select(OutOfScope.text).order_by(OutOfScope.id)))


def add_out_of_scope(*, session: Session, texts: list[str], actor: str, now: datetime | None = None) -> None:
    for text in texts:
        session.add(OutOfScope(text=text[:300], created_by=actor, created_at=now or utcnow()))
