"""``GET /metrics``: the Prometheus scrape, for staff tokens only.

It lists traffic volumes and latencies, nothing personal, but it is not for the public: a
scraper sends ``Authorization: Bearer <token>`` (``ADMIN_TOKEN`` or a staff account's API
token, viewer role or above). The figures are every process's (``bot/metrics.py``).
"""
from __future__ import annotations

from typing import Any

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST

from bot import metrics
from bot.admin.auth import Viewer
from db import deliveries, inbox
from db.engine import Database
from knowledge.clock import Clock

__all__ = ["backlog_figures", "router"]

router = APIRouter()


def backlog_figures(db: Database, spool: Database, clock: Clock) -> dict[str, Any]:
    """How far handling is behind, and what the queues hold: read from the database (and the
    inbox's own, on SQLite)."""
    with spool.session() as session:
        waiting, oldest = inbox.backlog(session=session)
    with db.session() as session:
        return {
            "backlog": waiting,
            "oldest_age_seconds": max(0.0, (clock.now() - oldest).total_seconds()) if oldest else 0.0,
            "dead_letters": inbox.dead_letter_count(session=session),
            "deliveries": deliveries.counts(session=session),
        }


@router.get("/metrics", include_in_schema=False)
async def scrape(request: Request, _staff: Viewer) -> Response:
    services = request.app.state.services
    collector = metrics.DatabaseCollector(lambda: backlog_figures(services.db, services.inbox_db, services.clock))
    body = await anyio.to_thread.run_sync(metrics.exposition, collector)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
