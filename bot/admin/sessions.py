"""Staff console sessions: a signed, expiring cookie carrying the staff name and a CSRF token.

Signed and timed with itsdangerous under a key derived from ``ADMIN_TOKEN`` (changing the token
logs everyone out). Passwords of staff accounts are stored as scrypt hashes.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer

__all__ = ["COOKIE", "LIFETIME_SECONDS", "StaffSession", "hash_password", "issue", "read", "verify_password"]

COOKIE = "staff_session"
LIFETIME_SECONDS = 8 * 3600


@dataclass(frozen=True)
class StaffSession:
    name: str
    csrf: str


class _SignedAt(TimestampSigner):
    """A signer whose clock can be set: sessions issued "in the past" for expiry tests."""

    def __init__(self, *args: Any, at: float | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.at = at

    def get_timestamp(self) -> int:
        return int(self.at) if self.at is not None else super().get_timestamp()


def _serializer(secret: str, *, at: float | None = None) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt="staff-session", signer=_SignedAt, signer_kwargs={"at": at})


def issue(name: str, secret: str, *, now: float | None = None) -> tuple[str, StaffSession]:
    session = StaffSession(name=name, csrf=secrets.token_urlsafe(24))
    cookie = _serializer(secret, at=now).dumps({"name": session.name, "csrf": session.csrf})
    return cookie, session


def read(cookie: str | None, secret: str, *, now: float | None = None) -> StaffSession | None:
    """The session if the cookie is ours, untampered and unexpired; otherwise None."""
    if not cookie or not secret:
        return None
    serializer = _serializer(secret, at=now if now is not None else time.time())
    try:
        data = serializer.loads(cookie, max_age=LIFETIME_SECONDS)
        return StaffSession(name=str(data["name"]), csrf=str(data["csrf"]))
    except (BadSignature, KeyError, TypeError, ValueError):
        return None


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)
    return f"scrypt${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    candidate = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=2**14, r=8, p=1)
    return hmac.compare_digest(candidate.hex(), digest)
