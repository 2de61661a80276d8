"""Filling a form by chat the way a user would: a valid answer for every kind of question."""
from __future__ import annotations

import re

from knowledge.forms import FormItem, load_forms
from tests.utils.chat import Bot, quick_replies, text_of

__all__ = ["FORMS", "LEADER", "MEMBER", "PROGRESS", "USER", "answer", "current_item", "fill", "sample"]

FORMS = load_forms()
MEMBER = FORMS["dc_member"]
USER = "U" + "b" * 32
LEADER = "U" + "c" * 32
PROGRESS = re.compile(r"第 (\d+)/(\d+) 題")


def sample(item: FormItem, *, member_count: int = 12) -> str:
    """A valid answer for any item, typed as a user would."""
    return {
        "text": "竹山光采文創",
        "yes_no": "有 社區研習2場",
        "number": str(member_count if item.id == "member_count" else max(int(item.min or 0), min(12, int(item.max or 12))))
        + ("萬" if item.confirm_below else ""),
        "address": "557 南投縣竹山鎮集山路三段 1000 號",
        "percent": "30",
        "phone": "0912345678" if item.mobile else "049-2612345",
        "email": "boss@example.com",
        "date": "112/3/7",
        "tax_id": "04595257",
        "count_pair": "3 8",
    }.get(item.type, "")


def current_item(messages: list[dict], form=MEMBER) -> FormItem | None:  # type: ignore[no-untyped-def]
    for message in reversed(messages):
        match = PROGRESS.search(message.get("text", ""))
        if match:
            return form.items[int(match.group(1)) - 1]
    return None


def answer(bot: Bot, messages: list[dict], item: FormItem, user: str = USER, yes: bool = True) -> list[dict]:
    if item.type == "yes_no":
        return bot.say("有 社區研習2場" if yes else "無", user_id=user)
    if item.type in ("single", "multi"):
        items = quick_replies(messages[-1])
        option = next(i for i in items if i["action"]["label"] not in ("完成", "上一題", "略過", "暫停")
                      and not i["action"]["label"].startswith(("◀", "更多")))
        replies = bot.tap(option, user_id=user)
        if item.type == "multi":
            replies = bot.say("完成", user_id=user)
        return replies
    return bot.say(sample(item), user_id=user)


def fill(bot: Bot, trigger: str, form=MEMBER, user: str = USER, stop_at: int | None = None, yes: bool = True) -> list[dict]:  # type: ignore[no-untyped-def]
    messages = bot.say(trigger, user_id=user)
    assert "同意" in text_of(messages)
    messages = bot.say("同意", user_id=user)
    for _ in range(len(form.items) + 5):
        item = current_item(messages, form)
        if item is None or (stop_at is not None and form.index(item.id) + 1 >= stop_at):
            return messages
        messages = answer(bot, messages, item, user, yes)
    return messages
