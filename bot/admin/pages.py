"""Rendering a console page: the shared templates, with the logged-in staff member and the
response's script nonce (``bot/guard.py``) in every page's context."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from bot.guard import nonce

if TYPE_CHECKING:
    from bot.admin.sessions import StaffSession

__all__ = ["page", "templates"]

templates = Jinja2Templates(directory=str(Path(__file__).resolve().parent / "templates"))


def page(request: Request, name: str, staff: StaffSession | None, **context: Any) -> HTMLResponse:
    return templates.TemplateResponse(request, name, {"staff": staff, "csp_nonce": nonce(request), **context})
