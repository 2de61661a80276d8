"""The staff JSON API (``/admin/api``, Bearer ``ADMIN_TOKEN``): notices, calendar, check-ins."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, BackgroundTasks, HTTPException, Request
from pydantic import BaseModel, Field

from bot.admin.auth import Admin, Editor, Viewer
from bot.outbox import notices as outbox
from db import audit as audit_log
from db import calendar, clusters, forms, notices
from knowledge.labels import TAIPEI
from knowledge.notices import MAX_TEXT, AudienceError, NoticeError, describe

__all__ = ["router"]

router = APIRouter(prefix="/admin/api")


class BroadcastIn(BaseModel):
    text: str = Field(max_length=MAX_TEXT)
    audience: dict[str, Any] | str = "all"
    link_url: str | None = Field(default=None, max_length=1000)
    link_label: str | None = Field(default=None, max_length=20)
    send_at: datetime | None = None


class MilestoneIn(BaseModel):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=60)
    program: str = Field(pattern=r"^(digital_cluster|intl_alliance)$")
    year: int = Field(ge=100, le=200)
    title: str = Field(min_length=1, max_length=20)
    at: datetime
    what: str = Field(default="", max_length=500)
    classes: list[str] = []
    roles: list[str] = ["leader", "member"]
    remind: bool = True
    approximate: bool = False
    label: str = Field(default="", max_length=60)
    label_en: str = Field(default="", max_length=80)


def _taipei(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=TAIPEI) if moment.tzinfo is None else moment


@router.post("/broadcasts", status_code=201)
def create_broadcast(body: BroadcastIn, request: Request, background: BackgroundTasks, staff: Editor) -> dict[str, Any]:
    services = request.app.state.services
    with services.db.session() as session:
        try:
            notice, people = notices.create(
                session=session, text=body.text, audience=body.audience, actor=staff, link_url=body.link_url,
                link_label=body.link_label, send_at=_taipei(body.send_at), now=services.clock.now(),
            )
        except (NoticeError, AudienceError) as exc:
            raise HTTPException(422, str(exc)) from None
        notice_id, status = notice.id, notice.status
    if status == "sending":
        background.add_task(outbox.deliver_notice, services.db, request.app.state.line, notice_id, clock=services.clock,
                            concurrency=services.settings.multicast_concurrency)
    return {"id": notice_id, "recipients": len(people.recipients), "blocked": len(people.blocked), "status": status,
            "audience": describe(body.audience)}


@router.get("/broadcasts")
def list_broadcasts(request: Request, _staff: Viewer) -> list[dict[str, Any]]:
    with request.app.state.services.db.session() as session:
        return [outbox.notice_report(session, n) for n in notices.recent(session=session, limit=100)]


@router.get("/broadcasts/{notice_id}")
def get_broadcast(notice_id: int, request: Request, _staff: Viewer) -> dict[str, Any]:
    with request.app.state.services.db.session() as session:
        notice = notices.get_notice(session=session, notice_id=notice_id)
        if notice is None:
            raise HTTPException(404, "no such notice")
        return outbox.notice_report(session, notice)


@router.get("/calendar")
def get_calendar(request: Request, _staff: Viewer) -> list[dict[str, Any]]:
    with request.app.state.services.db.session() as session:
        return [
            {"id": m.id, "program": m.program, "year": m.year, "title": m.title, "at": m.at.astimezone(TAIPEI).isoformat(),
             "approximate": m.approximate, "audience": m.audience, "remind": m.remind, "what": m.what, "origin": m.origin,
             "label": m.label, "label_en": m.label_en}
            for m in calendar.milestones(session=session)
        ]


@router.put("/calendar/{milestone_id}")
def put_milestone(milestone_id: str, body: MilestoneIn, request: Request, staff: Editor) -> dict[str, Any]:
    if body.id != milestone_id:
        raise HTTPException(422, "id in the body must match the URL")
    with request.app.state.services.db.session() as session:
        calendar.upsert_milestone(
            session=session, id=body.id, program=body.program, year=body.year, title=body.title,
            at=_taipei(body.at), what=body.what, classes=body.classes, roles=body.roles,  # type: ignore[arg-type]
            remind=body.remind, approximate=body.approximate, label=body.label, label_en=body.label_en,
        )
        audit_log.record(session=session, actor=staff, action="milestone_saved", details={"id": body.id, "at": body.at.isoformat()})
    return {"id": body.id, "saved": True}


@router.get("/audit")
def audit_entries(request: Request, _staff: Admin) -> list[dict[str, Any]]:
    with request.app.state.services.db.session() as session:
        return [{"at": r.at.isoformat(), "actor": r.actor, "action": r.action, "details": r.details}
                for r in audit_log.recent(session=session)]


class KpiIn(BaseModel):
    name: str = Field(min_length=1, max_length=60)
    target: float = Field(gt=0)
    unit: str = Field(default="", max_length=10)


@router.post("/clusters/{code}/kpis", status_code=201)
def add_cluster_kpi(code: str, body: KpiIn, request: Request, staff: Editor) -> dict[str, Any]:
    """Staff define a cluster's own KPI (自訂績效指標); check-ins started afterwards ask for it."""
    with request.app.state.services.db.session() as session:
        cluster = clusters.cluster_by_code(session=session, code=code)
        if cluster is None:
            raise HTTPException(404, "no such cluster code")
        kpi = clusters.add_kpi(session=session, cluster_id=cluster.id, name=body.name, target=body.target, unit=body.unit)
        audit_log.record(session=session, actor=staff, action="kpi_added", details={"cluster": cluster.code, "kpi": body.name})
        return {"id": kpi.id, "cluster": cluster.code, "name": kpi.name, "target": kpi.target, "unit": kpi.unit}


@router.post("/forms/{session_id}/lock")
def lock_form(session_id: int, request: Request, staff: Editor, locked: bool = True) -> dict[str, Any]:
    """Lock a submitted form for review (the user can no longer reopen it), or unlock it."""
    with request.app.state.services.db.session() as session:
        fs = forms.get_session(session=session, session_id=session_id)
        if fs is None or fs.status != "submitted":
            raise HTTPException(404, "no submitted form with this id")
        fs.locked = locked
        audit_log.record(session=session, actor=staff, action="form_locked" if locked else "form_unlocked",
                         details={"form": session_id})
        return {"id": session_id, "locked": locked}
