"""Tables. Times are stored as timezone-aware UTC; they are shown in Asia/Taipei."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "AuditLog",
    "Base",
    "Cluster",
    "ClusterKpi",
    "DeadLetter",
    "Delivery",
    "Evidence",
    "Feedback",
    "FormAnswer",
    "FormSession",
    "Handoff",
    "HandoffMessage",
    "InboxEvent",
    "KnowledgeDraft",
    "KnowledgeLive",
    "KnowledgeVersion",
    "LoginAttempt",
    "Milestone",
    "Notice",
    "OutOfScope",
    "OutboxReply",
    "ProcessedEvent",
    "StaffAccount",
    "StaffSession",
    "Subscription",
    "UnansweredQuestion",
    "User",
    "utcnow",
]


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every database (SQLite drops the zone otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):  # type: ignore[no-untyped-def]
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):  # type: ignore[no-untyped-def]
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime()}


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
    #: What staff did about it: «entry:<id>» (added as a phrasing), «new:<id>», «out_of_scope».
    resolution: Mapped[str | None] = mapped_column(String(100))
    resolved_at: Mapped[datetime | None] = mapped_column()


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
    status: Mapped[str] = mapped_column(String(20), default="consent")  # handlers/dialogs/machine.py STATUSES
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


class Milestone(Base):
    """A dated step of a program (deadline, checkpoint). Seeded from ``knowledge/calendar.yaml``;
    staff may add or change rows without a deploy (``origin = "staff"`` rows are never
    overwritten by the seed)."""

    __tablename__ = "milestones"

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    program: Mapped[str] = mapped_column(String(20))
    year: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column()
    all_day: Mapped[bool] = mapped_column(Boolean, default=False)
    approximate: Mapped[bool] = mapped_column(Boolean, default=False)
    audience: Mapped[dict] = mapped_column(JSON, default=dict)
    remind: Mapped[bool] = mapped_column(Boolean, default=True)
    what: Mapped[str] = mapped_column(Text, default="")
    #: How answers say an approximate date («112年3月中旬（暫定）»); the exact ``at`` otherwise.
    label: Mapped[str] = mapped_column(String(60), default="")
    label_en: Mapped[str] = mapped_column(String(80), default="")
    origin: Mapped[str] = mapped_column(String(10), default="seed")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    #: A milestone of a program year staff are preparing: not answered or reminded until published.
    draft: Mapped[bool] = mapped_column(Boolean, default=False)


class Subscription(Base):
    """Which program (and class) a user follows, and in what role, for reminders and notices."""

    __tablename__ = "subscriptions"
    __table_args__ = (UniqueConstraint("line_user_id", "program", "class"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    line_user_id: Mapped[str] = mapped_column(String(64), index=True)
    program: Mapped[str] = mapped_column(String(20))
    class_: Mapped[str] = mapped_column("class", String(2), default="")  # "A", "B" or "" (all / not applicable)
    role: Mapped[str] = mapped_column(String(10), default="member")  # member | leader | staff
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Notice(Base):
    """A staff broadcast: what, to whom, when, and how it went."""

    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    text: Mapped[str] = mapped_column(Text)
    link_url: Mapped[str | None] = mapped_column(String(1000))
    link_label: Mapped[str | None] = mapped_column(String(20))
    audience: Mapped[dict] = mapped_column(JSON, default=dict)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    send_at: Mapped[datetime | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(12), default="scheduled")  # scheduled | sending | done
    recipients: Mapped[int] = mapped_column(Integer, default=0)


class Delivery(Base):
    """One message to one recipient, keyed so it is sent at most once.

    ``key`` is e.g. ``reminder:dc112-deadline-a:7d:U…`` or ``notice:12:U…``; the unique index
    makes a second clock, a restart or a retry unable to create it twice. Rows sent in one
    multicast share ``batch_key``, which is also the ``X-Line-Retry-Key``: re-sending a batch
    whose outcome is unknown can never deliver twice.
    """

    __tablename__ = "deliveries"
    # Senders look for pending rows of one kind and ref, oldest first: one composite index answers
    # that (and «still sending», «how many sent») without scanning rows already sent, which made
    # the last batches of a 100,000-row notice crawl. Every other index would be rewritten with
    # each row's two status changes, so there are as few as the queries need.
    __table_args__ = (Index("ix_deliveries_queue", "status", "kind", "ref", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(12))  # reminder | monthly | notice
    ref: Mapped[str] = mapped_column(String(80))  # milestone id, month, or notice id
    line_user_id: Mapped[str] = mapped_column(String(64), index=True)
    payload: Mapped[dict] = mapped_column(JSON, default=dict)  # the messages to send
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending|sending|sent|failed|blocked
    batch_key: Mapped[str | None] = mapped_column(String(40))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()


class AuditLog(Base):
    """Who did what, when: every broadcast, reminder run and staff action."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))
    details: Mapped[dict] = mapped_column(JSON, default=dict)


class ClusterKpi(Base):
    """A cluster's own KPI (自訂績效指標) with its target, reported in monthly check-ins."""

    __tablename__ = "cluster_kpis"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    cluster_id: Mapped[int] = mapped_column(Integer, index=True)
    name: Mapped[str] = mapped_column(String(60))
    target: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(10), default="")


