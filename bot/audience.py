"""Who receives a notice or reminder: an audience spec resolved against subscriptions and clusters.

Audience specs (JSON, as the staff API and console send them)::

    {"all": true}
    {"program": "digital_cluster", "class": "A", "role": "leader"}   # any of the three may be omitted
    {"clusters": ["K7P2QX"]}                                          # members and leaders of clusters
    {"not_reported": "2026-11"}                                       # leaders with no check-in that month

Blocked users (they unfollowed) are returned separately: they are counted, never messaged.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Cluster, FormSession, Subscription, User

__all__ = ["PRESETS", "Audience", "AudienceError", "describe", "preset", "resolve"]

PROGRAMS = {"digital_cluster": "數位群聚", "intl_alliance": "國際主題聯盟"}
ROLES = {"member": "成員", "leader": "領導企業", "staff": "計畫同仁"}


class AudienceError(ValueError):
    """The spec is not one we understand; the message says why (shown to staff)."""


#: The audiences staff pick from, in the console and in /公告: key → (label, spec).
#: ``not_reported`` is filled with the current month when picked.
PRESETS: dict[str, tuple[str, dict[str, Any]]] = {
    "all": ("所有好友", {"all": True}),
    "dc": ("數位群聚（全部）", {"program": "digital_cluster"}),
    "dc_a": ("數位群聚A類", {"program": "digital_cluster", "class": "A"}),
    "dc_b": ("數位群聚B類", {"program": "digital_cluster", "class": "B"}),
    "ia": ("國際主題聯盟", {"program": "intl_alliance"}),
    "leaders": ("領導企業", {"role": "leader"}),
    "not_reported": ("本月未回報月報的領導企業", {"not_reported": None}),
}


def preset(key_or_label: str, *, month: str) -> dict[str, Any]:
    """The spec of a preset, picked by key (console) or label (chat); ``month`` is YYYY-MM."""
    for key, (label, spec) in PRESETS.items():
        if key_or_label in (key, label):
            return {"not_reported": month} if "not_reported" in spec else dict(spec)
    raise AudienceError("請選擇對象")


@dataclass(frozen=True)
class Audience:
    recipients: list[str]
    blocked: list[str]


def _subscribers(session: Session, *, program: str | None, class_: str | None, roles: list[str] | None) -> set[str]:
    stmt = select(Subscription.line_user_id, Subscription.class_, Subscription.role)
    if program:
        stmt = stmt.where(Subscription.program == program)
    ids: set[str] = set()
    for user_id, sub_class, role in session.execute(stmt):
        if class_ and sub_class and sub_class != class_:
            continue
        if roles and role not in roles:
            continue
        ids.add(user_id)
    return ids


def _leaders(session: Session) -> set[str]:
    leaders = set(session.scalars(select(Cluster.leader_user_id)))
    leaders |= set(session.scalars(select(Subscription.line_user_id).where(Subscription.role == "leader")))
    return leaders


def reported(session: Session, month: str, form_id: str = "checkin") -> set[str]:
    """Users who submitted a check-in for ``month`` (YYYY-MM)."""
    rows = session.execute(
        select(FormSession.line_user_id, FormSession.pending).where(
            FormSession.form_id == form_id, FormSession.status == "submitted"
        )
    )
    return {user for user, pending in rows if (pending or {}).get("month") == month}


def resolve(session: Session, spec: dict[str, Any] | str) -> Audience:
    if isinstance(spec, str):
        spec = {"all": True} if spec == "all" else {"program": spec}
    if not isinstance(spec, dict) or not spec:
        raise AudienceError("audience must be an object such as {\"all\": true} or {\"program\": \"digital_cluster\"}")
    unknown = set(spec) - {"all", "program", "class", "role", "clusters", "not_reported"}
    if unknown:
        raise AudienceError(f"unknown audience keys: {', '.join(sorted(unknown))}")
    if spec.get("program") and spec["program"] not in PROGRAMS:
        raise AudienceError(f"program must be one of {', '.join(PROGRAMS)}")
    if spec.get("class") and spec["class"] not in ("A", "B"):
        raise AudienceError("class must be A or B")
    if spec.get("role") and spec["role"] not in ROLES:
        raise AudienceError(f"role must be one of {', '.join(ROLES)}")
    if spec.get("all"):
        ids = set(session.scalars(select(User.line_user_id)))
    elif spec.get("clusters"):
        codes = [str(c).upper() for c in spec["clusters"]]
        clusters = session.scalars(select(Cluster).where(Cluster.code.in_(codes))).all()
        if len(clusters) != len(set(codes)):
            raise AudienceError("unknown cluster code in clusters")
        cluster_ids = [c.id for c in clusters]
        ids = set(session.scalars(select(User.line_user_id).where(User.cluster_id.in_(cluster_ids))))
        ids |= {c.leader_user_id for c in clusters}
    elif spec.get("not_reported"):
        month = str(spec["not_reported"])
        ids = _leaders(session) - reported(session, month)
    else:
        roles = [spec["role"]] if spec.get("role") else None
        ids = _subscribers(session, program=spec.get("program"), class_=spec.get("class"), roles=roles)
        if spec.get("role") == "leader" and not spec.get("program"):
            ids |= _leaders(session)
    blocked = set(session.scalars(select(User.line_user_id).where(User.blocked.is_(True))))
    return Audience(sorted(ids - blocked), sorted(ids & blocked))


def describe(spec: dict[str, Any] | str) -> str:
    """The audience in words, for previews and reports."""
    if isinstance(spec, str):
        spec = {"all": True} if spec == "all" else {"program": spec}
    if spec.get("all"):
        return "所有好友"
    if spec.get("clusters"):
        return "群聚 " + "、".join(spec["clusters"]) + " 的成員與領導企業"
    if spec.get("not_reported"):
        return f"{spec['not_reported']} 尚未回報月報的領導企業"
    parts = [PROGRAMS.get(spec.get("program", ""), "各計畫")]
    if spec.get("class"):
        parts.append(f"{spec['class']}類")
    parts.append(ROLES.get(spec.get("role", ""), "訂閱者"))
    return " ".join(parts)
