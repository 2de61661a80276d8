"""Dev mode only: the local chat page (``/dev/chat``) and the LINE API stand-in (``/dev/line-api``).

``mount_dev`` is called by the app factory only when ``DEV_MODE`` is on; production never
imports this package.
"""
from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, JSONResponse

from bot.dev.line_standin import LineStandin
from bot.settings import Settings

__all__ = ["mount_dev"]

_PAGE = Path(__file__).resolve().parent / "templates" / "chat.html"


def mount_dev(app: FastAPI, settings: Settings) -> LineStandin:
    standin = LineStandin()
    app.state.standin = standin
    app.mount("/dev/line-api", standin.app)

    @app.get("/dev/chat", response_class=HTMLResponse)
    async def chat_page() -> HTMLResponse:
        return HTMLResponse(_PAGE.read_text(encoding="utf-8"))

    @app.get("/dev/api/config")
    async def chat_config() -> JSONResponse:
        # The page signs its webhook events like LINE does; in dev mode the secret is a dummy.
        return JSONResponse({"channelSecret": settings.line_channel_secret, "destination": "Udevbot"})

    @app.get("/")
    async def index() -> HTMLResponse:
        return HTMLResponse('<meta http-equiv="refresh" content="0; url=/dev/chat">')

    return standin
