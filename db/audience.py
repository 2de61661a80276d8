"""Who receives a notice: an audience spec (``knowledge/notices.py``) resolved into LINE user ids.

Blocked users (they unfollowed) are returned separately: they are counted, never messaged.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from db import clusters, forms, subscriptions, users
from knowledge.notices import AudienceError, check_audience

__all__ = ["Audience", "leaders", "resolve"]


@dataclass(frozen=True)
class Audience:
    recipients: list[str]
    blocked: list[str]


def leaders(*, session: Session) -> set[str]:
    """Lead firms: those who created a cluster, and those who subscribed as one."""
    return clusters.leader_ids(session=session) | subscriptions.subscribers(session=session, roles=("leader",))


def resolve(*, session: Session, spec: dict[str, Any] | str) -> Audience:
    spec = check_audience(spec)
    if spec.get("all"):
        ids = users.all_ids(session=session)
    elif spec.get("clusters"):
        ids, unknown = clusters.member_ids(session=session, codes=list(spec["clusters"]))
        if unknown:
            raise AudienceError(f"找不到群聚代碼：{'、'.join(unknown)}")
    elif spec.get("not_reported"):
        ids = leaders(session=session) - set(forms.reported_users(session=session, month=str(spec["not_reported"])))
    else:
        roles = (spec["role"],) if spec.get("role") else ()
        classes = (spec["class"],) if spec.get("class") else ()
        ids = subscriptions.subscribers(session=session, program=spec.get("program"), classes=classes, roles=roles)
        if spec.get("role") == "leader" and not spec.get("program"):
            ids |= leaders(session=session)
    blocked = users.blocked_ids(session=session)
    return Audience(sorted(ids - blocked), sorted(ids & blocked))
