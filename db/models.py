"""Tables. Times are stored as timezone-aware UTC; they are shown in Asia/Taipei."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "Base", "Cluster", "Feedback", "FormAnswer", "FormSession", "ProcessedEvent", "UnansweredQuestion", "User", "utcnow",
]


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
    cluster_id: Mapped[int | None] = mapped_column(Integer)  # the cluster joined with its code


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


class Cluster(Base):
    """A digital cluster created in chat by its lead firm; members join with ``code``."""

    __tablename__ = "clusters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(12), unique=True, index=True)
    name: Mapped[str] = mapped_column(String(100))
    class_: Mapped[str | None] = mapped_column("class", String(1))
    type: Mapped[str | None] = mapped_column(String(20))
    leader_user_id: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FormSession(Base):
    """One user's filling of one form: where they are, and whether it is submitted.

    ``version`` increases with every change so that two messages handled at once cannot both
    move the same session (the loser retries on fresh state).
    """

    __tablename__ = "form_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    line_user_id: Mapped[str] = mapped_column(String(64), index=True)
    form_id: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(12), default="consent")  # consent|active|paused|review|submitted|cancelled
    position: Mapped[int] = mapped_column(Integer, default=0)
    pending: Mapped[dict] = mapped_column(JSON, default=dict)
    cluster_id: Mapped[int | None] = mapped_column(Integer, index=True)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_at: Mapped[datetime | None] = mapped_column()
    submitted_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=0)

    __mapper_args__ = {"version_id_col": version}


class FormAnswer(Base):
    """One answer, committed the moment it is given."""

    __tablename__ = "form_answers"
    __table_args__ = (UniqueConstraint("session_id", "item_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("form_sessions.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[str] = mapped_column(String(60))
    value: Mapped[object] = mapped_column(JSON, nullable=True)
    answered_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
