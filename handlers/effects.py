"""What should happen after the reply: slow or networked work a handler asks for, as data.

The dispatcher (``bot/webhook/dispatcher.py``) runs each effect once the reply is on its way,
so a handler stays a quick, LINE-free decision.
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DeliverNotice", "Effect", "ErasedUser", "FetchEvidence", "HandoffOpened"]


@dataclass(frozen=True)
class DeliverNotice:
    """Send notice ``notice_id`` to its audience now (a staff member confirmed /公告)."""

    notice_id: int


@dataclass(frozen=True)
class FetchEvidence:
    """Download the photo ``message_id`` from LINE and keep it as evidence of form session ``session_id``."""

    session_id: int
    message_id: str


@dataclass(frozen=True)
class HandoffOpened:
    """Tell the staff on ``STAFF_LINE_IDS`` that handoff ``handoff_id`` waits (once each)."""

    handoff_id: int


@dataclass(frozen=True)
class ErasedUser:
    """The user's data was erased: erase what lies outside the handling transaction too (events
    still waiting in the inbox, which on SQLite is a file of its own)."""

    line_user_id: str


Effect = DeliverNotice | ErasedUser | FetchEvidence | HandoffOpened
