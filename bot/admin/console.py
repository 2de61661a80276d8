"""The staff console: server-rendered pages under ``/admin``.

Log in with ``ADMIN_TOKEN`` or a staff account; every page needs a valid session cookie, and
every form carries the session's CSRF token. Pages: notices (compose → preview as LINE shows
it → send now or schedule → delivery report), monthly check-in status, the calendar, exports,
and the questions the assistant could not answer.
"""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import anyio
from fastapi import APIRouter, BackgroundTasks, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bot.admin import access, sessions, views
from bot.admin.exports import csv_response, export_rows, xlsx_response
from bot.admin.monitoring import backlog_figures
from bot.admin.pages import page
from bot.line.render import render_one
from bot.outbox import notices as outbox
from db import audience, audit, calendar, clusters, forms, inbox, notices
from handlers.replies import notice_reply
from knowledge.calendar import say_date
from knowledge.forms import load_forms
from knowledge.labels import TAIPEI, month_key, month_label, program_label
from knowledge.notices import (
    PRESETS,
    AudienceError,
    NoticeError,
    audience_spec,
    check_notice,
    describe,
)

__all__ = ["router"]

router = APIRouter(prefix="/admin", include_in_schema=False)

ORIGINS = {"seed": "須知", "staff": "同仁"}
AUDIENCES: dict[str, tuple[str, dict[str, Any]]] = {**PRESETS, "clusters": ("指定群聚（填群聚代碼）", {"clusters": []})}


def audience_of(session, spec: dict[str, Any]):  # type: ignore[no-untyped-def]
    return audience.resolve(session=session, spec=spec)


def _db(request: Request):  # type: ignore[no-untyped-def]
    return request.app.state.services.db


current = access.current
_check_csrf = access.check_csrf


_page = page


def _this_month(request: Request) -> str:
    return month_key(request.app.state.services.clock.now())


def _audience_spec(request: Request, key: str, codes: str) -> dict[str, Any]:
    return audience_spec(key, codes, month=_this_month(request))


# -- login ---------------------------------------------------------------------------------------


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> HTMLResponse:
    return _page(request, "login.html", None, error=None)


