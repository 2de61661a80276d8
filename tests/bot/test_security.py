"""The attacks of the fault-and-attack campaign (#12), each tried again and each failing to get in."""
from __future__ import annotations

import csv
import io
import logging
import re
import statistics
import time
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from bot.admin import sessions
from bot.dev import line_events
from db import staff
from db.models import (
    AuditLog,
    DeadLetter,
    InboxEvent,
    LoginAttempt,
    StaffSession,
)
from tests.bot.test_console import login
from tests.bot.test_hostile_input import post_raw
from tests.utils.chat import Bot, text_of
from tests.utils.forms import FORMS, USER, fill

INJECTIONS = ["=cmd|' /C calc'!A0", "+1+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0",
              '=HYPERLINK("http://evil.example","看這裡")']


# 2. Spreadsheet formulas -------------------------------------------------------------------------

def test_formulas_planted_through_a_form_stay_text_in_csv_and_xlsx(bot: Bot) -> None:
    survey = FORMS["ia_survey"]
    fill(bot, "聯盟調查", survey)
    for item_id, planted in zip(("alliance_name", "company_name", "contact_name", "contact_title", "products"),
                                INJECTIONS):
        if item_id not in {i.id for i in survey.items}:
            item_id = "tool_other"
        bot.say(f"修改 {survey.index(item_id) + 1}", user_id=USER)
        bot.say(planted, user_id=USER)
    bot.say("送出", user_id=USER)
    login(bot)
    text = bot.client.get("/admin/exports/ia_survey.csv").content.decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    for planted in INJECTIONS:
        assert planted not in cells, planted
    assert sum(1 for cell in cells if cell.startswith("'") and cell[1:] in INJECTIONS) >= 4
    book = load_workbook(io.BytesIO(bot.client.get("/admin/exports/ia_survey.xlsx").content))
    values = []
    for row in book.active.iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.value
            values.append(cell.value)
    assert sum(1 for v in values if v in INJECTIONS) >= 4  # kept as the text the user typed


# 3. Login throttling and enumeration ---------------------------------------------------------------

def _account(bot: Bot, name: str = "chen", password: str = "correct horse battery") -> None:
    with bot.services.db.session() as session:
        staff.set_account(session=session, username=name, password_hash=sessions.hash_password(password), role="admin")


def _try(bot: Bot, **form: str):  # type: ignore[no-untyped-def]
    return bot.client.post("/admin/login", data=form, follow_redirects=False)


def test_password_guessing_slows_down_then_locks_the_account(bot: Bot) -> None:
    _account(bot)
    for _ in range(sessions.SLOW_AFTER):
        assert _try(bot, username="chen", password="guess").status_code == 200
    waiting = _try(bot, username="chen", password="correct horse battery")
    assert waiting.status_code == 429 and "秒後再試" in waiting.text  # even the right password waits
    for _ in range(sessions.LOCK_AFTER - sessions.SLOW_AFTER):
        with bot.services.db.session() as session:
            for row in session.query(LoginAttempt):
                row.last_failure_at -= timedelta(minutes=2)  # let the backoff pass, keep guessing
        _try(bot, username="chen", password="guess")
    with bot.services.db.session() as session:
        for row in session.query(LoginAttempt):
            row.last_failure_at -= timedelta(minutes=2)
    locked = _try(bot, username="chen", password="correct horse battery")
    assert locked.status_code == 429 and "分鐘後再試" in locked.text
    with bot.services.db.session() as session:
        failures = session.query(AuditLog).filter_by(action="staff_login_failed").all()
        assert len(failures) >= sessions.LOCK_AFTER
        assert all("guess" not in str(f.details) for f in failures)


def test_token_guessing_from_one_address_is_throttled_too(bot: Bot) -> None:
    for _ in range(sessions.SLOW_AFTER):
        _try(bot, token="not-the-token")
    assert _try(bot, token="test-admin-token").status_code == 429


