"""The console's knowledge pages: list and search, edit as drafts, publish, versions and rollback,
a new program year, a try-it box, conflicts with a newly shipped seed, and the unanswered
questions grouped for one-step action. Reading needs the viewer role; changing, the editor role.
"""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bot.admin import editing, views
from bot.admin.access import check_csrf, current
from bot.admin.pages import page as _page
from knowledge.labels import PROGRAM_SHORT

__all__ = ["entry_from_form", "router"]

router = APIRouter(prefix="/admin", include_in_schema=False)
PROGRAMS = {**PROGRAM_SHORT, "general": "背景資料"}


def _db(request: Request):  # type: ignore[no-untyped-def]
    return request.app.state.services.db


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def entry_from_form(form: dict[str, str], entry_id: str) -> dict[str, Any]:
    """The editor's fields as an entry (the shape of the YAML files)."""
    data: dict[str, Any] = {
        "id": entry_id, "program": form.get("program", "digital_cluster"),
        "year": int(form["year"]) if str(form.get("year", "")).strip().isdigit() else form.get("year", ""),
        "topic": form.get("topic", "").strip() or entry_id, "title": form.get("title", "").strip(),
        "questions": _lines(form.get("questions", "")), "keywords": _lines(form.get("keywords", "")),
        "answer": form.get("answer", "").replace("\r\n", "\n").strip(),
        "source": {"file": form.get("source_file", "").strip(), "section": form.get("source_section", "").strip()},
    }
    if form.get("class") in ("A", "B"):
        data["facets"] = {"class": form["class"]}
    if form.get("en_title", "").strip() or form.get("en_answer", "").strip():
        data["en"] = {"title": form.get("en_title", "").strip(), "questions": _lines(form.get("en_questions", "")),
                      "keywords": _lines(form.get("en_keywords", "")),
                      "answer": form.get("en_answer", "").replace("\r\n", "\n").strip()}
        if not data["en"]["keywords"]:
            del data["en"]["keywords"]
    if not data["keywords"]:
        del data["keywords"]
    return data


async def _form(request: Request) -> dict[str, str]:
    return {k: str(v) for k, v in (await request.form()).items()}


@router.get("/knowledge", response_class=HTMLResponse)
def knowledge_list(request: Request, program: str = "", year: str = "", topic: str = "", q: str = "",
                   message: str = "") -> HTMLResponse:
    staff = current(request)
    with _db(request).session() as session:
        rows = editing.list_entries(session, program=program, year=year, topic=topic, text=q)
        conflicts = editing.conflicts(session)
        drafts = [r for r in editing.list_entries(session) if r["draft"]]
    return _page(request, "knowledge_list.html", staff, rows=rows, conflicts=conflicts, drafts=drafts,
                 programs=PROGRAMS, chosen={"program": program, "year": year, "topic": topic, "q": q},
                 message=message, version=request.app.state.services.live.version if request.app.state.services.live else 0)


@router.get("/knowledge/new", response_class=HTMLResponse)
def knowledge_new(request: Request, questions: str = "", ids: str = "") -> HTMLResponse:
    staff = current(request, "editor")
    editing_ = {"program": "digital_cluster", "year": "", "questions": _lines(questions), "source": {}}
    return _page(request, "knowledge_entry.html", staff, entry=None, e=editing_, new=True, problems=[],
                 programs=PROGRAMS, error=None, resolve_ids=ids)


@router.get("/knowledge/entry/{entry_id}", response_class=HTMLResponse)
def knowledge_entry(entry_id: str, request: Request, saved: str = "") -> HTMLResponse:
    staff = current(request)
    with _db(request).session() as session:
        state = editing.entry_state(session, entry_id)
    if state is None:
        raise HTTPException(404, f"沒有代號「{entry_id}」的條目")
    return _page(request, "knowledge_entry.html", staff, entry=state, e=state["editing"] or {}, new=False,
                 problems=state["problems"], programs=PROGRAMS, error=None, saved=saved, resolve_ids="")


