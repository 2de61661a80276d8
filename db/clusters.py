"""Clusters: created by a lead firm's cluster form, joined with a 6-character code, with their own KPIs."""
from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Cluster, ClusterKpi, User

__all__ = [
    "add_kpi",
    "all_clusters",
    "cluster_by_code",
    "create_cluster",
    "get_cluster",
    "join",
    "kpi_snapshot",
    "kpis_of",
    "leader_ids",
    "led_by",
    "member_ids",
]

#: Join codes avoid look-alike characters (0/O, 1/I/L) so they survive being read aloud.
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def create_cluster(*, session: Session, name: str, class_: str | None, type_: str | None, leader_user_id: str) -> Cluster:
    while True:
        code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(6))
        if cluster_by_code(session=session, code=code) is None:
            break
    cluster = Cluster(code=code, name=name[:100], class_=class_, type=type_, leader_user_id=leader_user_id)
    session.add(cluster)
    session.flush()
    user = session.get(User, leader_user_id)
    if user is not None:
        user.cluster_id = cluster.id
    return cluster


def get_cluster(*, session: Session, cluster_id: int | None) -> Cluster | None:
    return session.get(Cluster, cluster_id) if cluster_id else None


def cluster_by_code(*, session: Session, code: str) -> Cluster | None:
    return session.scalars(select(Cluster).where(Cluster.code == code.strip().upper())).first()


def all_clusters(*, session: Session) -> list[Cluster]:
    return list(session.scalars(select(Cluster).order_by(Cluster.name)))


def led_by(*, session: Session, line_user_id: str) -> Cluster | None:
    """The cluster this user leads, if any."""
    return session.scalars(select(Cluster).where(Cluster.leader_user_id == line_user_id).order_by(Cluster.id)).first()


def join(*, session: Session, user: User, cluster: Cluster) -> None:
    user.cluster_id = cluster.id


def leader_ids(*, session: Session) -> set[str]:
    return {u for u in session.scalars(select(Cluster.leader_user_id)) if u}


def member_ids(*, session: Session, codes: list[str]) -> tuple[set[str], list[str]]:
    """Members and leaders of the clusters with these codes, and the codes that name no cluster."""
    clusters = list(session.scalars(select(Cluster).where(Cluster.code.in_(codes))))
    found = {c.code for c in clusters}
    ids = set(session.scalars(select(User.line_user_id).where(User.cluster_id.in_([c.id for c in clusters]))))
    ids |= {c.leader_user_id for c in clusters if c.leader_user_id}
    return ids, [c for c in codes if c not in found]


def add_kpi(*, session: Session, cluster_id: int, name: str, target: float, unit: str = "") -> ClusterKpi:
    kpi = ClusterKpi(cluster_id=cluster_id, name=name[:60], target=target, unit=unit[:10])
    session.add(kpi)
    session.flush()
    return kpi


def kpis_of(*, session: Session, cluster_id: int) -> list[ClusterKpi]:
    return list(session.scalars(select(ClusterKpi).where(ClusterKpi.cluster_id == cluster_id).order_by(ClusterKpi.id)))


def kpi_snapshot(*, session: Session, cluster_id: int | None) -> list[dict[str, Any]]:
    """The cluster's own KPIs as a check-in asks them (frozen into the session when it starts)."""
    if cluster_id is None:
        return []
    return [{"id": f"kpi_{r.id}", "name": r.name, "target": r.target, "unit": r.unit}
            for r in kpis_of(session=session, cluster_id=cluster_id)]
