"""The ASGI app (``bot.app:app``): webhook, health check, and — in dev mode only — the local chat
page and the LINE API stand-in."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError

from bot.admin import api, api_knowledge, exports, monitoring, site
from bot.guard import REFUSED, GuardMiddleware
from bot.handler import HandlerProcess
from bot.line.client import LineClient
from bot.logs import configure_logging
from bot.services import Services
from bot.settings import Settings, get_settings
from bot.webhook import dispatcher, endpoint
from bot.webhook.inbox_writer import InboxWriter

__all__ = ["app", "create_app"]

log = logging.getLogger(__name__)
WORKER_THREADS = 8


def create_app(settings: Settings | None = None, *, services: Services | None = None) -> FastAPI:
    settings = settings or get_settings()
    settings.check_production()
    configure_logging(settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from db.migrate import SchemaOutOfDate

        separate = bool(settings.handler_processes)
        try:
            app.state.services = services or Services.build(settings, lazy=separate)
        except SchemaOutOfDate as exc:
            log.error("%s", exc)
            raise SystemExit(3) from None
        app.state.line = LineClient(settings)
        app.state.inbox_writer = InboxWriter(app.state.services.inbox_db.url, app.state.services.clock)
        app.state.handler = HandlerProcess(settings) if separate else None
        if app.state.handler is not None:
            app.state.handler.start()
        # Handlers run in worker threads; a few are plenty (they hold the GIL anyway) and each
        # idle thread costs memory.
        anyio.to_thread.current_default_thread_limiter().total_tokens = WORKER_THREADS
        log.info("assistant started", extra={"dev_mode": settings.dev_mode, "handler_processes": int(separate)})
        services_ = app.state.services
        # The background work runs in a task group: at shutdown its cancellation waits for work
        # already in a worker thread (anyio shields it) instead of abandoning it mid-transaction.
        try:
            async with anyio.create_task_group() as background:
                # With a handler process, it recovers what a dead process left; the web worker only acknowledges.
                if not separate:
                    background.start_soon(_recover_forever, app)
                if settings.dev_mode:
                    background.start_soon(_dev_rich_menu, app)
                if services_.live is not None:
                    background.start_soon(services_.live.run, services_)
                try:
                    yield
                finally:
                    background.cancel_scope.cancel()
        finally:
            if app.state.handler is not None:
                await anyio.to_thread.run_sync(app.state.handler.stop)
            app.state.inbox_writer.close()
            await app.state.line.close()

    # The API's schema lists the admin routes: only in dev mode.
    app = FastAPI(title="SME program assistant", lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url="/openapi.json" if settings.dev_mode else None)
    app.add_middleware(GuardMiddleware)
    app.include_router(endpoint.router)
    app.include_router(exports.router)
    app.include_router(api.router)
    app.include_router(api_knowledge.router)
    app.include_router(monitoring.router)
    site.install(app)

    @app.get("/healthz")
    async def healthz() -> JSONResponse:
        """Alive: the process answers (a load balancer restarts it when this fails)."""
        return JSONResponse({"status": "ok"})

    @app.get("/readyz")
    async def readyz() -> JSONResponse:
        """Ready: the database answers and its schema is the code's (send traffic only then)."""
        from db.migrate import SchemaOutOfDate

        try:
            await anyio.to_thread.run_sync(app.state.services.db.check_schema)
        except SchemaOutOfDate:
            return JSONResponse({"status": "schema out of date"}, status_code=503)
        except Exception as exc:
            log.warning("readiness check failed", extra={"error": type(exc).__name__})
            return JSONResponse({"status": "database unreachable"}, status_code=503)
        handler = app.state.handler
        if handler is not None and not handler.ready:
            return JSONResponse({"status": "handler starting"}, status_code=503)
        return JSONResponse({"status": "ready"})

    @app.exception_handler(DataError)
    async def bad_data(request: Request, exc: DataError) -> JSONResponse:
        """A value the database cannot hold that slipped past the guard: the caller's input, a 400."""
        log.warning("input refused by the database", extra={"path": request.url.path})
        return JSONResponse({"detail": REFUSED}, status_code=400)

    if settings.dev_mode:
        from bot.dev import mount_dev

        mount_dev(app, settings)
    return app


async def _dev_rich_menu(app: FastAPI) -> None:
    """Dev mode: install the rich menu into the built-in stand-in, as `python -m bot richmenu` does on
    a real channel, once the server accepts requests (the stand-in is served by this process)."""
    from bot.line import richmenu

    for _ in range(20):
        await asyncio.sleep(0.5)
        try:
            await richmenu.install(app.state.line)
            return
        except Exception as exc:  # the server is still starting, or no CJK font: the chat works without it
            error = exc
    log.warning("dev rich menu not installed", extra={"error": type(error).__name__})


async def _recover_forever(app: FastAPI) -> None:
    """At start-up and every few seconds (``RECOVERY_SECONDS``): handle events a dead process
    acknowledged but never handled, and send replies it decided but never sent."""
    services = app.state.services
    while True:
        try:
            await dispatcher.recover(services, app.state.line)
        except Exception:
            log.exception("inbox recovery failed")
        await asyncio.sleep(services.settings.recovery_seconds)


def __getattr__(name: str) -> FastAPI:
    # ``bot.app:app`` is built on first access so that importing this module (tests, CLI) does not
    # require production secrets.
    if name == "app":
        value = create_app()
        globals()["app"] = value
        return value
    raise AttributeError(name)
