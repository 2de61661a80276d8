"""The ASGI app (``bot.app:app``): webhook, health check, and — in dev mode only — the local chat
page and the LINE API stand-in."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from bot.admin import api, console, exports
from bot.line.client import LineClient
from bot.logs import configure_logging
from bot.services import Services
from bot.settings import Settings, get_settings
from bot.webhook import dispatcher, endpoint

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

        try:
            app.state.services = services or Services.build(settings)
        except SchemaOutOfDate as exc:
            log.error("%s", exc)
            raise SystemExit(3) from None
        app.state.line = LineClient(settings)
        # Handlers run in worker threads; a few are plenty (they hold the GIL anyway) and each
        # idle thread costs memory.
        anyio.to_thread.current_default_thread_limiter().total_tokens = WORKER_THREADS
        log.info("assistant started", extra={"dev_mode": settings.dev_mode})
        recovery = asyncio.create_task(_recover_forever(app))
        menu = asyncio.create_task(_dev_rich_menu(app)) if settings.dev_mode else None
        try:
            yield
        finally:
            recovery.cancel()
            if menu is not None:
                menu.cancel()
            await app.state.line.close()

    app = FastAPI(title="SME program assistant", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.include_router(endpoint.router)
    app.include_router(exports.router)
    app.include_router(api.router)
    console.install(app)

    @app.get("/healthz")
    async def healthz() -> JSONResponse:
        return JSONResponse({"status": "ok"})

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
    """At start-up and every minute: handle events a crashed process acknowledged but never handled."""
    while True:
        try:
            await dispatcher.recover(app.state.services, app.state.line)
        except Exception:
            log.exception("inbox recovery failed")
        await asyncio.sleep(60)


def __getattr__(name: str) -> FastAPI:
    # ``bot.app:app`` is built on first access so that importing this module (tests, CLI) does not
    # require production secrets.
    if name == "app":
        value = create_app()
        globals()["app"] = value
        return value
    raise AttributeError(name)
