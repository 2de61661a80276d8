"""Who may use the console: logging in (throttled), the session behind every page, logging out.

Pages call :func:`current`; it raises :class:`LoginRequired` (turned into a redirect to the login
page) unless the cookie points to a live session of an enabled account. The rules are in
``sessions.py``; the state is in the database (``db/staff.py``), shared by every worker.
"""
from __future__ import annotations

import hmac
from dataclasses import dataclass

from fastapi import HTTPException, Request

from bot.admin import sessions
from db import audit
from db import staff as accounts
from db.models import utcnow

__all__ = ["ROLES", "LoginRequired", "Refused", "allowed", "check_csrf", "current", "end", "log_in"]

#: The role of a login with ADMIN_TOKEN itself (the break-glass login, not an account).
TOKEN_LOGIN = "admin"


class LoginRequired(Exception):
    """No valid session; the app turns it into a redirect to the login page."""


@dataclass(frozen=True)
class Refused:
    """A login that did not happen, with what to tell the person (and the HTTP status)."""

    message: str
    status: int = 200


def _services(request: Request):  # type: ignore[no-untyped-def]
    return request.app.state.services


def _address(request: Request) -> str:
    return (request.client.host if request.client else "unknown")[:80]


#: What each role may do (each includes the ones before it).
ROLES = {"viewer": "檢視（報表、匯出）", "editor": "編輯（知識、行事曆、公告、真人客服）", "admin": "管理（帳號與權限）"}
_RANK = {role: rank for rank, role in enumerate(ROLES)}


def allowed(role: str, need: str) -> bool:
    return _RANK.get(role, -1) >= _RANK[need]


def current(request: Request, need: str = "viewer") -> sessions.StaffSession:
    """The logged-in staff member, allowed to do what needs ``need``.

    :class:`LoginRequired` without a live session; 403 when the role is not enough.
    """
    staff = _session(request)
    if not allowed(staff.role, need):
        raise HTTPException(403, f"這個動作需要「{ROLES[need]}」權限，您的帳號是「{ROLES.get(staff.role, staff.role)}」。")
    return staff


def _session(request: Request) -> sessions.StaffSession:
    services = _services(request)
    sid = sessions.read(request.cookies.get(sessions.COOKIE), services.settings.admin_token)
    if sid is None:
        raise LoginRequired()
    now = utcnow()
    with services.db.session() as session:
        row = accounts.get_session(session=session, session_id=sid)
        if row is None:
            raise LoginRequired()
        if (now - row.last_seen_at).total_seconds() > sessions.IDLE_SECONDS or \
                (now - row.created_at).total_seconds() > sessions.LIFETIME_SECONDS:
            accounts.end_session(session=session, session_id=sid)
            raise LoginRequired()
        role = TOKEN_LOGIN
        if row.username != TOKEN_LOGIN:
            account = accounts.get_account(session=session, username=row.username)
            if account is None or account.disabled:
                accounts.end_session(session=session, session_id=sid)
                raise LoginRequired()
            role = account.role
        if (now - row.last_seen_at).total_seconds() > 60:  # one write a minute at most
            accounts.touch(session=session, session_id=sid, now=now)
        return sessions.StaffSession(name=row.username, csrf=row.csrf, id=sid, role=role)


def check_csrf(staff: sessions.StaffSession, token: str) -> None:
    if not hmac.compare_digest(staff.csrf.encode(), (token or "").encode()):
        raise HTTPException(403, "表單已過期（CSRF 檢查未通過），請重新整理頁面再試一次。")


def log_in(request: Request, *, username: str, password: str, token: str) -> tuple[str, str] | Refused:
    """(cookie, name) for a good login; :class:`Refused` otherwise (wrong, or too many tries)."""
    services = _services(request)
    secret = services.settings.admin_token
    username = username.strip()[:40]
    keys = [f"address:{_address(request)}"] + ([f"account:{username}"] if username else ["account:(token)"])
    now = utcnow()
    with services.db.session() as session:
        for row in accounts.login_state(session=session, keys=keys):
            wait = sessions.wait_before_next(row.failures, row.last_failure_at, row.locked_until, now)
            if wait > 0:
                minutes = max(1, round(wait / 60)) if wait >= 60 else None
                return Refused(f"嘗試次數過多，請 {minutes} 分鐘後再試。" if minutes else
                               f"嘗試次數過多，請 {int(wait) + 1} 秒後再試。", status=429)
    name = None
    if token:
        if secret and hmac.compare_digest(token.encode(), secret.encode()):
            name = TOKEN_LOGIN
    elif username and password:
        with services.db.session() as session:
            account = accounts.get_account(session=session, username=username)
            stored = account.password_hash if account is not None and not account.disabled else None
        if sessions.verify_password(password, stored):  # the same work whether or not the account exists
            name = username
    with services.db.session() as session:
        if name is None:
            accounts.record_failure(session=session, keys=keys, lock_after=sessions.LOCK_AFTER,
                                    lock_for=sessions.LOCK_FOR, now=now)
            audit.record(session=session, actor=username or "(token)", action="staff_login_failed",
                         details={"address": _address(request)})
            return Refused("帳號密碼或管理權杖不正確。")
        accounts.clear_failures(session=session, keys=keys)
        cookie, sid, csrf = sessions.issue(secret)
        accounts.open_session(session=session, session_id=sid, username=name, csrf=csrf, now=now)
        audit.record(session=session, actor=name, action="staff_login")
    return cookie, name


def end(request: Request, staff: sessions.StaffSession) -> None:
    """Log out: the session row goes, so the cookie is dead even if someone kept a copy."""
    with _services(request).db.session() as session:
        accounts.end_session(session=session, session_id=staff.id)
        audit.record(session=session, actor=staff.name, action="staff_logout")

