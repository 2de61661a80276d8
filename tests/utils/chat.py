"""Talking to the app as LINE does: signed webhooks in, replies read back from the LINE stand-in."""
from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from bot.dev import line_events
from bot.dev.line_standin import LineStandin
from bot.services import Services
from tests.utils import openapi

__all__ = ["SECRET", "SHARED", "Bot", "quick_replies", "text_of"]

SECRET = "test-channel-secret"
#: The workplace's shared folder beside the repository: seed documents, LINE's OpenAPI specs.
SHARED = Path(__file__).resolve().parents[3] / "shared"


class Bot:
    """Drive the app like LINE does: signed webhooks in, replies observed at the stand-in."""

    def __init__(self, client: TestClient, standin: LineStandin, services: Services) -> None:
        self.client = client
        self.standin = standin
        self.services = services

    def post(self, *events: dict, secret: str = SECRET):  # type: ignore[no-untyped-def]
        body = line_events.payload(*events)
        return self.client.post(
            "/callback", content=body,
            headers={"X-Line-Signature": line_events.sign(body, secret), "Content-Type": "application/json"},
        )

    def send(self, event: dict) -> list[dict]:
        """Post one event and return the messages replied to it (background work has run)."""
        before = len(self.standin.replies())
        response = self.post(event)
        assert response.status_code == 200, response.text
        new = self.standin.replies()[before:]
        token = event.get("replyToken")
        mine = [call for call in new if call.body["replyToken"] == token]
        for call in mine:  # everything the assistant sends must be a valid LINE request
            assert openapi.errors(call.body, "ReplyMessageRequest") == [], call.body
            for message in call.body["messages"]:
                shown = [item["action"]["label"] for item in quick_replies(message)]
                assert len(shown) == len(set(shown)), f"repeated quick replies: {shown}"
        return [m for call in mine for m in call.body["messages"]]

    def say(self, text: str, **kw) -> list[dict]:  # type: ignore[no-untyped-def]
        return self.send(line_events.text_event(text, **kw))

    def tap(self, item: dict, **kw) -> list[dict]:  # type: ignore[no-untyped-def]
        """Tap a quick-reply item as LINE would: a message action says its text, a postback posts."""
        action = item["action"]
        if action["type"] == "message":
            return self.say(action["text"], **kw)
        if action["type"] == "datetimepicker":
            raise ValueError("a date picker needs a date: use pick(item, date)")
        return self.send(line_events.postback_event(action["data"], **kw))

    def pick(self, item: dict, picked: str, **kw) -> list[dict]:  # type: ignore[no-untyped-def]
        """Choose ``picked`` (YYYY-MM-DD) in a date picker, as LINE posts it back."""
        action = item["action"]
        assert action["type"] == "datetimepicker" and action["mode"] == "date", action
        return self.send(line_events.postback_event(action["data"], params={"date": picked}, **kw))


def quick_replies(message: dict) -> list[dict]:
    return ((message.get("quickReply") or {}).get("items")) or []


def text_of(messages: list[dict]) -> str:
    return "\n".join(m.get("text", "") for m in messages)
