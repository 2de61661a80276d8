"""Staff accounts in the console: admins create accounts, set roles, disable, reset passwords and
issue API tokens; everyone changes their own password. Each change ends the account's sessions
(``db/staff.py``), so a new role or password applies at once."""
from __future__ import annotations

import hashlib
import secrets

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bot.admin import sessions
from bot.admin.access import ROLES, check_csrf, current
from bot.admin.pages import page as _page
from db import audit
from db import staff as accounts

__all__ = ["router"]

router = APIRouter(prefix="/admin", include_in_schema=False)
MIN_PASSWORD = 10


def _db(request: Request):  # type: ignore[no-untyped-def]
    return request.app.state.services.db


def _listing(request: Request) -> list[dict]:
    with _db(request).session() as session:
        return [{"name": a.username, "role": a.role, "role_text": ROLES.get(a.role, a.role), "disabled": a.disabled,
                 "token": bool(a.api_token_hash)} for a in accounts.all_accounts(session=session)]


@router.get("/accounts", response_class=HTMLResponse)
def accounts_page(request: Request, message: str = "", error: str = "") -> HTMLResponse:
    staff = current(request, "admin")
    return _page(request, "accounts.html", staff, rows=_listing(request), roles=ROLES, message=message, error=error,
                 token=None)


@router.post("/accounts")
async def accounts_change(request: Request) -> Response:
    staff = current(request, "admin")
    form = {k: str(v) for k, v in (await request.form()).items()}
    check_csrf(staff, form.get("csrf", ""))
    name, action = form.get("username", "").strip()[:40], form.get("action", "")
    role = form.get("role", "editor")
    token = None
    with _db(request).session() as session:
        account = accounts.get_account(session=session, username=name)
        if action == "create":
            if not name or account is not None:
                return RedirectResponse("/admin/accounts?error=帳號名稱空白或已存在。", status_code=303)
            if len(form.get("password", "")) < MIN_PASSWORD or role not in ROLES:
                return RedirectResponse(f"/admin/accounts?error=密碼至少 {MIN_PASSWORD} 個字，並選擇權限。", status_code=303)
            accounts.set_account(session=session, username=name, password_hash=sessions.hash_password(form["password"]),
                                 role=role)
        elif account is None:
            return RedirectResponse("/admin/accounts?error=沒有這個帳號。", status_code=303)
        elif action == "role" and role in ROLES:
            accounts.set_role(session=session, username=name, role=role)
        elif action in ("disable", "enable"):
            accounts.set_disabled(session=session, username=name, disabled=action == "disable")
        elif action == "password":
            if len(form.get("password", "")) < MIN_PASSWORD:
                return RedirectResponse(f"/admin/accounts?error=密碼至少 {MIN_PASSWORD} 個字。", status_code=303)
            accounts.set_account(session=session, username=name, password_hash=sessions.hash_password(form["password"]))
        elif action == "delete":
            accounts.delete_account(session=session, username=name)
        elif action == "token":
            token = secrets.token_urlsafe(32)
            accounts.set_api_token(session=session, username=name, token_hash=hashlib.sha256(token.encode()).hexdigest())
        else:
            return RedirectResponse("/admin/accounts?error=不明的動作。", status_code=303)
        audit.record(session=session, actor=staff.name, action=f"account_{action}", details={"account": name, "role": role})
    if token is not None:  # shown once, never stored in the clear
        return _page(request, "accounts.html", staff, rows=_listing(request), roles=ROLES, message="", error="",
                     token={"name": name, "value": token})
    return RedirectResponse("/admin/accounts?message=已更新。", status_code=303)


@router.get("/account", response_class=HTMLResponse)
def my_account(request: Request, message: str = "", error: str = "") -> HTMLResponse:
    staff = current(request)
    return _page(request, "account.html", staff, message=message, error=error, role=ROLES.get(staff.role, staff.role))


@router.post("/account")
async def change_my_password(request: Request) -> Response:
    staff = current(request)
    form = {k: str(v) for k, v in (await request.form()).items()}
    check_csrf(staff, form.get("csrf", ""))
    with _db(request).session() as session:
        account = accounts.get_account(session=session, username=staff.name)
        if account is None:
            return RedirectResponse("/admin/account?error=管理權杖登入沒有密碼可改；請用帳號登入。", status_code=303)
        if not sessions.verify_password(form.get("current", ""), account.password_hash):
            return RedirectResponse("/admin/account?error=目前的密碼不正確。", status_code=303)
        if len(form.get("new", "")) < MIN_PASSWORD:
            return RedirectResponse(f"/admin/account?error=新密碼至少 {MIN_PASSWORD} 個字。", status_code=303)
        accounts.set_account(session=session, username=staff.name, password_hash=sessions.hash_password(form["new"]))
        audit.record(session=session, actor=staff.name, action="password_changed")
    return RedirectResponse("/admin/login", status_code=303)  # every session of the account ended: log in again