class Evidence(Base):
    """A photo sent as evidence during a check-in; the bytes are fetched from LINE after the reply."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("form_sessions.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[str] = mapped_column(String(40), unique=True)
    content_type: Mapped[str | None] = mapped_column(String(60))
    data: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StaffAccount(Base):
    """A named staff login for the console (password stored as an scrypt hash)."""

    __tablename__ = "staff_accounts"

    username: Mapped[str] = mapped_column(String(40), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    role: Mapped[str] = mapped_column(String(10), default="admin")  # viewer | editor | admin
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    api_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)  # Bearer token for the JSON API


class KnowledgeLive(Base):
    """A staff change in effect over the shipped knowledge: a whole entry by id, or None (retired).

    ``seed_hash`` is the shipped entry's fingerprint when staff changed it: a deploy that ships a
    different version shows a conflict to resolve instead of silently winning or losing.
    """

    __tablename__ = "kb_live"

    entry_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    data: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    seed_hash: Mapped[str | None] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    updated_by: Mapped[str] = mapped_column(String(40))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class KnowledgeDraft(Base):
    """An unpublished change to one entry (None: retire it). ``base_hash`` is what it was edited
    from, so publishing over someone else's newer change is a conflict, not a lost edit;
    ``revision`` does the same for two people saving the same draft."""

    __tablename__ = "kb_drafts"

    entry_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    data: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    base_hash: Mapped[str | None] = mapped_column(String(64))
    revision: Mapped[int] = mapped_column(Integer, default=1)
    check_note: Mapped[str | None] = mapped_column(String(200))  # «check against the new 須知»
    updated_by: Mapped[str] = mapped_column(String(40))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class KnowledgeVersion(Base):
    """One publish: who, when, and each entry's before and after (for the diff and rollback)."""

    __tablename__ = "kb_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_by: Mapped[str] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(String(200), default="")
    changes: Mapped[list] = mapped_column(JSON, default=list)  # [{"id", "before", "after"}] or [{"scope": text}]


class OutOfScope(Base):
    """A question staff marked as outside what the assistant answers: similar ones get the fallback."""

    __tablename__ = "kb_out_of_scope"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    text: Mapped[str] = mapped_column(String(300))
    created_by: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Handoff(Base):
    """A user who asked for a person: open until staff close it or it times out."""

    __tablename__ = "handoffs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    line_user_id: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)  # open | closed
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    topic: Mapped[str | None] = mapped_column(String(300))  # the question they asked last, if any
    taken_by: Mapped[str | None] = mapped_column(String(40))
    taken_at: Mapped[datetime | None] = mapped_column()
    last_staff_at: Mapped[datetime | None] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()
    closed_reason: Mapped[str | None] = mapped_column(String(20))  # staff | timeout | user | erased | blocked


class HandoffMessage(Base):
    """What the user and staff said during a handoff (deleted with 刪除我的資料)."""

    __tablename__ = "handoff_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    handoff_id: Mapped[int] = mapped_column(ForeignKey("handoffs.id", ondelete="CASCADE"), index=True)
    sender: Mapped[str] = mapped_column(String(10))  # user | staff
    staff_name: Mapped[str | None] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class StaffSession(Base):
    """A console login, checked on every request: logout, a password change or a disabled account
    deletes it, so a stolen or old cookie stops working at once. Only a hash of the cookie's
    secret is stored."""

    __tablename__ = "staff_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the cookie's secret
    username: Mapped[str] = mapped_column(String(40), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class LoginAttempt(Base):
    """Failed console logins per account and per client address, shared by every web worker."""

    __tablename__ = "login_attempts"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)  # "account:<name>" | "address:<ip>"
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column()


class OutboxReply(Base):
    """What the assistant decided to say to one event, stored in the transaction that handled it.

    Sent after the commit (reply while the token is fresh, else push with ``retry_key``) and then
    marked sent; a crash in between leaves it here for recovery, so an acknowledged event is
    answered exactly once.
    """

    __tablename__ = "outbox_replies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)  # the webhook event id (or "dead:<id>")
    chat_id: Mapped[str] = mapped_column(String(64), index=True)  # where a push goes: user, group or room
    reply_token: Mapped[str | None] = mapped_column(String(64))
    messages: Mapped[list] = mapped_column(JSON)  # LINE message objects, as rendered
    retry_key: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)  # pending|sending|sent|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column()


class DeadLetter(Base):
    """An event that failed to be handled too many times: kept for staff with the error type only
    (never the message text), after the user got one apology."""

    __tablename__ = "dead_letters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    webhook_event_id: Mapped[str | None] = mapped_column(String(64))
    line_user_id: Mapped[str | None] = mapped_column(String(64), index=True)
    event_type: Mapped[str] = mapped_column(String(20))
    error: Mapped[str] = mapped_column(String(80))
    attempts: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column()
    failed_at: Mapped[datetime] = mapped_column(default=utcnow)


class InboxEvent(Base):
    """A webhook event stored before LINE gets its 200, deleted in the transaction that handles it.

    What is left here after a crash was acknowledged but never handled; it is handled on restart
    (the reply token has likely expired by then, so the answer goes out as a push).
    """

    __tablename__ = "inbox_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    event: Mapped[dict] = mapped_column(JSON)
    line_user_id: Mapped[str | None] = mapped_column(String(64), index=True)  # for 刪除我的資料
    #: Who is handling it: set when stored or claimed; a lease older than a few seconds is a dead process's.
    leased_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    last_error: Mapped[str | None] = mapped_column(String(80))  # the error's type, never its message
