"""The JSON API for knowledge and handoffs (``/admin/api``), Bearer auth with role checks:
the same operations as the console, for scripts and other tools."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field

from bot.admin import editing
from bot.admin.auth import Editor, Viewer
from bot.outbox import handoffs as outbox
from db import handoffs

__all__ = ["router"]

router = APIRouter(prefix="/admin/api")


class DraftIn(BaseModel):
    entry: dict[str, Any]
    revision: int | None = Field(default=None, description="the draft revision you edited (None: a new draft)")
    new: bool = False


class PublishIn(BaseModel):
    note: str = Field(default="", max_length=200)
    entries: list[str] | None = None


class YearIn(BaseModel):
    program: str = Field(pattern=r"^(digital_cluster|intl_alliance)$")
    from_year: int = Field(ge=100, le=200)
    to_year: int = Field(ge=100, le=200)


class ReplyIn(BaseModel):
    text: str = Field(min_length=1, max_length=5000)


def _db(request: Request):  # type: ignore[no-untyped-def]
    return request.app.state.services.db


def _refused(exc: editing.EditError) -> HTTPException:
    return HTTPException(409, {"message": str(exc), "problems": exc.details})


@router.get("/knowledge")
def list_knowledge(request: Request, _staff: Viewer, program: str = "", year: str = "", topic: str = "",
                   q: str = "") -> list[dict[str, Any]]:
    with _db(request).session() as session:
        return editing.list_entries(session, program=program, year=year, topic=topic, text=q)


@router.get("/knowledge/entries/{entry_id}")
def get_entry(entry_id: str, request: Request, _staff: Viewer) -> dict[str, Any]:
    with _db(request).session() as session:
        state = editing.entry_state(session, entry_id)
    if state is None:
        raise HTTPException(404, f"no entry {entry_id}")
    return state


@router.put("/knowledge/entries/{entry_id}/draft")
def put_draft(entry_id: str, body: DraftIn, request: Request, staff: Editor) -> dict[str, Any]:
    try:
        with _db(request).session() as session:
            problems = editing.save(session, entry_id=entry_id, data=body.entry, revision=body.revision, actor=staff,
                                    new=body.new)
            state = editing.entry_state(session, entry_id)
    except editing.EditError as exc:
        raise _refused(exc) from None
    return {"id": entry_id, "revision": state["revision"] if state else None, "problems": problems}


@router.post("/knowledge/entries/{entry_id}/retire")
def retire_entry(entry_id: str, request: Request, staff: Editor) -> dict[str, Any]:
    try:
        with _db(request).session() as session:
            editing.retire(session, entry_id=entry_id, actor=staff)
    except editing.EditError as exc:
        raise _refused(exc) from None
    return {"id": entry_id, "draft": "retire"}


@router.delete("/knowledge/entries/{entry_id}/draft")
def discard_draft(entry_id: str, request: Request, staff: Editor) -> dict[str, Any]:
    with _db(request).session() as session:
        editing.discard(session, entry_id=entry_id, actor=staff)
    return {"id": entry_id, "draft": None}


@router.post("/knowledge/publish")
def publish(body: PublishIn, request: Request, staff: Editor) -> dict[str, Any]:
    try:
        with _db(request).session() as session:
            done = editing.publish(session, actor=staff, note=body.note, only=body.entries)
    except editing.EditError as exc:
        raise _refused(exc) from None
    return {"version": done.version, "entries": done.entries}


@router.get("/knowledge/versions")
def list_versions(request: Request, _staff: Viewer) -> list[dict[str, Any]]:
    with _db(request).session() as session:
        rows = editing.version_rows(session)
    return [{**r, "at": r["at"].isoformat()} for r in rows]


@router.post("/knowledge/versions/{version_id}/rollback")
def rollback(version_id: int, request: Request, staff: Editor) -> dict[str, Any]:
    try:
        with _db(request).session() as session:
            done = editing.rollback(session, version_id=version_id, actor=staff)
    except editing.EditError as exc:
        raise _refused(exc) from None
    return {"version": done.version, "entries": done.entries}


@router.post("/knowledge/years")
def start_year(body: YearIn, request: Request, staff: Editor) -> dict[str, Any]:
    try:
        with _db(request).session() as session:
            return editing.start_year(session, program=body.program, from_year=body.from_year, to_year=body.to_year,
                                      actor=staff)
    except editing.EditError as exc:
        raise _refused(exc) from None


@router.get("/knowledge/try")
def try_question(request: Request, _staff: Viewer, q: str) -> dict[str, Any]:
    return editing.try_question(request.app.state.services, q)


@router.get("/unanswered/groups")
def unanswered_groups(request: Request, _staff: Viewer) -> list[dict[str, Any]]:
    with _db(request).session() as session:
        groups = editing.group_unanswered(session, request.app.state.services)
    return [{"count": g.count, "last_seen": g.last_seen.isoformat(), "texts": g.texts, "ids": g.ids,
             "candidates": g.candidates} for g in groups]


@router.get("/handoffs")
def list_handoffs(request: Request, _staff: Viewer, status: str = "") -> list[dict[str, Any]]:
    with _db(request).session() as session:
        return [{"id": h.id, "status": h.status, "opened_at": h.opened_at.isoformat(), "taken_by": h.taken_by,
                 "topic": h.topic, "closed_reason": h.closed_reason,
                 "messages": [{"sender": m.sender, "text": m.text, "at": m.at.isoformat()}
                              for m in handoffs.messages(session=session, handoff_id=h.id)]}
                for h in handoffs.listing(session=session, status=status or None)]


@router.post("/handoffs/{handoff_id}/reply")
async def reply_handoff(handoff_id: int, body: ReplyIn, request: Request, staff: Editor) -> dict[str, Any]:
    services = request.app.state.services
    with services.db.session() as session:
        handoff = handoffs.get(session=session, handoff_id=handoff_id)
        if handoff is None or handoff.status != "open":
            raise HTTPException(409, "this handoff is not open (closed, or the user deleted their data)")
        now = services.clock.now()
        message = handoffs.add_message(session=session, handoff_id=handoff_id, sender="staff", text=body.text,
                                       staff_name=staff, now=now)
        handoff.last_staff_at = now
        if handoff.taken_by is None:
            handoffs.take(session=session, handoff=handoff, staff_name=staff, now=now)
        message_id = message.id
    await outbox.reply(services, request.app.state.line, handoff_id, message_id, body.text)
    return {"id": handoff_id, "message": message_id}


@router.post("/handoffs/{handoff_id}/close")
async def close_handoff(handoff_id: int, request: Request, _staff: Editor) -> dict[str, Any]:
    closed = await outbox.close(request.app.state.services, request.app.state.line, handoff_id, reason="staff")
    return {"id": handoff_id, "closed": closed}
