"""What the console pages show, built from the repositories.

Staff read names, program names and ROC dates, never LINE user ids, program codes or ISO times.
A firm is named by the 企業名稱/公司名稱 it gave in a submitted form; a user who never gave one is
shown by the last characters of their LINE id, which is enough to tell two apart.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from db import clusters, forms, notices, users
from db.models import Cluster, FormSession
from knowledge.answers import display
from knowledge.calendar import roc_date
from knowledge.forms import Form
from knowledge.labels import program_label

__all__ = [
    "DELIVERY_STATUS", "alliance_detail", "checkin_overview", "cluster_detail", "form_detail", "form_rows",
    "names_of", "recipients", "when",
]

DELIVERY_STATUS = {"pending": "等待發送", "sending": "發送中", "sent": "✅ 已送達", "failed": "❌ 失敗",
                   "blocked": "🚫 已封鎖"}
_NAME_ITEMS = ("company_name",)


def when(moment: datetime | None) -> str:
    return roc_date(moment, weekday=False) if moment else ""


def names_of(session: Session, user_ids: set[str]) -> dict[str, str]:
    """LINE user → the firm name they last gave in a submitted form."""
    found: dict[str, str] = {}
    for item_id in _NAME_ITEMS:
        for user, value, _ in forms.item_values(session=session, item_id=item_id, line_user_ids=user_ids):
            if isinstance(value, str) and value.strip():
                found[user] = value.strip()  # oldest first, so the latest wins
    return found


def who(user_id: str, names: dict[str, str]) -> str:
    return names.get(user_id) or f"LINE 使用者 …{user_id[-6:]}"


def _alliances(session: Session) -> dict[str, str]:
    """LINE user → the alliance named in their latest submitted 聯盟調查."""
    return {user: str(value).strip() for user, value, _ in
            forms.item_values(session=session, item_id="alliance_name", form_id="ia_survey") if value}


def form_rows(session: Session, catalog: dict[str, Form], *, form_id: str = "", cluster: Cluster | None = None,
              alliance: str = "") -> list[dict[str, Any]]:
    """Submitted forms, newest first, with who sent them and where they belong."""
    members = None
    if alliance:
        members = {user for user, name in _alliances(session).items() if name == alliance}
    rows = forms.submissions(session=session, form_id=form_id or None, cluster_id=cluster.id if cluster else None,
                             line_user_ids=members)
    names = names_of(session, {fs.line_user_id for fs in rows})
    alliances = _alliances(session)
    known: dict[int, Cluster | None] = {}
    out = []
    for fs in rows:
        form = catalog.get(fs.form_id)
        if form is None or form.on_submit == "notice":
            continue
        if fs.cluster_id and fs.cluster_id not in known:
            known[fs.cluster_id] = clusters.get_cluster(session=session, cluster_id=fs.cluster_id)
        linked = known.get(fs.cluster_id) if fs.cluster_id else None
        belongs = (f"{linked.name}（{linked.code}）" if linked else
                   alliances.get(fs.line_user_id, "") if form.program == "intl_alliance" else "")
        out.append({"id": fs.id, "form": form.title, "program": program_label(form.program), "who": who(fs.line_user_id, names),
                    "belongs": belongs, "submitted": when(fs.submitted_at), "locked": fs.locked,
                    "month": fs.pending.get("month", "") if form.per_month else ""})
    return out


def form_detail(session: Session, fs: FormSession, form: Form) -> dict[str, Any]:
    """One submitted form: every answer as the user gave it, numbered as on the form."""
    answers = forms.answers_of(session=session, session_id=fs.id)
    names = names_of(session, {fs.line_user_id})
    rows = []
    for number, item in enumerate(form.items, 1):
        if not form.asks(item, answers):
            continue
        value = display(item, answers[item.id]) if item.id in answers else "未填"
        rows.append({"n": number, "label": f"{item.code} {item.label}" if item.code else item.label, "value": value,
                     "section": form.section_of[item.id].title})
    for kpi in fs.pending.get("kpis") or []:
        value = answers.get(kpi["id"])
        rows.append({"n": "", "label": f"自訂指標：{kpi['name']}", "section": "自訂績效指標",
                     "value": "未填" if value is None else f"{value:g}{kpi.get('unit') or ''}（目標 {kpi['target']:g}）"})
    cluster = clusters.get_cluster(session=session, cluster_id=fs.cluster_id) if fs.cluster_id else None
    return {"id": fs.id, "form": form.title, "program": program_label(form.program), "who": who(fs.line_user_id, names),
            "cluster": f"{cluster.name}（{cluster.code}）" if cluster else "", "submitted": when(fs.submitted_at),
            "locked": fs.locked, "rows": rows}


def checkin_overview(session: Session, month: str) -> dict[str, list[dict[str, Any]]]:
    """月報 of ``month``: each cluster's lead firm, and each alliance's members."""
    dc = forms.reported_users(session=session, month=month, form_id="checkin")
    ia = forms.reported_users(session=session, month=month, form_id="ia_checkin")
    cluster_rows = []
    for cluster in clusters.all_clusters(session=session):
        members = users.in_cluster(session=session, cluster_id=cluster.id)
        at = dc.get(cluster.leader_user_id)
        cluster_rows.append({"code": cluster.code, "name": cluster.name, "class": cluster.class_ or "",
                             "type": cluster.type or "", "members": len(members), "reported": at is not None,
                             "at": when(at)})
    by_alliance: dict[str, list[str]] = {}
    for user, name in _alliances(session).items():
        by_alliance.setdefault(name, []).append(user)
    alliance_rows = [{"name": name, "members": len(people), "reported": sum(1 for u in people if u in ia)}
                     for name, people in sorted(by_alliance.items())]
    return {"clusters": cluster_rows, "alliances": alliance_rows}


def cluster_detail(session: Session, cluster: Cluster, month: str, catalog: dict[str, Form]) -> dict[str, Any]:
    """One cluster's 月報 for ``month`` (filed by its lead firm) and each member's 成員自評."""
    people = [cluster.leader_user_id] + [u.line_user_id for u in users.in_cluster(session=session, cluster_id=cluster.id)
                                         if u.line_user_id != cluster.leader_user_id]
    names = names_of(session, set(people))
    reported = forms.reported_users(session=session, month=month, form_id="checkin")
    assessed = {fs.line_user_id: fs for fs in forms.submissions(session=session, form_id="dc_member",
                                                                line_user_ids=set(people))}
    rows = []
    for user in people:
        fs = assessed.get(user)
        rows.append({"who": who(user, names), "role": "領導企業" if user == cluster.leader_user_id else "成員企業",
                     "assessed": when(fs.submitted_at) if fs else "", "assessment_id": fs.id if fs else None,
                     "reported": when(reported[user]) if user in reported else ""})
    checkin = next((fs for fs in forms.submissions(session=session, form_id="checkin", line_user_ids={cluster.leader_user_id})
                    if fs.pending.get("month") == month), None)
    report = form_detail(session, checkin, catalog["checkin"]) if checkin else None
    return {"code": cluster.code, "name": cluster.name, "class": cluster.class_ or "", "type": cluster.type or "",
            "members": rows, "report": report}


def alliance_detail(session: Session, name: str, month: str) -> dict[str, Any]:
    """One alliance's members and whether each sent its 聯盟月報 for ``month``."""
    people = sorted(user for user, alliance in _alliances(session).items() if alliance == name)
    names = names_of(session, set(people))
    reported = {fs.line_user_id: fs for fs in forms.submissions(session=session, form_id="ia_checkin",
                                                                line_user_ids=set(people))
                if fs.pending.get("month") == month}
    rows = [{"who": who(user, names), "reported": when(reported[user].submitted_at) if user in reported else "",
             "report_id": reported[user].id if user in reported else None} for user in people]
    return {"name": name, "members": rows}


def recipients(session: Session, notice_id: int) -> list[dict[str, Any]]:
    """Each recipient of a notice, by name where known, with what happened to their copy."""
    rows = notices.deliveries_of(session=session, notice_id=notice_id)
    names = names_of(session, {d.line_user_id for d in rows})
    return [{"who": who(d.line_user_id, names), "status": DELIVERY_STATUS.get(d.status, d.status),
             "state": d.status, "attempts": d.attempts, "sent": when(d.sent_at), "error": d.error or ""}
            for d in rows]
