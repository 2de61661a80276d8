"""The console's 真人客服 inbox: users waiting for a person, the conversation, taking it, replying
(pushed to the user exactly once), closing — and saving a reply as a knowledge draft in one step.
Reading needs the viewer role; acting, the editor role."""
from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bot.admin import editing, views
from bot.admin.access import check_csrf, current
from bot.admin.pages import page as _page
from bot.outbox import handoffs as outbox
from db import audit, handoffs, users
from knowledge.handoff import load_handoff

__all__ = ["router"]

router = APIRouter(prefix="/admin", include_in_schema=False)
REASONS = {"staff": "同仁結束", "timeout": "逾時未回覆", "user": "使用者回到小幫手", "erased": "使用者刪除資料",
           "blocked": "使用者封鎖了帳號"}


def _db(request: Request):  # type: ignore[no-untyped-def]
    return request.app.state.services.db


@router.get("/handoffs", response_class=HTMLResponse)
def handoff_list(request: Request) -> HTMLResponse:
    staff = current(request)
    with _db(request).session() as session:
        rows = handoffs.listing(session=session)
        names = views.names_of(session, {h.line_user_id for h in rows})
        items = [{"id": h.id, "who": views.who(h.line_user_id, names), "status": h.status, "opened": views.when(h.opened_at),
                  "taken_by": h.taken_by or "", "topic": h.topic or "", "closed": REASONS.get(h.closed_reason or "", "")}
                 for h in rows]
    return _page(request, "handoffs.html", staff, rows=items, timeout=load_handoff().timeout_minutes)


def _detail(session, handoff_id: int):  # type: ignore[no-untyped-def]
    handoff = handoffs.get(session=session, handoff_id=handoff_id)
    if handoff is None:
        raise HTTPException(404, "找不到這個真人客服紀錄（使用者可能已刪除資料）")
    names = views.names_of(session, {handoff.line_user_id})
    user = users.get_user(session=session, line_user_id=handoff.line_user_id)
    return {"id": handoff.id, "status": handoff.status, "who": views.who(handoff.line_user_id, names),
            "opened": views.when(handoff.opened_at), "taken_by": handoff.taken_by, "topic": handoff.topic or "",
            "closed": REASONS.get(handoff.closed_reason or "", ""), "blocked": bool(user and user.blocked),
            "messages": [{"sender": m.sender, "who": m.staff_name or "使用者", "text": m.text, "at": views.when(m.at)}
                         for m in handoffs.messages(session=session, handoff_id=handoff.id)]}


@router.get("/handoffs/{handoff_id}", response_class=HTMLResponse)
def handoff_page(handoff_id: int, request: Request, error: str = "", saved: str = "") -> HTMLResponse:
    staff = current(request)
    with _db(request).session() as session:
        detail = _detail(session, handoff_id)
    return _page(request, "handoff.html", staff, h=detail, error=error, saved=saved)


@router.post("/handoffs/{handoff_id}/take")
async def handoff_take(handoff_id: int, request: Request) -> Response:
    staff = current(request, "editor")
    check_csrf(staff, str((await request.form()).get("csrf", "")))
    with _db(request).session() as session:
        handoff = handoffs.get(session=session, handoff_id=handoff_id)
        if handoff is None or handoff.status != "open":
            return RedirectResponse(f"/admin/handoffs/{handoff_id}?error=這個對話已經結束了。", status_code=303)
        handoffs.take(session=session, handoff=handoff, staff_name=staff.name, now=request.app.state.services.clock.now())
        audit.record(session=session, actor=staff.name, action="handoff_taken", details={"handoff": handoff_id})
    return RedirectResponse(f"/admin/handoffs/{handoff_id}", status_code=303)


@router.post("/handoffs/{handoff_id}/reply")
async def handoff_reply(handoff_id: int, request: Request) -> Response:
    staff = current(request, "editor")
    form = await request.form()
    check_csrf(staff, str(form.get("csrf", "")))
    body = str(form.get("text", "")).replace("\r\n", "\n").strip()
    services = request.app.state.services
    if not body:
        return RedirectResponse(f"/admin/handoffs/{handoff_id}?error=回覆內容不能空白。", status_code=303)
    if len(body) > 5000:
        return RedirectResponse(f"/admin/handoffs/{handoff_id}?error=回覆最多 5000 字（LINE 的上限）。", status_code=303)
    saved = ""
    with services.db.session() as session:
        handoff = handoffs.get(session=session, handoff_id=handoff_id)
        if handoff is None:
            raise HTTPException(404, "找不到這個真人客服紀錄（使用者可能已刪除資料）")
        user = users.get_user(session=session, line_user_id=handoff.line_user_id)
        if handoff.status != "open" or user is None or user.blocked:
            why = "使用者已封鎖帳號，無法送達" if user is None or user.blocked else "這個對話已經結束了；使用者再說「找專人」會開新的對話"
            return RedirectResponse(f"/admin/handoffs/{handoff_id}?error={why}。", status_code=303)
        now = services.clock.now()
        message = handoffs.add_message(session=session, handoff_id=handoff_id, sender="staff", text=body,
                                       staff_name=staff.name, now=now)
        handoff.last_staff_at = now
        if handoff.taken_by is None:
            handoffs.take(session=session, handoff=handoff, staff_name=staff.name, now=now)
        message_id = message.id
        question = str(form.get("question", "")).strip()
        if form.get("save_entry") and question:
            entry_id = str(form.get("entry_id", "")).strip() or f"staff-reply-{message_id}"
            data = {"id": entry_id, "program": str(form.get("program", "general")) or "general",
                    "year": services.clock.today().year - 1911, "topic": "staff-reply", "title": question[:20],
                    "questions": [question], "answer": body,
                    "source": {"file": "計畫同仁說明", "section": f"真人客服回覆（{views.when(now)}，{staff.name}）"}}
            try:
                editing.save(session, entry_id=entry_id, data=data, revision=None, actor=staff.name, new=True)
                saved = entry_id
            except editing.EditError as exc:
                saved = f"!{exc}"
        audit.record(session=session, actor=staff.name, action="handoff_replied", details={"handoff": handoff_id})
    await outbox.reply(services, request.app.state.line, handoff_id, message_id, body)
    suffix = f"?saved={saved}" if saved else ""
    return RedirectResponse(f"/admin/handoffs/{handoff_id}{suffix}", status_code=303)


@router.post("/handoffs/{handoff_id}/close")
async def handoff_close(handoff_id: int, request: Request) -> Response:
    staff = current(request, "editor")
    check_csrf(staff, str((await request.form()).get("csrf", "")))
    closed = await outbox.close(request.app.state.services, request.app.state.line, handoff_id, reason="staff")
    if closed:
        with _db(request).session() as session:
            audit.record(session=session, actor=staff.name, action="handoff_closed", details={"handoff": handoff_id})
    return RedirectResponse(f"/admin/handoffs/{handoff_id}", status_code=303)