@router.post("/knowledge/entry")
async def knowledge_create(request: Request) -> Response:
    staff = current(request, "editor")
    form = await _form(request)
    check_csrf(staff, form.get("csrf", ""))
    entry_id = form.get("id", "").strip()
    data = entry_from_form(form, entry_id)
    try:
        with _db(request).session() as session:
            editing.save(session, entry_id=entry_id, data=data, revision=None, actor=staff.name, new=True)
            ids = [int(i) for i in form.get("resolve_ids", "").split(",") if i.strip().isdigit()]
            if ids:
                from db import questions

                questions.resolve(session=session, ids=ids, resolution=f"new:{entry_id}")
    except editing.EditError as exc:
        return _page(request, "knowledge_entry.html", staff, entry=None, e=data, new=True, problems=[],
                     programs=PROGRAMS, error=str(exc), resolve_ids=form.get("resolve_ids", ""))
    return RedirectResponse(f"/admin/knowledge/entry/{entry_id}?saved=1", status_code=303)


@router.post("/knowledge/entry/{entry_id}")
async def knowledge_save(entry_id: str, request: Request) -> Response:
    staff = current(request, "editor")
    form = await _form(request)
    check_csrf(staff, form.get("csrf", ""))
    action = form.get("action", "save")
    try:
        with _db(request).session() as session:
            if action == "retire":
                editing.retire(session, entry_id=entry_id, actor=staff.name)
            elif action == "discard":
                editing.discard(session, entry_id=entry_id, actor=staff.name)
            else:
                revision = int(form["revision"]) if form.get("revision", "").isdigit() and form["revision"] != "0" else None
                editing.save(session, entry_id=entry_id, data=entry_from_form(form, entry_id), revision=revision,
                             actor=staff.name)
            if action == "publish":
                editing.publish(session, actor=staff.name, note=form.get("note", ""), only=[entry_id])
    except editing.EditError as exc:
        with _db(request).session() as session:
            state = editing.entry_state(session, entry_id)
        shown = entry_from_form(form, entry_id) if action in ("save", "publish") else (state or {}).get("editing") or {}
        return _page(request, "knowledge_entry.html", staff, entry=state, e=shown, new=False,
                     problems=(state or {}).get("problems", []), programs=PROGRAMS, error=str(exc),
                     details=exc.details, resolve_ids="")
    if action == "publish":
        return RedirectResponse("/admin/knowledge?message=" + f"已發布 {entry_id}，各伺服器會在幾秒內開始使用新答案。",
                                status_code=303)
    return RedirectResponse(f"/admin/knowledge/entry/{entry_id}?saved=1", status_code=303)


@router.post("/knowledge/publish")
async def knowledge_publish(request: Request) -> Response:
    staff = current(request, "editor")
    form = await _form(request)
    check_csrf(staff, form.get("csrf", ""))
    try:
        with _db(request).session() as session:
            published = editing.publish(session, actor=staff.name, note=form.get("note", ""))
    except editing.EditError as exc:
        with _db(request).session() as session:
            rows = editing.list_entries(session)
        return _page(request, "knowledge_list.html", staff, rows=rows, conflicts=[], programs=PROGRAMS,
                     drafts=[r for r in rows if r["draft"]], chosen={}, message="", error=str(exc),
                     details=exc.details, version=0)
    return RedirectResponse(f"/admin/knowledge?message=已發布第 {published.version} 版（{len(published.entries)} 個條目），"
                            "各伺服器會在幾秒內開始使用。", status_code=303)


@router.get("/knowledge/versions", response_class=HTMLResponse)
def knowledge_versions(request: Request) -> HTMLResponse:
    staff = current(request)
    with _db(request).session() as session:
        rows = editing.version_rows(session)
    for row in rows:
        row["at"] = views.when(row["at"])
    return _page(request, "knowledge_versions.html", staff, rows=rows, error=None)


@router.post("/knowledge/versions/{version_id}/rollback")
async def knowledge_rollback(version_id: int, request: Request) -> Response:
    staff = current(request, "editor")
    form = await _form(request)
    check_csrf(staff, form.get("csrf", ""))
    try:
        with _db(request).session() as session:
            done = editing.rollback(session, version_id=version_id, actor=staff.name)
    except editing.EditError as exc:
        with _db(request).session() as session:
            rows = editing.version_rows(session)
        for row in rows:
            row["at"] = views.when(row["at"])
        return _page(request, "knowledge_versions.html", staff, rows=rows, error=str(exc), details=exc.details)
    return RedirectResponse(f"/admin/knowledge?message=已還原第 {version_id} 版（成為第 {done.version} 版）。",
                            status_code=303)


