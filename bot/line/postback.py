"""Postback data: a small, versioned, URL-encoded format (``v=1&a=faq&e=dc-deadline-a``).

Versioned so that buttons already sitting in users' chats keep working (or fail politely) after
a deploy changes what an action means. LINE caps postback data at 300 characters.
"""
from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

__all__ = ["MAX_LEN", "VERSION", "decode", "encode"]

VERSION = "1"
MAX_LEN = 300


def encode(action: str, params: dict[str, str] | None = None) -> str:
    data = urlencode({"v": VERSION, "a": action, **(params or {})})
    if len(data) > MAX_LEN:
        raise ValueError(f"postback data over {MAX_LEN} characters: {data[:40]}…")
    return data


def decode(data: str | None) -> tuple[str, dict[str, str]] | None:
    """``(action, params)``, or None for data of another version or not ours."""
    if not data or len(data) > MAX_LEN:
        return None
    try:
        fields = dict(parse_qsl(data, strict_parsing=True))
    except ValueError:
        return None
    if fields.pop("v", None) != VERSION or "a" not in fields:
        return None
    action = fields.pop("a")
    return action, fields
