"""The inbox: where it lives, and leases that a busy handler process keeps."""
from __future__ import annotations

from datetime import timedelta

from bot.dev import line_events
from db import inbox
from tests.utils.chat import Bot


def test_on_sqlite_the_inbox_is_a_file_of_its_own() -> None:
    assert inbox.spool_url("sqlite:///./data/assistant.db") == "sqlite:///./data/assistant-inbox.db"
    assert inbox.spool_url("sqlite:////var/lib/app/x.sqlite3") == "sqlite:////var/lib/app/x-inbox.sqlite3"
    assert inbox.spool_url("sqlite:///data/plain") == "sqlite:///data/plain-inbox"
    assert inbox.spool_url("postgresql+psycopg://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert inbox.spool_url("sqlite:///:memory:") == "sqlite:///:memory:"


def test_a_renewed_lease_is_not_taken_over(bot: Bot) -> None:
    """Events queued behind a backlog keep their lease, so another process's recovery leaves them
    (it would answer them out of order); one whose holder stopped renewing is taken."""
    spool, clock = bot.services.inbox_db, bot.services.clock
    start = clock.now()
    with spool.session() as session:
        held, dropped = inbox.store(session=session, raws=[line_events.text_event("一"), line_events.text_event("二")],
                                    now=start)
    later = start + timedelta(seconds=30)
    with spool.session() as session:
        inbox.renew(session=session, inbox_ids=[held[0]], now=later - timedelta(seconds=1))
    with spool.session() as session:
        taken = inbox.orphans(session=session, before=later - timedelta(seconds=10), now=later)
    assert [row[0] for row in taken] == [dropped[0]]


def test_erasing_a_user_empties_their_waiting_events(bot: Bot) -> None:
    user = "U" + "z" * 32
    with bot.services.inbox_db.session() as session:
        inbox.store(session=session, raws=[line_events.text_event("我的統編 12345675", user_id=user),
                                           line_events.text_event("別人的問題")], now=bot.services.clock.now())
        inbox.erase_user(session=session, line_user_id=user)
    with bot.services.inbox_db.session() as session:
        waiting, _ = inbox.backlog(session=session)
    assert waiting == 1
