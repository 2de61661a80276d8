"""Logging: one line per record with its structured extras, and never a message body.

Handlers log what happened (event type, entry id, score), not what users wrote: questions and
form answers may hold phone numbers, e-mails or 統一編號.
"""
from __future__ import annotations

import logging
import sys

__all__ = ["configure_logging"]

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


class _ExtrasFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        base = super().format(record)
        extras = {k: v for k, v in record.__dict__.items() if k not in _STANDARD}
        if extras:
            base += " " + " ".join(f"{k}={v}" for k, v in sorted(extras.items()))
        return base


#: Libraries that log request/response bodies or SQL parameters at DEBUG (and so could write a
#: user's phone number to the log) stay at WARNING whatever LOG_LEVEL says.
QUIET = ("sqlalchemy", "linebot", "urllib3", "httpx", "httpcore", "aiohttp", "hpack", "multipart", "asyncio")


def configure_logging(level: str = "INFO") -> None:
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    root = logging.getLogger()
    if any(getattr(h, "_assistant", False) for h in root.handlers):
        root.setLevel(level.upper())
        return
    handler = logging.StreamHandler(sys.stderr)
    handler._assistant = True  # type: ignore[attr-defined]
    handler.setFormatter(_ExtrasFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(level.upper())
