"""Staff console sessions: a signed, expiring cookie carrying the staff name and a CSRF token.

Signed with HMAC-SHA256 under a key derived from ``ADMIN_TOKEN`` (changing the token logs
everyone out). Passwords of staff accounts are stored as scrypt hashes.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

__all__ = ["COOKIE", "StaffSession", "hash_password", "issue", "read", "verify_password"]

COOKIE = "staff_session"
LIFETIME_SECONDS = 8 * 3600


@dataclass(frozen=True)
class StaffSession:
    name: str
    csrf: str
    expires: float


def _key(secret: str) -> bytes:
    return hashlib.sha256(b"staff-session:" + secret.encode()).digest()


def issue(name: str, secret: str, *, now: float | None = None) -> tuple[str, StaffSession]:
    now = time.time() if now is None else now
    session = StaffSession(name=name, csrf=secrets.token_urlsafe(24), expires=now + LIFETIME_SECONDS)
    body = base64.urlsafe_b64encode(json.dumps(session.__dict__).encode()).decode()
    signature = hmac.new(_key(secret), body.encode(), hashlib.sha256).hexdigest()
    return f"{body}.{signature}", session


def read(cookie: str | None, secret: str, *, now: float | None = None) -> StaffSession | None:
    """The session if the cookie is ours, untampered and unexpired; otherwise None."""
    if not cookie or "." not in cookie or not secret:
        return None
    body, signature = cookie.rsplit(".", 1)
    expected = hmac.new(_key(secret), body.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(signature, expected):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(body.encode()))
        session = StaffSession(name=str(data["name"]), csrf=str(data["csrf"]), expires=float(data["expires"]))
    except (ValueError, KeyError, TypeError):
        return None
    if session.expires < (time.time() if now is None else now):
        return None
    return session


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
