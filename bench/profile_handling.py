"""``python -m bench.profile_handling [DATABASE_URL]``: where one FAQ event's handling time goes.

Handles 500 stored text events back to back through the dispatcher's transaction (claim, user,
routing, the reply kept in the outbox) after 100 to warm up, and prints the time per event, the
SQL statements per event by kind, and cProfile's top functions. No network: sending is measured
by the load benchmark. Without a URL it uses a fresh SQLite file.
"""
from __future__ import annotations

import cProfile
import pstats
import sys
import tempfile
import time
from collections import Counter

from sqlalchemy import event as sa_event

from bench.loadgen import QUESTIONS
from bot.dev import line_events
from bot.services import Services
from bot.settings import Settings
from bot.webhook import dispatcher
from db import inbox


def main(argv: list[str]) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        url = argv[0] if argv else f"sqlite:///{tmp}/profile.db"
        settings = Settings(_env_file=None, database_url=url, dev_mode=True, log_level="WARNING", handler_processes=0,
                            rate_limit_per_minute=10**6, line_api_base_url="http://127.0.0.1:9")
        services = Services.build(settings)
        raws = [line_events.text_event(QUESTIONS[n % len(QUESTIONS)], user_id=f"U{n % 500:032d}") for n in range(600)]
        with services.inbox_db.session() as session:
            stored = inbox.store(session=session, raws=raws)
        events = [(dispatcher.to_events([raw])[0], inbox_id) for inbox_id, raw in stored]
        statements: list[str] = []
        sa_event.listen(services.db.engine, "before_cursor_execute",
                        lambda *args: statements.append(args[2].split()[0].upper()))
        for parsed, inbox_id in events[:100]:
            dispatcher._handle(parsed, services, inbox_id)
        statements.clear()
        profile = cProfile.Profile()
        started = time.perf_counter()
        profile.enable()
        for parsed, inbox_id in events[100:]:
            dispatcher._handle(parsed, services, inbox_id)
        profile.disable()
        took = (time.perf_counter() - started) / 500 * 1000
        print(f"{took:.2f} ms per event (under the profiler); {len(statements) / 500:.1f} statements per event: "
              f"{dict(Counter(statements))}")
        pstats.Stats(profile).sort_stats("cumulative").print_stats(30)
        services.db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
