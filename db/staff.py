"""Staff console accounts (scrypt password hashes)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from db.models import StaffAccount

__all__ = ["get_account", "set_account"]


def get_account(*, session: Session, username: str) -> StaffAccount | None:
    return session.get(StaffAccount, username)


def set_account(*, session: Session, username: str, password_hash: str) -> StaffAccount:
    account = session.get(StaffAccount, username) or StaffAccount(username=username)
    account.password_hash = password_hash
    session.add(account)
    return account
