"""What particular forms do beyond asking questions, kept apart from the state machine.

* the cluster form creates the cluster (and its join code) once name, class and type are known,
  and shows what the members' submitted self-assessments say for each practice tool;
* the member and cluster forms are scored against 附件二 (O/E/S/I) at review;
* a check-in reports where the cluster stands; /公告 previews and sends a notice.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from db import clusters, forms
from db.models import FormSession
from handlers.dialogs.notice import notice_preview, send_notice
from handlers.dialogs.summary import summary_card
from handlers.effects import Effect
from handlers.replies import Reply, Text
from knowledge.calendar import load_calendar
from knowledge.forms import Form, FormItem
from knowledge.scoring import Scorecard, score
from knowledge.standing import Kpi, standing

__all__ = ["after_answer", "class_letter", "cluster_size", "member_counts", "review", "scorecard", "submitted"]


def class_letter(value: Any) -> str | None:
    text = str(value or "")
    return "A" if text.startswith("A") else "B" if text.startswith("B") else None


def after_answer(session: Session, user_id: str, fs: FormSession, form: Form, item: FormItem, value: Any) -> list[Reply]:
    """The cluster form's type is its last founding fact: the cluster is created with a join code."""
    if form.id != "dc_cluster" or item.id != "cluster_type" or fs.cluster_id is not None:
        return []
    answers = forms.answers_of(session=session, session_id=fs.id)
    cluster = clusters.create_cluster(
        session=session, name=str(answers.get("cluster_name") or "我的群聚"),
        class_=class_letter(answers.get("cluster_class")), type_=str(value), leader_user_id=user_id,
    )
    fs.cluster_id = cluster.id
    return [Text(f"群聚已建立！群聚代碼：{cluster.code}\n請把代碼分享給成員，成員對我說「加入群聚 {cluster.code}」"
                 "就會連結到這個群聚，他們送出的成員自評會自動統計到這份群聚自評。")]


def cluster_size(session: Session, fs: FormSession, form: Form) -> int | None:
    """The cluster form's own member count: no firm count may exceed it."""
    if form.id != "dc_cluster":
        return None
    size = forms.answers_of(session=session, session_id=fs.id).get("member_count")
    return int(size) if isinstance(size, (int, float)) and size > 0 else None


def member_counts(session: Session, fs: FormSession, all_forms: dict[str, Form]) -> dict[str, int]:
    """For the cluster form: how many submitted member forms answered 有, per practice tool."""
    if fs.form_id != "dc_cluster" or fs.cluster_id is None or "dc_member" not in all_forms:
        return {}
    member_form = all_forms["dc_member"]
    counts: dict[str, int] = {}
    for member in forms.submitted_sessions(session=session, form_id="dc_member", cluster_id=fs.cluster_id):
        answers = forms.answers_of(session=session, session_id=member.id)
        for item in member_form.items:
            if item.dimension:
                counts.setdefault(item.id, 0)
                value = answers.get(item.id)
                if isinstance(value, dict) and value.get("has"):
                    counts[item.id] += 1
    return counts


def scorecard(session: Session, fs: FormSession, form: Form) -> Scorecard | None:
    if form.scoring != "oesi":
        return None
    answers = forms.answers_of(session=session, session_id=fs.id)
    cluster = clusters.get_cluster(session=session, cluster_id=fs.cluster_id)
    cls, kind = (cluster.class_, cluster.type) if cluster else (None, None)
    if form.id == "dc_cluster":
        cls, kind = class_letter(answers.get("cluster_class")), answers.get("cluster_type")
    return score(form, answers, cluster_class=cls, cluster_type=kind)


def review(session: Session, fs: FormSession, form: Form, answers: dict[str, Any], *, today: date) -> list[Reply]:
    """What the review shows: the notice preview for /公告, else the summary card."""
    if form.on_submit == "notice":
        return notice_preview(session, answers, today=today)
    return [summary_card(form, answers, scorecard(session, fs, form))]


def submitted(session: Session, user_id: str, fs: FormSession, form: Form, answers: dict[str, Any], *,
              today: date) -> tuple[list[Reply], list[Effect], bool]:
    """After 送出: (replies, effects, whether the submission stands — a notice may be refused)."""
    if form.on_submit == "notice":
        return send_notice(session, user_id, answers, today=today)
    if form.on_submit == "checkin_report":
        return [Text(f"已收到 {fs.pending.get('month', '')} 的「{form.title}」，謝謝您！"),
                Text(_standing(session, user_id, fs, form, today))], [], True
    return [Text(f"已送出「{form.title}」，謝謝您！計畫同仁會收到您的資料。\n"
                 f"送出後在同仁審閱前都還能修改：再說一次「{form.short}」即可。")], [], True


def _standing(session: Session, user_id: str, fs: FormSession, form: Form, today: date) -> str:
    reports = [forms.answers_of(session=session, session_id=other.id)
               for other in forms.checkins(session=session, form_id=form.id, line_user_id=user_id,
                                           cluster_id=fs.cluster_id, year=today.year)]
    kpis = tuple(Kpi(k["id"], k["name"], float(k["target"]), k.get("unit") or "") for k in fs.pending.get("kpis", []))
    checkpoints = load_calendar().checkpoints.get(form.program, ())
    return standing(form, reports, today=today, checkpoints=checkpoints, kpis=kpis).text()
