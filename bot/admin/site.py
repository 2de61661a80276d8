"""Mounting the staff console: every page router, and a missing session turned into the login page."""
from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from bot.admin import access, accounts, console, handoff_pages, knowledge_pages

__all__ = ["install"]


def install(app: FastAPI) -> None:
    for module in (console, knowledge_pages, handoff_pages, accounts):
        app.include_router(module.router)

    @app.exception_handler(access.LoginRequired)
    async def _to_login(request: Request, exc: access.LoginRequired) -> Response:
        return RedirectResponse("/admin/login", status_code=303)
