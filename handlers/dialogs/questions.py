"""How the current question is put: its text, the answer so far, and the buttons under it."""
from __future__ import annotations

from typing import Any

from db.models import FormSession
from handlers.replies import Text
from knowledge.answers import display
from knowledge.assistant import Choice
from knowledge.forms import Form, FormItem

__all__ = ["page_key", "question", "say_choice"]


def say_choice(label: str, say: str | None = None) -> Choice:
    """A button that says ``say`` (default: its label) as if typed."""
    return Choice(label, "say", {"text": say or label})


def page_key(fs: FormSession) -> str:
    """What a «more options» tap sends back, so the same question is shown at another page."""
    return f"form:{fs.id}"


#: A list longer than this is also written out with numbers, so it can be answered by number.
NUMBERED_OVER = 6


def question(fs: FormSession, form: Form, item: FormItem, answers: dict[str, Any], *, page: int = 0,
             member_count: int | None = None, numbered: bool = True) -> Text:
    """Question ``fs.position`` with its number, section, current answer and choices."""
    section = form.section_of[item.id]
    lines = [f"第 {fs.position + 1}/{len(form.items)} 題｜{section.title}", _text(item, member_count)]
    if numbered and item.type in ("single", "multi") and len(item.options) > NUMBERED_OVER:
        lines.append("\n".join(f"{n}. {option}" for n, option in enumerate(item.options, 1)))
        lines.append("可以點選，或直接輸入編號。")
    kept = item.id in answers and answers[item.id] is not None
    if kept:
        lines.append(f"（目前的答案：{display(item, answers[item.id])}，不改請點「保留」）")
    if item.type == "multi":
        chosen = fs.pending.get("multi", [])
        lines.append("可複選，選完請點「完成」；再點一次已選的項目可以取消。" + (f"已選：{'、'.join(chosen)}" if chosen else ""))
    if item.type == "date":
        lines.append("可以點「📅 選日期」，或直接輸入，例如「112/3/7」。")
    if not item.required:
        lines.append("（選填，可以回「略過」）")
    options = choices(fs, item, member_count)
    if kept:
        options = (say_choice("保留"), *options)
    return Text("\n".join(lines), options, page=page, page_key=page_key(fs))


def _text(item: FormItem, member_count: int | None) -> str:
    text = item.ask
    if item.code:
        text = f"{item.code}｜{item.label}\n{text}"
    if item.type == "count_pair" and member_count is not None:
        text += f"\n（成員自評統計：已送出的成員中有 {member_count} 家勾選「有」）"
    return text


def choices(fs: FormSession, item: FormItem, member_count: int | None = None) -> tuple[Choice, ...]:
    """The answer buttons first, then navigation (上一題, 略過, 暫停); the renderer pages them."""
    options: list[Choice] = []
    if item.type == "yes_no":
        options = [say_choice("有"), say_choice("無")]
    elif item.type in ("single", "multi"):
        chosen = set(fs.pending.get("multi", [])) if item.type == "multi" else set()
        options = [say_choice(f"✓ {button}" if option in chosen else button, button)
                   for option, button in zip(item.options, item.buttons)]
        if item.type == "multi":
            options.insert(0, say_choice("完成"))
    elif item.type == "date":
        options = [Choice("📅 選日期", "date", {"k": page_key(fs)})]
    elif item.type == "photos":
        options = [say_choice("完成")]
    elif item.type == "count_pair":
        if member_count is not None:
            options = [say_choice(f"{member_count} {member_count}")]
        if member_count != 0:
            options.append(say_choice("0 0"))
    nav: list[Choice] = []
    if fs.position > 0:
        nav.append(say_choice("上一題"))
    if not item.required:
        nav.append(say_choice("略過"))
    nav.append(say_choice("暫停"))
    return tuple(options + nav)
