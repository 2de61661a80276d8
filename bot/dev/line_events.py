"""Build and sign webhook payloads the way LINE does (shapes from LINE's webhook spec)."""
from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import time
import uuid
from typing import Any

_ids = itertools.count(1)


def sign(body: bytes, secret: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def _base(kind: str, user_id: str, *, source: str = "user", group_id: str = "Cgroup0001") -> dict[str, Any]:
    n = next(_ids)
    src: dict[str, Any] = {"type": source, "userId": user_id}
    if source == "group":
        src["groupId"] = group_id
    elif source == "room":
        src["roomId"] = "Rroom0001"
    return {
        "type": kind,
        "mode": "active",
        "timestamp": int(time.time() * 1000) + n,
        "source": src,
        "webhookEventId": "01" + uuid.uuid4().hex[:24].upper(),  # unique across processes and runs, like LINE's ULIDs
        "deliveryContext": {"isRedelivery": False},
        "replyToken": f"rt{n:030d}",
    }


def text_event(text: str, user_id: str = "U" + "a" * 32, **kw: Any) -> dict[str, Any]:
    event = _base("message", user_id, **kw)
    event["message"] = {"id": str(next(_ids)), "type": "text", "text": text, "quoteToken": "q" * 10}
    return event


def message_event(message: dict[str, Any], user_id: str = "U" + "a" * 32, **kw: Any) -> dict[str, Any]:
    event = _base("message", user_id, **kw)
    event["message"] = {"id": str(next(_ids)), **message}
    return event


def postback_event(data: str, user_id: str = "U" + "a" * 32, params: dict[str, str] | None = None,
                   **kw: Any) -> dict[str, Any]:
    """A button tap; ``params`` carries what a date/time picker returns (``{"date": "2026-12-01"}``)."""
    event = _base("postback", user_id, **kw)
    event["postback"] = {"data": data, **({"params": params} if params else {})}
    return event


def follow_event(user_id: str = "U" + "a" * 32) -> dict[str, Any]:
    event = _base("follow", user_id)
    event["follow"] = {"isUnblocked": False}
    return event


def unfollow_event(user_id: str = "U" + "a" * 32) -> dict[str, Any]:
    event = _base("unfollow", user_id)
    event.pop("replyToken")
    return event


def payload(*events: dict[str, Any]) -> bytes:
    return json.dumps({"destination": "Ubot", "events": list(events)}, ensure_ascii=False).encode()


MEDIA_MESSAGES: dict[str, dict[str, Any]] = {
    "sticker": {"type": "sticker", "packageId": "446", "stickerId": "1988", "stickerResourceType": "STATIC", "quoteToken": "q"},
    "image": {"type": "image", "contentProvider": {"type": "line"}, "quoteToken": "q"},
    "audio": {"type": "audio", "contentProvider": {"type": "line"}, "duration": 1000},
    "video": {"type": "video", "contentProvider": {"type": "line"}, "duration": 1000, "quoteToken": "q"},
    "file": {"type": "file", "fileName": "plan.pdf", "fileSize": 1024},
    "location": {"type": "location", "title": "竹山", "address": "南投縣竹山鎮", "latitude": 23.7, "longitude": 120.7},
}