def test_a_wrong_password_costs_the_same_for_unknown_accounts(bot: Bot) -> None:
    _account(bot)

    def timed(name: str) -> float:
        with bot.services.db.session() as session:
            session.query(LoginAttempt).delete()  # measure the check, not the throttle
        started = time.perf_counter()
        assert _try(bot, username=name, password="guess").status_code == 200
        return time.perf_counter() - started

    known = statistics.median(timed("chen") for _ in range(5))
    unknown = statistics.median(timed("nobody") for _ in range(5))
    assert 0.5 < unknown / known < 2.0, (known, unknown)


# 4. Revocable sessions --------------------------------------------------------------------------------

def _cookie(bot: Bot) -> str:
    return bot.client.cookies.get(sessions.COOKIE, path="/admin")  # type: ignore[return-value]


def _works(bot: Bot, cookie: str) -> bool:
    bot.client.cookies.clear()
    bot.client.cookies.set(sessions.COOKIE, cookie, path="/admin")
    return bot.client.get("/admin", follow_redirects=False).status_code == 200


def test_logout_ends_the_session_even_for_a_copied_cookie(bot: Bot) -> None:
    csrf = login(bot)
    kept = _cookie(bot)
    bot.client.post("/admin/logout", data={"csrf": csrf})
    assert not _works(bot, kept)


@pytest.mark.parametrize("change", ["password", "disable", "delete", "role"])
def test_account_changes_end_its_sessions_at_once(bot: Bot, change: str) -> None:
    _account(bot)
    login(bot, username="chen", password="correct horse battery")
    kept = _cookie(bot)
    assert _works(bot, kept)
    with bot.services.db.session() as session:
        if change == "password":
            staff.set_account(session=session, username="chen", password_hash=sessions.hash_password("another one!"))
        elif change == "disable":
            staff.set_disabled(session=session, username="chen", disabled=True)
        elif change == "delete":
            staff.delete_account(session=session, username="chen")
        else:
            staff.set_role(session=session, username="chen", role="viewer")
    assert not _works(bot, kept)


def test_sessions_are_stored_as_hashes_only(bot: Bot) -> None:
    login(bot)
    cookie = _cookie(bot)
    with bot.services.db.session() as session:
        stored = [row.id for row in session.query(StaffSession)]
    assert stored and all(row not in cookie for row in stored)


# 5 & 6. Body limits and poison events ------------------------------------------------------------

def test_a_chunked_body_without_length_is_cut_off_at_one_megabyte(bot: Bot) -> None:
    sent = 0

    def chunks():  # type: ignore[no-untyped-def]
        nonlocal sent
        for _ in range(64):  # 64 MB if it were all read
            sent += 1
            yield b" " * 1_048_576

    response = bot.client.post("/callback", content=chunks(), headers={"X-Line-Signature": "bogus"})
    assert response.status_code == 413


def test_json_nested_deeper_than_line_ever_sends_is_a_400(bot: Bot) -> None:
    deep = b'{"events": [' + b"[" * 5000 + b"]" * 5000 + b"]}"
    assert post_raw(bot, deep).status_code == 400
    response = bot.client.post("/admin/api/broadcasts", content=b"[" * 5000 + b"]" * 5000,
                               headers={"Authorization": "Bearer test-admin-token", "Content-Type": "application/json"})
    assert response.status_code == 400


@pytest.mark.parametrize("text", ["A類截止\x00是哪天？", "A類截止\ud800是哪天？"])
def test_nul_bytes_and_lone_surrogates_are_cleaned_and_answered(bot: Bot, text: str, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.DEBUG)
    user = "U" + "n" * 32
    before = len(bot.standin.replies())
    assert post_raw(bot, _body(text, user)).status_code == 200
    answered = bot.standin.replies()[before:]
    assert answered and "3月7日" in text_of(answered[0].body["messages"])
    with bot.services.inbox_db.session() as session:
        assert session.query(InboxEvent).count() == 0
    logged = "\n".join(r.getMessage() + str(r.__dict__) for r in caplog.records)
    assert user not in logged and "是哪天" not in logged


def _body(text: str, user: str) -> bytes:
    """The body as a client could send it: NUL and a lone surrogate as JSON escapes."""
    event = line_events.text_event(text.replace("\x00", "@0@").replace("\ud800", "@D@"), user_id=user)
    return line_events.payload(event).replace(b"@0@", b"\\u0000").replace(b"@D@", b"\\ud800")


