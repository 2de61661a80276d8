"""Bearer-token authentication for the staff JSON API, with roles.

``ADMIN_TOKEN`` itself acts as an admin. A staff account may have its own API token (made in
the console's account page; only its SHA-256 is stored), which carries the account's role. Each
route declares the role it needs: :data:`Viewer` (reports, exports), :data:`Editor` (knowledge,
calendar, notices, handoffs) or :data:`Admin` (accounts).
"""
from __future__ import annotations

import hashlib
import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status

from bot.admin.access import ROLES, allowed
from db import staff as accounts

__all__ = ["Admin", "Editor", "StaffDep", "Viewer", "require"]


def _who(request: Request) -> tuple[str, str]:
    """(name, role) of the caller's Bearer token; 401 without a valid one."""
    services = request.app.state.services
    expected = services.settings.admin_token
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token:
        if expected and hmac.compare_digest(token.encode(), expected.encode()):
            return "admin-token", "admin"
        with services.db.session() as session:
            account = accounts.by_api_token(session=session, token_hash=hashlib.sha256(token.encode()).hexdigest())
            if account is not None and not account.disabled:
                return account.username, account.role
    raise HTTPException(status.HTTP_401_UNAUTHORIZED, "staff token required", headers={"WWW-Authenticate": "Bearer"})


def require(need: str):  # type: ignore[no-untyped-def]
    """A dependency: the caller's name, if their role allows ``need``; else 401/403."""

    def check(request: Request) -> str:
        name, role = _who(request)
        if not allowed(role, need):
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"this needs the {need} role ({ROLES[need]})")
        return name

    return check


Viewer = Annotated[str, Depends(require("viewer"))]
Editor = Annotated[str, Depends(require("editor"))]
Admin = Annotated[str, Depends(require("admin"))]
StaffDep = Editor
