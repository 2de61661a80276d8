"""The deployed shape: uvicorn's worker acknowledges, its handler process answers. Acknowledgements
never wait on the answering, the backlog drains in order per user, and /metrics adds up what
every process counted."""
from __future__ import annotations

import concurrent.futures
import time

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.dev import line_events
from tests.utils.chat import SECRET
from tests.utils.web import Web, _env


@pytest.fixture
def web(database_url, standin):  # type: ignore[no-untyped-def]
    from db.engine import Database

    Database(database_url).migrate()
    server = Web(_env(database_url, standin.url, HANDLER_PROCESSES="1", RATE_LIMIT_PER_MINUTE="100000"))
    server.start()
    deadline = time.time() + 60  # ready once the handler process has built its assistant
    while httpx.get(f"http://127.0.0.1:{server.port}/readyz", timeout=5).status_code != 200:
        assert time.time() < deadline, "the handler process never became ready"
        time.sleep(0.2)
    yield server
    server.kill()


def post(web: Web, event: dict) -> int:
    body = line_events.payload(event)
    return httpx.post(f"http://127.0.0.1:{web.port}/callback", content=body,
                      headers={"X-Line-Signature": line_events.sign(body, SECRET)}, timeout=10).status_code


def test_acknowledgements_do_not_wait_for_slow_answers(web, standin) -> None:  # type: ignore[no-untyped-def]
    standin.clear()
    standin.latency = 1.0  # every reply takes LINE a second: the work is slow
    try:
        users = [f"U{n:032d}" for n in range(4)]
        events = [line_events.text_event(f"第{turn}題：A類截止是哪天？", user_id=user)
                  for turn in range(3) for user in users]
        with concurrent.futures.ThreadPoolExecutor(len(users)) as pool:  # users at once, each in turn
            statuses = list(pool.map(lambda user: [post(web, e) for e in events if e["source"]["userId"] == user],
                                     users))
        acked_at = time.time()
        assert statuses == [[200] * 3] * len(users)
        assert not standin.replies(), "an acknowledgement waited for an answer"
        deadline = time.time() + 60
        while len(standin.replies()) < len(events) and time.time() < deadline:
            time.sleep(0.1)
    finally:
        standin.latency = 0.0
    replies = standin.replies()
    assert len(replies) == len(events) and all(r.at > acked_at for r in replies)
    order = {e["replyToken"]: (e["source"]["userId"], i) for i, e in enumerate(events)}
    for user in users:  # each user's answers in the order they asked
        mine = [order[r.body["replyToken"]][1] for r in sorted(replies, key=lambda r: r.at)
                if order[r.body["replyToken"]][0] == user]
        assert mine == sorted(mine)


def test_metrics_add_up_the_handler_process(web, standin) -> None:  # type: ignore[no-untyped-def]
    standin.clear()
    assert post(web, line_events.text_event("B類要幾家？")) == 200
    deadline = time.time() + 20
    while not standin.replies() and time.time() < deadline:
        time.sleep(0.1)
    def scrape() -> dict:
        text = httpx.get(f"http://127.0.0.1:{web.port}/metrics", headers={"Authorization": "Bearer crash-admin-token"},
                         timeout=10).text
        return {(s.name, tuple(sorted(s.labels.items()))): s.value
                for family in text_string_to_metric_families(text) for s in family.samples}

    handled = ("assistant_events_handled_total", (("outcome", "handled"),))
    samples = scrape()
    while (samples.get(handled) != 1 or samples.get(("assistant_inbox_backlog", ())) != 0) and time.time() < deadline:
        time.sleep(0.1)  # the reply goes out first; the count and the inbox row's removal follow
        samples = scrape()
    assert samples[("assistant_events_received_total", ())] == 1  # counted by the web worker
    assert samples[handled] == 1  # by its handler process
    assert samples[("assistant_line_api_calls_total", (("endpoint", "reply"), ("status", "200")))] == 1
    assert samples[("assistant_inbox_backlog", ())] == 0


def _handler_pids(web: Web) -> list[int]:
    """The web process's spawned handler children (not multiprocessing's resource tracker)."""
    from pathlib import Path

    assert web.proc is not None
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ")
        except (OSError, IndexError, ValueError):
            continue
        if ppid == web.proc.pid and b"multiprocessing.spawn" in cmdline and b"resource_tracker" not in cmdline:
            pids.append(int(stat.parent.name))
    return pids


def test_a_dead_handler_process_is_replaced_and_answers_resume(web, standin) -> None:  # type: ignore[no-untyped-def]
    """Nothing else need happen for it to come back — no event fed to the dead pipe — as when a
    handler process fails while starting up (say, the database was busy)."""
    import os
    import signal

    [pid] = _handler_pids(web)
    os.kill(pid, signal.SIGKILL)
    deadline = time.time() + 60
    ready = lambda: httpx.get(f"http://127.0.0.1:{web.port}/readyz", timeout=5).status_code == 200
    while ready() and time.time() < deadline:  # it notices the loss: not ready while there is no handler
        time.sleep(0.05)
    while not ready():
        assert time.time() < deadline, "no new handler process became ready"
        time.sleep(0.2)
    assert _handler_pids(web) not in ([], [pid])
    standin.clear()
    assert post(web, line_events.text_event("A類截止是哪天？")) == 200
    while not standin.replies():
        assert time.time() < deadline, "the new handler process did not answer"
        time.sleep(0.2)
    assert "截止" in str(standin.replies()[0].body["messages"])
