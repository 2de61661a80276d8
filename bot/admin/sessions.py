"""Staff console sessions and logins: who is logged in, and keeping password guessers out.

- **Sessions.** The cookie carries a random session secret, signed with itsdangerous under a key
  derived from ``ADMIN_TOKEN``; the database keeps only its SHA-256 (``db/staff.py``) and the
  session's CSRF token. Every request looks the row up: logout, a password change, a role change
  or a disabled account deletes it, so the cookie stops working at once. Sessions also end
  after 30 idle minutes and 8 hours in all.
- **Logins.** Failures are counted per account and per client address (shared by every worker
  through the database). After 5, each further try waits longer (2, 4, 8… seconds); after 10,
  the account or address is locked for 15 minutes. A wrong password costs the same whether or
  not the account exists (a dummy scrypt), so timing does not reveal account names.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeTimedSerializer

__all__ = [
    "COOKIE", "IDLE_SECONDS", "LIFETIME_SECONDS", "LOCK_AFTER", "LOCK_FOR", "SLOW_AFTER", "StaffSession", "hash_password",
    "issue", "read", "session_id", "verify_password", "wait_before_next",
]

COOKIE = "staff_session"
LIFETIME_SECONDS = 8 * 3600
IDLE_SECONDS = 30 * 60
SLOW_AFTER = 5
LOCK_AFTER = 10
LOCK_FOR = timedelta(minutes=15)


@dataclass(frozen=True)
class StaffSession:
    name: str
    csrf: str
    id: str = ""  # the stored session's id (SHA-256 of the cookie's secret)
    role: str = "admin"


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt="staff-session")


def session_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(secret: str) -> tuple[str, str, str]:
    """A new session: (cookie value, stored session id, CSRF token)."""
    token = secrets.token_urlsafe(32)
    return _serializer(secret).dumps({"s": token}), session_id(token), secrets.token_urlsafe(24)


def read(cookie: str | None, secret: str) -> str | None:
    """The stored session id a cookie points to, if the cookie is ours and untampered."""
    if not cookie or not secret:
        return None
    try:
        data = _serializer(secret).loads(cookie, max_age=LIFETIME_SECONDS)
        return session_id(str(data["s"]))
    except (BadSignature, KeyError, TypeError, ValueError):
        return None


def wait_before_next(failures: int, last_failure: datetime, locked_until: datetime | None, now: datetime) -> float:
    """Seconds until the next login attempt is allowed (0: now)."""
    if locked_until is not None and locked_until > now:
        return (locked_until - now).total_seconds()
    if failures < SLOW_AFTER:
        return 0.0
    ready = last_failure + timedelta(seconds=min(2 ** (failures - SLOW_AFTER + 1), 60))
    return max(0.0, (ready - now).total_seconds())


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)
    return f"scrypt${salt.hex()}${digest.hex()}"


#: Checked against when the account does not exist, so both cases cost one scrypt.
_DUMMY = hash_password(secrets.token_urlsafe(16))


def verify_password(password: str, stored: str | None) -> bool:
    """Whether ``password`` matches ``stored``; ``None`` (no such account) still does the work."""
    try:
        scheme, salt, digest = (stored or _DUMMY).split("$")
    except ValueError:
        scheme, salt, digest = _DUMMY.split("$")
    if scheme != "scrypt":
        return False
    candidate = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=2**14, r=8, p=1)
    return hmac.compare_digest(candidate.hex(), digest) and stored is not None
