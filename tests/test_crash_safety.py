"""SIGKILL the web process in the middle of a form and the clock in the middle of a broadcast:
after a restart nothing entered is lost and nothing is sent twice."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import insert

from bot.dev import line_events
from db.engine import Database
from db.models import FormAnswer, FormSession, Notice, User
from tests.utils.chat import SECRET
from tests.utils.web import ROOT, USER, Web, _env, say


@pytest.fixture
def web_env(database_url: str, standin) -> Iterator[dict[str, str]]:  # type: ignore[no-untyped-def]
    standin.clear()
    yield _env(database_url, standin.url)


def test_sigkill_mid_form_loses_nothing(web_env, standin, database_url) -> None:  # type: ignore[no-untyped-def]
    web = Web(web_env)
    web.start()
    try:
        assert "同意" in say(web, standin, "自我評估")
        assert "第 1/97 題" in say(web, standin, "同意")
        assert "第 2/97 題" in say(web, standin, "竹山光采群聚")
        assert "第 3/97 題" in say(web, standin, "光采文創顧問")
    finally:
        web.kill()
    web.start()  # a new process on the same database
    try:
        progress = say(web, standin, "進度")
        assert "已填 2/97 題" in progress and "第 3/97 題" in progress
        assert "第 4/97 題" in say(web, standin, "竹山光采文創有限公司")
    finally:
        web.kill()
    db = Database(database_url)
    with db.session() as session:
        fs = session.query(FormSession).one()
        answers = {a.item_id: a.value for a in session.query(FormAnswer).filter_by(session_id=fs.id)}
    db.dispose()
    assert list(answers.values())[:3] == ["竹山光采群聚", "光采文創顧問", "竹山光采文創有限公司"]


def test_sigkill_mid_broadcast_sends_each_recipient_exactly_once(standin, database_url) -> None:  # type: ignore[no-untyped-def]
    standin.clear()
    recipients = [f"U{i:032d}" for i in range(3000)]
    db = Database(database_url)
    with db.session() as session:
        session.execute(insert(User), [{"line_user_id": u} for u in recipients])
        session.add(Notice(text="說明會提醒", audience={"all": True}, created_by="test", recipients=3000,
                           status="scheduled", send_at=datetime.now(UTC)))
    db.dispose()
    standin.latency = 0.4  # each multicast takes a while, so the kill lands mid-broadcast
    # Two multicasts in flight at a time: the kill lands with batches claimed and half-sent.
    env = _env(database_url, standin.url, DELIVERY_STALE_SECONDS="0", MULTICAST_CONCURRENCY="2")
    clock = subprocess.Popen([sys.executable, "-m", "bot.clock"], cwd=ROOT, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 30
        while not standin.calls_to("/message/multicast") and time.time() < deadline:
            time.sleep(0.05)
        assert standin.calls_to("/message/multicast"), "the clock sent nothing"
        clock.send_signal(signal.SIGKILL)
        clock.wait(timeout=10)
        sent_before = sum(len(c.body["to"]) for c in standin.calls_to("/message/multicast"))
        assert sent_before < 3000, "the broadcast finished before the kill; nothing was tested"
        clock = subprocess.Popen([sys.executable, "-m", "bot.clock"], cwd=ROOT, env=env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 60
        while time.time() < deadline:
            got = Counter(u for c in standin.calls_to("/message/multicast") for u in c.body["to"])
            if len(got) == 3000:
                break
            time.sleep(0.2)
    finally:
        clock.send_signal(signal.SIGKILL)
        clock.wait(timeout=10)
        standin.latency = 0.0
    got = Counter(u for c in standin.calls_to("/message/multicast") for u in c.body["to"])
    assert len(got) == 3000
    assert max(got.values()) == 1, "someone received the notice twice"


def test_an_event_acknowledged_before_a_crash_is_handled_on_restart(settings, standin) -> None:  # type: ignore[no-untyped-def]
    """The process died after answering LINE 200 but before handling the event: the next
    process finds it in the inbox and answers — by push, since the reply token has expired."""
    from datetime import timedelta

    from fastapi.testclient import TestClient

    from bot.app import create_app
    from bot.services import Services
    from db.models import InboxEvent

    services = Services.build(settings)
    event = line_events.text_event("B類截止是哪天？", user_id=USER)
    with services.inbox_db.session() as session:
        long_ago = datetime.now(UTC) - timedelta(minutes=2)
        session.add(InboxEvent(event=event, received_at=long_ago, leased_at=long_ago))
    standin.fail_next("/message/reply", 400)  # the token expired while the process was down
    def left() -> int:
        with services.inbox_db.session() as session:
            return session.query(InboxEvent).count()

    with TestClient(create_app(settings, services=services)):
        # The inbox copy goes once the answer is out: wait for both, not just the push.
        deadline = time.time() + 10
        while (not standin.calls_to("/message/push") or left()) and time.time() < deadline:
            time.sleep(0.05)
    pushes = standin.calls_to("/message/push")
    assert len(pushes) == 1 and pushes[0].body["to"] == USER
    assert "2月22日" in pushes[0].body["messages"][0]["text"]
    assert left() == 0


def test_the_inbox_is_empty_after_normal_handling(bot) -> None:  # type: ignore[no-untyped-def]
    from db.models import InboxEvent

    bot.say("A類截止是哪天？")
    bot.post({"type": "somethingNew", "mode": "active", "timestamp": 1, "source": {"type": "user", "userId": "U1"},
              "webhookEventId": "01UNKNOWN", "deliveryContext": {"isRedelivery": False}})
    with bot.services.inbox_db.session() as session:
        assert session.query(InboxEvent).count() == 0


KILLS = int(os.environ.get("CRASH_KILLS", "20"))
IN_FLIGHT = 200


def test_sigkill_while_answering_loses_and_doubles_nothing(web_env, standin) -> None:  # type: ignore[no-untyped-def]
    """200 events in flight, the web processes SIGKILLed at a random moment, restarted — 20 times.

    Every event that was acknowledged (HTTP 200) must get exactly one answer: a reply with its
    token or a push to its user. Nothing lost, nothing doubled.
    """
    import random
    from concurrent.futures import ThreadPoolExecutor

    env = {**web_env, "ORPHAN_AFTER_SECONDS": "2", "RECOVERY_SECONDS": "0.5", "RATE_LIMIT_PER_MINUTE": "100000"}
    web = Web(env, workers=2)
    rng = random.Random(2026)
    acknowledged: dict[str, str] = {}  # reply token -> user
    client = httpx.Client(timeout=5)

    def post(event: dict) -> bool:  # type: ignore[type-arg]
        body = line_events.payload(event)
        try:
            response = client.post(f"http://127.0.0.1:{web.port}/callback", content=body,
                                   headers={"X-Line-Signature": line_events.sign(body, SECRET)})
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    try:
        for cycle in range(KILLS):
            web.start()
            events = [line_events.text_event("A類截止是哪天？", user_id=f"U{cycle:03d}{i:029d}") for i in range(IN_FLIGHT)]
            with ThreadPoolExecutor(16) as pool:
                futures = [pool.submit(post, event) for event in events]
                time.sleep(rng.uniform(0.05, 0.8))
                web.kill()
                for future, event in zip(futures, events):
                    if future.result():
                        acknowledged[event["replyToken"]] = event["source"]["userId"]
        web.start()  # the survivors' process: recovers what the kills left
        users = set(acknowledged.values())

        def answers() -> Counter[str]:
            got: Counter[str] = Counter()
            for call in standin.replies():
                if call.body["replyToken"] in acknowledged:
                    got[acknowledged[call.body["replyToken"]]] += 1
            for call in standin.calls_to("/message/push"):
                if call.body["to"] in users:
                    got[call.body["to"]] += 1
            return got

        deadline = time.time() + 90
        while time.time() < deadline and len(answers()) < len(users):
            time.sleep(0.5)
        time.sleep(3)  # long enough for a second answer to show up, were one coming
    finally:
        client.close()
        if web.proc is not None and web.proc.poll() is None:
            web.kill()
    got = answers()
    for user in [u for u, n in got.items() if n > 1][:5]:  # what went out twice, for whoever has to debug it
        token = next(t for t, u in acknowledged.items() if u == user)
        print("doubled", user, [(c.seq, c.path.rsplit("/", 1)[-1], round(c.at, 2),
                                 str((c.body or {}).get("messages", [{}])[0].get("text", ""))[:12],
                                 c.headers.get("x-line-retry-key", "")[:8]) for c in standin.calls
                                if (c.body or {}).get("replyToken") == token or (c.body or {}).get("to") == user])
    lost = sorted(users - set(got))
    doubled = sorted(u for u, n in got.items() if n > 1)
    assert len(acknowledged) >= KILLS * 20, "too few events were acknowledged for the test to mean anything"
    assert (lost, doubled) == ([], []), f"{len(lost)} lost, {len(doubled)} doubled of {len(users)} acknowledged"
