"""Strangers send garbage: the webhook and the admin API never answer 500, never show a stack trace,
and what users get back stays well-formed LINE messages."""
from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.dev import line_events
from tests.utils import openapi
from tests.utils.chat import SECRET, Bot

ODD_TEXT = st.one_of(
    st.text(min_size=1, max_size=300),
    st.sampled_from([
        "'; DROP TABLE users; --", "<script>alert(1)</script>", "A類截止\u200b是哪天\u200d?", "\x00\x01\x1f控制字元",
        "🙂" * 50, "Ａ類　截止？", "ｓｅｌｅｃｔ * from users", "\u202e反向文字", "a" * 5000, "截" * 5000,
        "https://evil.example/?q=<b>", "%s%s%n{0}{{7*7}}",
    ]),
)
JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)
SLOW = settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def post_raw(bot: Bot, body: bytes):  # type: ignore[no-untyped-def]
    return bot.client.post("/callback", content=body, headers={"X-Line-Signature": line_events.sign(body, SECRET)})


@SLOW
@given(text=ODD_TEXT)
def test_any_text_gets_a_well_formed_reply(bot: Bot, text: str) -> None:
    before = len(bot.standin.replies())
    response = bot.post(line_events.text_event(text, user_id="U" + "h" * 32))
    assert response.status_code == 200
    for call in bot.standin.replies()[before:]:
        for message in call.body["messages"]:
            assert 1 <= len(message.get("text", "x")) <= 5000
        assert openapi.errors(call.body, "ReplyMessageRequest") == []
    bot.services.rate_limiter.forget()


@SLOW
@given(payload=JSONISH)
def test_any_json_never_500(bot: Bot, payload: object) -> None:
    response = post_raw(bot, json.dumps(payload).encode())
    assert response.status_code in (200, 400)
    assert "Traceback" not in response.text


@SLOW
@given(event=st.fixed_dictionaries({"type": st.sampled_from(["message", "postback", "follow", "join", "beacon", "x"]),
                                    "message": JSONISH, "postback": JSONISH, "source": JSONISH,
                                    "timestamp": st.one_of(st.integers(), st.text(max_size=5)),
                                    "replyToken": st.one_of(st.none(), st.text(max_size=10))}))
def test_malformed_events_with_valid_signature_are_ignored_not_fatal(bot: Bot, event: dict) -> None:
    response = post_raw(bot, json.dumps({"destination": "U", "events": [event]}).encode())
    assert response.status_code == 200


@SLOW
@given(data=st.text(max_size=400))
def test_any_postback_data_is_safe(bot: Bot, data: str) -> None:
    response = bot.post(line_events.postback_event(data, user_id="U" + "p" * 32))
    assert response.status_code == 200
    bot.services.rate_limiter.forget()


def test_oversized_body_is_413(bot: Bot) -> None:
    body = b'{"events": [' + b" " * 1_100_000 + b"]}"
    assert post_raw(bot, body).status_code == 413


def test_flooding_is_rate_limited_politely(bot: Bot) -> None:
    bot.services.rate_limiter.limit = 20
    user = "U" + "r" * 32
    replies = [bot.say("A類截止是哪天？", user_id=user) for _ in range(25)]
    texts = [r[0]["text"] if r else None for r in replies]
    assert texts[:20] == [texts[0]] * 20 and "3月7日" in texts[0]
    assert texts[20] is not None and "稍等" in texts[20]
    assert texts[21:] == [None] * 4


@SLOW
@given(body=JSONISH)
def test_admin_api_never_500(bot: Bot, body: object) -> None:
    auth = {"Authorization": "Bearer test-admin-token"}
    for method, path in (("POST", "/admin/api/broadcasts"), ("PUT", "/admin/api/calendar/x-1")):
        response = bot.client.request(method, path, json=body, headers=auth)
        assert response.status_code < 500, (path, body, response.text)
        assert "Traceback" not in response.text


HOSTILE = st.sampled_from(["\x00", "a\x00b", "\ud800", "x\udfffy", "%00", "😀\x00", "\u202e", "' OR 1=1 --", "<svg onload=1>"])
DEEP = b"[" * 3000 + b"]" * 3000


def _every_route(bot: Bot):  # type: ignore[no-untyped-def]
    from tests.bot.test_console import _all_routes

    for route in _all_routes(bot.client.app.routes):  # type: ignore[attr-defined]
        path = getattr(route, "path", "")
        if path.startswith(("/admin", "/callback", "/readyz", "/healthz")):
            for method in sorted(getattr(route, "methods", {"GET"}) - {"HEAD"}):
                yield method, path


@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(value=HOSTILE)
def test_no_route_answers_500_to_nul_surrogates_or_deep_json(bot: Bot, value: str) -> None:
    """Logged in and with the API token, every route is sent the value in its path, its query, its
    form fields and as JSON, and JSON nested thousands deep: never a 500."""
    import re
    from urllib.parse import quote

    from tests.bot.test_console import login

    csrf = login(bot)
    auth = {"Authorization": "Bearer test-admin-token"}
    encoded = quote(value.encode("utf-8", "surrogatepass"), safe="")
    fields = {name: value for name in ("csrf", "text", "audience", "clusters", "username", "password", "token", "month",
                                       "cluster", "form", "name", "id", "title", "at", "locked", "link_url")}
    fields["csrf"] = csrf
    for method, path in _every_route(bot):
        concrete = re.sub(r"\{[^}]+\}", encoded, path)
        query = "&".join(f"{k}={encoded}" for k in ("month", "cluster", "form", "name", "alliance", "since"))
        attempts = [
            bot.client.request(method, f"{concrete}?{query}", headers=auth),
            bot.client.request(method, concrete, headers={**auth, "Content-Type": "application/json"}, content=DEEP),
            bot.client.request(method, concrete, headers={**auth, "Content-Type": "application/json"},
                               content=json.dumps({"text": value, "audience": {"clusters": [value]}}).encode(
                                   "utf-8", "surrogatepass")),
        ]
        if method == "POST":
            form = "&".join(f"{k}={quote(v.encode('utf-8', 'surrogatepass'), safe='')}" for k, v in fields.items())
            attempts.append(bot.client.request(method, concrete, headers={
                "Content-Type": "application/x-www-form-urlencoded"}, content=form.encode()))
        for response in attempts:
            assert response.status_code < 500, (method, path, value, response.status_code, response.text[:200])
            assert "Traceback" not in response.text
