"""Bearer-token authentication for the staff API (constant-time comparison)."""
from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status

__all__ = ["StaffDep", "require_staff"]


def require_staff(request: Request) -> str:
    expected = request.app.state.services.settings.admin_token
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if not expected or scheme.lower() != "bearer" or not hmac.compare_digest(token.encode(), expected.encode()):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "staff token required", headers={"WWW-Authenticate": "Bearer"})
    return "admin-token"


StaffDep = Annotated[str, Depends(require_staff)]