@router.post("/login")
def login(request: Request, username: str = Form(""), password: str = Form(""), token: str = Form("")) -> Response:
    outcome = access.log_in(request, username=username, password=password, token=token)
    if isinstance(outcome, access.Refused):
        page = _page(request, "login.html", None, error=outcome.message)
        page.status_code = outcome.status
        return page
    cookie, _ = outcome
    response = RedirectResponse("/admin", status_code=303)
    response.set_cookie(sessions.COOKIE, cookie, max_age=sessions.LIFETIME_SECONDS, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https", path="/admin")
    return response


@router.post("/logout")
def logout(request: Request, csrf: str = Form("")) -> Response:
    staff = current(request)
    _check_csrf(staff, csrf)
    access.end(request, staff)
    response = RedirectResponse("/admin/login", status_code=303)
    response.delete_cookie(sessions.COOKIE, path="/admin")
    return response


# -- dashboard and notices -----------------------------------------------------------------------


@router.get("", response_class=HTMLResponse)
def dashboard(request: Request) -> HTMLResponse:
    staff = current(request)
    with _db(request).session() as session:
        reports = [outbox.notice_report(session, n) for n in notices.recent(session=session, limit=20)]
    services = request.app.state.services
    health = backlog_figures(services.db, services.inbox_db, services.clock)
    return _page(request, "dashboard.html", staff, notices=reports, health=health)


@router.get("/notices/new", response_class=HTMLResponse)
def new_notice(request: Request) -> HTMLResponse:
    staff = current(request, "editor")
    return _page(request, "notice_new.html", staff, audiences=AUDIENCES, form={}, error=None)


@router.post("/notices/preview", response_class=HTMLResponse)
def preview_notice(
    request: Request, csrf: str = Form(""), text: str = Form(""), audience: str = Form(""), clusters: str = Form(""),
    link_url: str = Form(""), link_label: str = Form(""), send_at: str = Form(""),
) -> HTMLResponse:
    staff = current(request, "editor")
    _check_csrf(staff, csrf)
    form = {"text": text, "audience": audience, "clusters": clusters, "link_url": link_url, "link_label": link_label,
            "send_at": send_at}
    try:
        spec = _audience_spec(request, audience, clusters)
        body = check_notice(text, link_url or None)
        with _db(request).session() as session:
            people = audience_of(session, spec)
    except (AudienceError, NoticeError) as exc:
        return _page(request, "notice_new.html", staff, audiences=AUDIENCES, form=form, error=str(exc))
    message = render_one(notice_reply(body, link_url or None, link_label or None)).to_dict()
    return _page(request, "notice_preview.html", staff, form=form, message=message, audience_text=describe(spec),
                 recipients=len(people.recipients), blocked=len(people.blocked))


@router.post("/notices")
async def send_notice(
    request: Request, background: BackgroundTasks, csrf: str = Form(""), text: str = Form(""),
    audience: str = Form(""), clusters: str = Form(""), link_url: str = Form(""), link_label: str = Form(""),
    send_at: str = Form(""),
) -> Response:
    staff = current(request, "editor")
    _check_csrf(staff, csrf)
    when = None
    if send_at.strip():
        try:
            when = datetime.fromisoformat(send_at.strip()).replace(tzinfo=TAIPEI)
        except ValueError:
            raise HTTPException(422, "排程時間格式不正確") from None
    def create() -> tuple[int, str]:
        """In a thread: queueing a notice to 100,000 people must not stall this worker's acknowledgements."""
        spec = _audience_spec(request, audience, clusters)
        with _db(request).session() as session:
            notice, _ = notices.create(session=session, text=text, audience=spec, actor=staff.name,
                                       link_url=link_url or None, link_label=link_label or None, send_at=when,
                                       now=request.app.state.services.clock.now())
            return notice.id, notice.status

    try:
        notice_id, status = await anyio.to_thread.run_sync(create)
    except (AudienceError, NoticeError) as exc:
        return _page(request, "notice_new.html", staff, audiences=AUDIENCES,
                     form={"text": text, "audience": audience, "clusters": clusters, "link_url": link_url,
                           "link_label": link_label, "send_at": send_at}, error=str(exc))
    if status == "sending":  # sent after the redirect; the notice's page shows its progress
        services = request.app.state.services
        background.add_task(outbox.deliver_notice, services.db, request.app.state.line, notice_id, clock=services.clock,
                            concurrency=services.settings.multicast_concurrency)
    return RedirectResponse(f"/admin/notices/{notice_id}", status_code=303)


@router.get("/notices/{notice_id}", response_class=HTMLResponse)
def notice_page(notice_id: int, request: Request) -> HTMLResponse:
    staff = current(request)
    with _db(request).session() as session:
        notice = notices.get_notice(session=session, notice_id=notice_id)
        if notice is None:
            raise HTTPException(404, "沒有這則公告")
        report = outbox.notice_report(session, notice)
        people = views.recipients(session, notice_id)
    return _page(request, "notice_report.html", staff, report=report, people=people)


# -- check-ins, calendar, exports, unanswered ----------------------------------------------------


def _month(request: Request, month: str) -> str:
    """The month asked for (``YYYY-MM``, as an ``<input type=month>`` sends it), else this month."""
    month = (month or "").strip()
    if not month:
        return _this_month(request)
    if not re.fullmatch(r"20\d\d-(0[1-9]|1[0-2])", month):
        raise HTTPException(422, f"月份格式是 YYYY-MM，例如 {_this_month(request)}")
    return month


@router.get("/checkins", response_class=HTMLResponse)
def checkins(request: Request, month: str = "") -> HTMLResponse:
    staff = current(request)
    month = _month(request, month)
    with _db(request).session() as session:
        overview = views.checkin_overview(session, month)
    return _page(request, "checkins.html", staff, month=month, month_text=month_label(month), **overview)


@router.get("/checkins/clusters/{code}", response_class=HTMLResponse)
def cluster_checkins(code: str, request: Request, month: str = "") -> HTMLResponse:
    staff = current(request)
    month = _month(request, month)
    with _db(request).session() as session:
        cluster = clusters.cluster_by_code(session=session, code=code)
        if cluster is None:
            raise HTTPException(404, f"找不到群聚代碼：{code}")
        detail = views.cluster_detail(session, cluster, month, load_forms())
    return _page(request, "checkin_cluster.html", staff, month=month, month_text=month_label(month), c=detail)


@router.get("/checkins/alliance", response_class=HTMLResponse)
def alliance_checkins(request: Request, name: str = "", month: str = "") -> HTMLResponse:
    staff = current(request)
    month = _month(request, month)
    with _db(request).session() as session:
        detail = views.alliance_detail(session, name, month)
    if not detail["members"]:
        raise HTTPException(404, f"沒有填「{name}」的聯盟成員")
    return _page(request, "checkin_alliance.html", staff, month=month, month_text=month_label(month), a=detail)


# -- submitted forms -----------------------------------------------------------------------------


def _catalog() -> dict[str, Any]:
    return {k: v for k, v in load_forms().items() if v.on_submit != "notice"}


@router.get("/forms", response_class=HTMLResponse)
def forms_page(request: Request, form: str = "", cluster: str = "", alliance: str = "") -> HTMLResponse:
    staff = current(request)
    catalog = _catalog()
    if form and form not in catalog:
        raise HTTPException(404, f"沒有這個表單：{form}")
    with _db(request).session() as session:
        chosen = clusters.cluster_by_code(session=session, code=cluster.strip().upper()) if cluster.strip() else None
        error = f"找不到群聚代碼：{cluster}" if cluster.strip() and chosen is None else None
        rows = [] if error else views.form_rows(session, catalog, form_id=form, cluster=chosen, alliance=alliance.strip())
        cluster_options = [(c.code, c.name) for c in clusters.all_clusters(session=session)]
    return _page(request, "forms.html", staff, rows=rows, catalog={k: v.title for k, v in catalog.items()},
                 chosen={"form": form, "cluster": cluster, "alliance": alliance}, clusters=cluster_options, error=error)


@router.get("/forms/{session_id}", response_class=HTMLResponse)
def form_page(session_id: int, request: Request) -> HTMLResponse:
    staff = current(request)
    catalog = _catalog()
    with _db(request).session() as session:
        fs = forms.get_session(session=session, session_id=session_id)
        if fs is None or fs.status != "submitted" or fs.form_id not in catalog:
            raise HTTPException(404, "沒有這份已送出的表單")
        detail = views.form_detail(session, fs, catalog[fs.form_id])
    return _page(request, "form.html", staff, f=detail)


@router.post("/forms/{session_id}/lock")
def lock_form(session_id: int, request: Request, csrf: str = Form(""), locked: str = Form("1")) -> Response:
    staff = current(request, "editor")
    _check_csrf(staff, csrf)
    with _db(request).session() as session:
        fs = forms.get_session(session=session, session_id=session_id)
        if fs is None or fs.status != "submitted":
            raise HTTPException(404, "沒有這份已送出的表單")
        fs.locked = locked == "1"
        audit.record(session=session, actor=staff.name, action="form_locked" if fs.locked else "form_unlocked",
                     details={"form": session_id})
    return RedirectResponse(f"/admin/forms/{session_id}", status_code=303)


@router.get("/calendar", response_class=HTMLResponse)
def calendar_page(request: Request) -> HTMLResponse:
    staff = current(request)
    with _db(request).session() as session:
        rows = [{"id": m.id, "program": program_label(m.program), "year": m.year, "title": m.title,
                 "at": say_date(m), "tentative": m.approximate and "暫定" not in m.title + say_date(m), "remind": m.remind,
                 "what": m.what, "classes": "、".join(f"{c}類" for c in m.audience.get("classes") or []) or "全部",
                 "origin": ORIGINS.get(m.origin, m.origin)}
                for m in calendar.milestones(session=session)]
    return _page(request, "calendar.html", staff, rows=rows, error=None)


@router.post("/calendar")
def save_milestone(
    request: Request, csrf: str = Form(""), id: str = Form(""), program: str = Form(""), year: int = Form(0),
    title: str = Form(""), at: str = Form(""), what: str = Form(""), classes: str = Form(""), remind: str = Form(""),
    label: str = Form(""), label_en: str = Form(""),
) -> Response:
    staff = current(request, "editor")
    _check_csrf(staff, csrf)
    try:
        moment = datetime.fromisoformat(at).replace(tzinfo=TAIPEI)
        if program not in ("digital_cluster", "intl_alliance") or not id.strip() or not title.strip():
            raise ValueError("欄位不完整")
    except ValueError as exc:
        raise HTTPException(422, f"里程碑資料不正確：{exc}") from None
    with _db(request).session() as session:
        calendar.upsert_milestone(session=session, id=id.strip(), program=program, year=year, title=title.strip(),
                                       at=moment, what=what.strip(), remind=bool(remind),
                                       classes=[c.strip().upper() for c in classes.split(",") if c.strip()],
                                       approximate=bool(label.strip()), label=label.strip(), label_en=label_en.strip())
        audit.record(session=session, actor=staff.name, action="milestone_saved", details={"id": id.strip(), "at": at})
    return RedirectResponse("/admin/calendar", status_code=303)


@router.get("/exports", response_class=HTMLResponse)
def exports_page(request: Request) -> HTMLResponse:
    staff = current(request)
    with _db(request).session() as session:
        cluster_options = [(c.code, c.name) for c in clusters.all_clusters(session=session)]
    return _page(request, "exports.html", staff, forms={k: v.title for k, v in _catalog().items()},
                 clusters=cluster_options)


@router.get("/exports/{form_id}.{fmt}")
def export_file(form_id: str, fmt: str, request: Request, cluster: str = "") -> Response:
    current(request)
    catalog = _catalog()
    if form_id not in catalog:
        raise HTTPException(404, f"沒有這個表單：{form_id}")
    if fmt not in ("csv", "xlsx"):
        raise HTTPException(404, "檔案格式只有 csv 或 xlsx")
    with _db(request).session() as session:
        chosen = clusters.cluster_by_code(session=session, code=cluster.strip().upper()) if cluster.strip() else None
        if cluster.strip() and chosen is None:
            raise HTTPException(404, f"找不到群聚代碼：{cluster}")
        header, rows = export_rows(session, catalog[form_id], chosen)
    return (csv_response if fmt == "csv" else xlsx_response)(catalog[form_id], header, rows)


@router.get("/dead-letters", response_class=HTMLResponse)
def dead_letters(request: Request) -> HTMLResponse:
    """Events the assistant could not handle after every retry (the user got one apology)."""
    staff = current(request)
    with _db(request).session() as session:
        letters = inbox.dead_letters(session=session)
        names = views.names_of(session, {d.line_user_id for d in letters if d.line_user_id})
        rows = [{"at": views.when(d.failed_at), "received": views.when(d.received_at),
                 "who": views.who(d.line_user_id, names) if d.line_user_id else "（群組或不明）",
                 "type": d.event_type, "error": d.error, "attempts": d.attempts} for d in letters]
    return _page(request, "dead_letters.html", staff, rows=rows)
