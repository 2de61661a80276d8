"""What the assistant already knows about a user's part in the programs.

A user who leads or joined a cluster, or sent the alliance survey, has told us their program and
role; asking again (「您的角色是？」) wastes a turn and invites a wrong answer. Subscriptions
count only when nothing firmer is known.
"""
from __future__ import annotations

from db import clusters, forms, subscriptions, users
from handlers.context import Ctx

__all__ = ["known_class", "known_role", "programs_of"]


def programs_of(ctx: Ctx) -> set[str]:
    """The programs a user takes part in: a cluster joined or led, an alliance survey sent."""
    user_id = ctx.user_id or ""
    found: set[str] = set()
    user = users.get_user(session=ctx.session, line_user_id=user_id)
    if (user is not None and user.cluster_id) or clusters.led_by(session=ctx.session, line_user_id=user_id):
        found.add("digital_cluster")
    if forms.latest_session(session=ctx.session, line_user_id=user_id, form_id="ia_survey", statuses=("submitted",)):
        found.add("intl_alliance")
    if not found:
        found = {s.program for s in subscriptions.of_user(session=ctx.session, line_user_id=user_id)
                 if s.role in ("leader", "member")}
    return found


def known_role(ctx: Ctx, program: str) -> str | None:
    """``leader`` or ``member`` when the user's records say so for ``program``; else None."""
    user_id = ctx.user_id or ""
    if program == "digital_cluster":
        if clusters.led_by(session=ctx.session, line_user_id=user_id):
            return "leader"
        user = users.get_user(session=ctx.session, line_user_id=user_id)
        return "member" if user is not None and user.cluster_id else None
    if program == "intl_alliance" and forms.latest_session(session=ctx.session, line_user_id=user_id,
                                                           form_id="ia_survey", statuses=("submitted",)):
        return "member"
    return None


def known_class(ctx: Ctx) -> str | None:
    """The class (A/B) of the cluster the user leads or joined, if any."""
    user_id = ctx.user_id or ""
    cluster = clusters.led_by(session=ctx.session, line_user_id=user_id)
    if cluster is None:
        user = users.get_user(session=ctx.session, line_user_id=user_id)
        cluster = clusters.get_cluster(session=ctx.session, cluster_id=user.cluster_id) if user and user.cluster_id else None
    return cluster.class_ if cluster is not None else None
