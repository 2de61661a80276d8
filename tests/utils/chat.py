"""Talking to the app as LINE does: signed webhooks in, replies read back from the LINE stand-in."""
from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from bot.dev import line_events
from bot.dev.line_standin import LineStandin
from bot.services import Services

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
        return [m for call in new if call.body["replyToken"] == token for m in call.body["messages"]]

    def say(self, text: str, **kw) -> list[dict]:  # type: ignore[no-untyped-def]
        return self.send(line_events.text_event(text, **kw))

    def tap(self, item: dict, **kw) -> list[dict]:  # type: ignore[no-untyped-def]
        """Tap a quick-reply item as LINE would: a message action says its text, a postback posts."""
        action = item["action"]
        if action["type"] == "message":
            return self.say(action["text"], **kw)
        return self.send(line_events.postback_event(action["data"], **kw))


def quick_replies(message: dict) -> list[dict]:
    return ((message.get("quickReply") or {}).get("items")) or []


def text_of(messages: list[dict]) -> str:
    return "\n".join(m.get("text", "") for m in messages)