@router.post("/knowledge/conflicts/{entry_id}")
async def knowledge_conflict(entry_id: str, request: Request) -> Response:
    staff = current(request, "editor")
    form = await _form(request)
    check_csrf(staff, form.get("csrf", ""))
    try:
        with _db(request).session() as session:
            editing.settle_conflict(session, entry_id=entry_id, keep=form.get("keep", "staff"), actor=staff.name)
    except editing.EditError as exc:
        raise HTTPException(409, str(exc)) from None
    return RedirectResponse("/admin/knowledge?message=衝突已處理。", status_code=303)


@router.get("/knowledge/year", response_class=HTMLResponse)
def knowledge_year_page(request: Request) -> HTMLResponse:
    staff = current(request, "editor")
    return _page(request, "knowledge_year.html", staff, programs=PROGRAM_SHORT, error=None, result=None)


@router.post("/knowledge/year")
async def knowledge_year(request: Request) -> Response:
    staff = current(request, "editor")
    form = await _form(request)
    check_csrf(staff, form.get("csrf", ""))
    program = form.get("program", "")
    try:
        if program not in PROGRAM_SHORT:
            raise editing.EditError("請選擇計畫。")
        if not (form.get("from_year", "").isdigit() and form.get("to_year", "").isdigit()):
            raise editing.EditError("年度請填民國年的數字，例如 115。")
        with _db(request).session() as session:
            result = editing.start_year(session, program=program, from_year=int(form["from_year"]),
                                        to_year=int(form["to_year"]), actor=staff.name)
    except editing.EditError as exc:
        return _page(request, "knowledge_year.html", staff, programs=PROGRAM_SHORT, error=str(exc), result=None)
    return _page(request, "knowledge_year.html", staff, programs=PROGRAM_SHORT, error=None,
                 result={**result, "program": PROGRAM_SHORT[program], "to_year": form["to_year"]})


@router.get("/knowledge/try", response_class=HTMLResponse)
def knowledge_try(request: Request, q: str = "") -> HTMLResponse:
    staff = current(request)
    result = editing.try_question(request.app.state.services, q) if q.strip() else None
    return _page(request, "knowledge_try.html", staff, q=q, result=result)


# -- what users asked ------------------------------------------------------------------------------


@router.get("/unanswered", response_class=HTMLResponse)
def unanswered(request: Request, message: str = "") -> HTMLResponse:
    staff = current(request)
    with _db(request).session() as session:
        groups = editing.group_unanswered(session, request.app.state.services)
    rows = [{"texts": g.texts[:8], "more": max(0, len(g.texts) - 8), "count": g.count,
             "last": views.when(g.last_seen), "candidates": g.candidates, "ids": ",".join(map(str, g.ids)),
             "all_texts": "\n".join(g.texts), "reasons": sorted({q.reason for q in g.questions})}
            for g in groups[:100]]
    return _page(request, "unanswered.html", staff, rows=rows, message=message, reasons=REASONS)


REASONS = {"fallback": "答不出來", "suggest": "只給了建議", "unhelpful": "沒幫助", "none_of_these": "建議都不是",
           "complaint": "說答錯了", "other_program": "其他計畫", "unknowable": "須知未載明", "year": "其他年度",
           "out_of_scope": "不回答"}


@router.post("/unanswered/act")
async def unanswered_act(request: Request) -> Response:
    staff = current(request, "editor")
    form = await _form(request)
    check_csrf(staff, form.get("csrf", ""))
    ids = [int(i) for i in form.get("ids", "").split(",") if i.strip().isdigit()]
    texts = _lines(form.get("texts", ""))
    action = form.get("action", "")
    try:
        with _db(request).session() as session:
            if action == "means":
                entry_id = form.get("entry", "").strip()
                editing.phrasings_for(session, entry_id=entry_id, texts=texts, ids=ids, actor=staff.name)
                return RedirectResponse(f"/admin/knowledge/entry/{entry_id}?saved=1", status_code=303)
            if action == "out_of_scope":
                editing.mark_out_of_scope(session, texts=texts, ids=ids, actor=staff.name)
                return RedirectResponse("/admin/unanswered?message=已標記為不回答；類似的問題會直接請使用者洽詢窗口。",
                                        status_code=303)
    except editing.EditError as exc:
        return RedirectResponse(f"/admin/unanswered?message={exc}", status_code=303)
    if action == "new":
        from urllib.parse import urlencode

        return RedirectResponse("/admin/knowledge/new?" + urlencode({"questions": "\n".join(texts), "ids": form.get("ids", "")}),
                                status_code=303)
    raise HTTPException(422, "不明的動作")
