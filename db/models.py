"""Tables. Times are stored as timezone-aware UTC; they are shown in Asia/Taipei."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import JSON, Boolean, DateTime, Float, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = ["Base", "Feedback", "ProcessedEvent", "UnansweredQuestion", "User", "utcnow"]


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: DateTime(timezone=True)}


class User(Base):
    """A LINE user who has talked to the assistant, and what the last answer was about."""

    __tablename__ = "users"

    line_user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    last_entry_id: Mapped[str | None] = mapped_column(String(80))
    last_query: Mapped[str | None] = mapped_column(Text)


class UnansweredQuestion(Base):
    """A question that fell to the fallback or was marked unhelpful: staff review these."""

    __tablename__ = "unanswered_questions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    line_user_id: Mapped[str | None] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(String(20))  # fallback | unhelpful | none_of_these
    entry_id: Mapped[str | None] = mapped_column(String(80))
    score: Mapped[float] = mapped_column(Float, default=0.0)
    candidates: Mapped[list] = mapped_column(JSON, default=list)


class Feedback(Base):
    """有幫助 / 沒幫助 on an answer."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    line_user_id: Mapped[str | None] = mapped_column(String(64))
    entry_id: Mapped[str] = mapped_column(String(80), index=True)
    helpful: Mapped[bool] = mapped_column(Boolean)


class ProcessedEvent(Base):
    """Webhook event ids already handled, so a redelivered event is acknowledged but not redone."""

    __tablename__ = "processed_events"

    webhook_event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
