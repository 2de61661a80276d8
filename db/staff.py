"""Staff console accounts (scrypt password hashes), their sessions, and failed-login counts.

A session is a row, checked on every request: logging out, changing a password, or disabling or
deleting an account deletes that account's rows, so its cookies stop working at once. Failed
logins are counted per account and per client address in the database, so every web worker
sees the same counts. Keyword-only arguments throughout.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from db.models import LoginAttempt, StaffAccount, StaffSession, utcnow

__all__ = [
    "all_accounts", "by_api_token", "clear_failures", "delete_account", "end_session", "end_sessions", "get_account", "get_session",
    "login_state", "open_session", "record_failure", "set_account", "set_api_token", "set_disabled", "set_role", "touch",
]


def get_account(*, session: Session, username: str) -> StaffAccount | None:
    return session.get(StaffAccount, username)


def by_api_token(*, session: Session, token_hash: str) -> StaffAccount | None:
    return session.scalars(select(StaffAccount).where(StaffAccount.api_token_hash == token_hash)).first()


def set_api_token(*, session: Session, username: str, token_hash: str | None) -> None:
    account = session.get(StaffAccount, username)
    if account is not None:
        account.api_token_hash = token_hash


def all_accounts(*, session: Session) -> list[StaffAccount]:
    return list(session.scalars(select(StaffAccount).order_by(StaffAccount.username)))


def set_account(*, session: Session, username: str, password_hash: str, role: str | None = None) -> StaffAccount:
    """Create an account or set its password (which ends its sessions)."""
    account = session.get(StaffAccount, username)
    if account is None:
        account = StaffAccount(username=username, role=role or "editor", disabled=False)
    elif role is not None:
        account.role = role
    account.password_hash = password_hash
    session.add(account)
    end_sessions(session=session, username=username)
    return account


def set_role(*, session: Session, username: str, role: str) -> StaffAccount | None:
    account = session.get(StaffAccount, username)
    if account is not None and account.role != role:
        account.role = role
        end_sessions(session=session, username=username)  # the new role applies from the next login
    return account


def set_disabled(*, session: Session, username: str, disabled: bool) -> StaffAccount | None:
    account = session.get(StaffAccount, username)
    if account is not None:
        account.disabled = disabled
        if disabled:
            end_sessions(session=session, username=username)
    return account


def delete_account(*, session: Session, username: str) -> bool:
    end_sessions(session=session, username=username)
    return bool(session.execute(delete(StaffAccount).where(StaffAccount.username == username)).rowcount)


# -- sessions --------------------------------------------------------------------------------------


def open_session(*, session: Session, session_id: str, username: str, csrf: str, now: datetime | None = None) -> None:
    now = now or utcnow()
    session.add(StaffSession(id=session_id, username=username, csrf=csrf, created_at=now, last_seen_at=now))


def get_session(*, session: Session, session_id: str) -> StaffSession | None:
    return session.get(StaffSession, session_id)


def touch(*, session: Session, session_id: str, now: datetime | None = None) -> None:
    row = session.get(StaffSession, session_id)
    if row is not None:
        row.last_seen_at = now or utcnow()


def end_session(*, session: Session, session_id: str) -> None:
    session.execute(delete(StaffSession).where(StaffSession.id == session_id))


def end_sessions(*, session: Session, username: str) -> int:
    return session.execute(delete(StaffSession).where(StaffSession.username == username)).rowcount


# -- failed logins -----------------------------------------------------------------------------------


def login_state(*, session: Session, keys: list[str]) -> list[LoginAttempt]:
    """The failure counts of these keys («account:NAME», «address:IP») that have any."""
    return list(session.scalars(select(LoginAttempt).where(LoginAttempt.key.in_(keys))))


def record_failure(*, session: Session, keys: list[str], lock_after: int, lock_for: timedelta,
                   now: datetime | None = None) -> None:
    now = now or utcnow()
    for key in keys:
        row = session.get(LoginAttempt, key) or LoginAttempt(key=key, failures=0)
        row.failures = (row.failures or 0) + 1
        row.last_failure_at = now
        if row.failures >= lock_after:
            row.locked_until = now + lock_for
        session.add(row)


def clear_failures(*, session: Session, keys: list[str]) -> None:
    session.execute(delete(LoginAttempt).where(LoginAttempt.key.in_(keys)))