def test_an_event_that_keeps_failing_is_buried_with_one_apology(bot: Bot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    from bot.webhook import dispatcher

    bot.services.settings.orphan_after_seconds = -1  # every lease counts as run out: retry at once
    user = "U" + "x" * 32

    def broken(ctx):  # type: ignore[no-untyped-def]
        if ctx.user_id == user:
            raise ZeroDivisionError("a bug")
        return original(ctx)

    original = bot.services.router.dispatch
    monkeypatch.setattr(bot.services.router, "dispatch", broken)
    bot.post(line_events.text_event("A類截止是哪天？", user_id=user))
    from bot.line.client import LineClient

    async def recover_a_few_times() -> None:
        line = LineClient(bot.services.settings)
        try:
            for _ in range(bot.services.settings.handling_attempts + 2):
                await dispatcher.recover(bot.services, line)
        finally:
            await line.close()

    asyncio.run(recover_a_few_times())
    with bot.services.inbox_db.session() as session:
        assert session.query(InboxEvent).count() == 0
    with bot.services.db.session() as session:
        letters = session.query(DeadLetter).all()
        assert [(d.line_user_id, d.error, d.attempts) for d in letters] == [(user, "ZeroDivisionError", 6)]
    apologies = [c for c in bot.standin.calls if (c.body or {}).get("to") == user or
                 ((c.body or {}).get("replyToken") and "抱歉" in str(c.body))]
    assert len(apologies) == 1 and "抱歉" in str(apologies[0].body)
    login(bot)
    page = bot.client.get("/admin/dead-letters").text
    assert "ZeroDivisionError" in page and "A類截止" not in page


def test_erasing_a_user_removes_their_events_in_flight(bot: Bot) -> None:
    user = "U" + "e" * 32
    with bot.services.inbox_db.session() as session:
        session.add(InboxEvent(event=line_events.text_event("我的電話 0912345678", user_id=user), line_user_id=user))
    ask = bot.say("刪除我的資料", user_id=user)
    confirm = next(i for i in ask[0]["quickReply"]["items"] if i["action"]["label"] == "確定刪除")
    assert "已刪除" in text_of(bot.tap(confirm, user_id=user))
    with bot.services.inbox_db.session() as session:
        assert session.query(InboxEvent).filter_by(line_user_id=user).count() == 0


# 7. NUL-safe console inputs ------------------------------------------------------------------------

@pytest.mark.parametrize("request_", [
    ("POST", "/admin/login", {"data": {"username": "ch\x00en", "password": "x"}}),
    ("GET", "/admin/api/self-assessments.csv?cluster=AB%00CD", {"headers": {"Authorization": "Bearer test-admin-token"}}),
    ("POST", "/admin/api/broadcasts", {"json": {"text": "hi", "audience": {"clusters": ["AB\x00CD"]}},
                                       "headers": {"Authorization": "Bearer test-admin-token"}}),
])
def test_nul_bytes_in_console_inputs_are_a_400_with_a_message(bot: Bot, request_) -> None:  # type: ignore[no-untyped-def]
    method, path, kwargs = request_
    response = bot.client.request(method, path, **kwargs)
    assert response.status_code == 400
    assert "無法處理的字元" in response.text


# 8. Deployment defaults ------------------------------------------------------------------------------

def test_console_pages_forbid_framing_and_foreign_scripts(bot: Bot) -> None:
    login(bot)
    page = bot.client.get("/admin/exports")
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "no-referrer"
    policy = page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "script-src 'nonce-" in policy
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)  # type: ignore[union-attr]
    assert f'<script nonce="{nonce}">' in page.text


def test_the_api_schema_is_not_published_in_production(bot: Bot) -> None:
    assert bot.client.get("/openapi.json").status_code == 404
    assert bot.client.get("/docs").status_code == 404


def test_readiness_says_when_the_database_is_not_usable(bot: Bot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    assert bot.client.get("/readyz").json() == {"status": "ready"}
    from db.migrate import SchemaOutOfDate

    def old() -> None:
        raise SchemaOutOfDate("behind")

    monkeypatch.setattr(bot.services.db, "check_schema", old)
    assert bot.client.get("/readyz").status_code == 503
    assert bot.client.get("/healthz").status_code == 200
