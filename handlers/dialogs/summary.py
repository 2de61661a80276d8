"""The end-of-form summary as a LINE flex bubble: subtotals, levels, and what to work on next."""
from __future__ import annotations

from typing import Any

from knowledge.answers import display
from knowledge.forms import Form
from knowledge.scoring import Scorecard

__all__ = ["summary_card"]

_MAX_ROWS = 40  # keep the bubble well under LINE's size limit; the rest is in the text summary


def _text(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "text", "text": text[:1900] or " ", "wrap": True, **style}


def _row(left: str, right: str, *, bold: bool = False) -> dict[str, Any]:
    weight = {"weight": "bold"} if bold else {}
    return {
        "type": "box", "layout": "horizontal",
        "contents": [_text(left, size="sm", flex=3, **weight), _text(right, size="sm", flex=2, align="end", **weight)],
    }


def summary_card(form: Form, answers: dict[str, Any], card: Scorecard | None) -> dict[str, Any]:
    """A flex message (as JSON) summarising ``answers``; the altText carries the key numbers."""
    body: list[dict[str, Any]] = []
    alt = f"{form.short}摘要"
    if card is not None:
        alt += "：" + "、".join(f"{d} {s.score}/{s.total}" for d, s in card.dimensions.items())
        body.append(_text("現況自我評估（有=1，無=0）", weight="bold", size="md"))
        for dim in card.dimensions.values():
            levels = "、".join(f"{dim.dimension}{lvl}" for lvl in sorted(dim.levels_reached)) or "尚未達到"
            body.append(_row(f"{dim.name}({dim.dimension})", f"{dim.score} / {dim.total}", bold=True))
            line = f"已達階段：{levels}"
            if dim.recommended is not None:
                target = "+".join(f"{dim.dimension}{lvl}" for lvl in range(1, dim.recommended + 1))
                line += f"；建議：{target} " + ("✅" if dim.meets_recommendation else "⚠️")
            body.append(_text(line, size="xs", color="#555555"))
        body.append(_row("合計", f"{card.score} / {card.total}", bold=True))
        todo = [item for dim in card.dimensions.values() for item in dim.to_improve][:6]
        if todo:
            body.append({"type": "separator", "margin": "md"})
            body.append(_text("建議優先精進", weight="bold", size="sm"))
            for item in todo:
                body.append(_text(f"・{item.code} {item.label}", size="xs"))
        elif all(d.recommended is None for d in card.dimensions.values()):
            body.append(_text("加入群聚（說「加入群聚 代碼」）後，可比對附件二的建議達成階段。", size="xs", color="#555555"))
        body.append({"type": "separator", "margin": "md"})
    shown = 0
    for number, item in enumerate(form.items, start=1):
        if item.dimension or shown >= _MAX_ROWS:
            continue
        value = answers.get(item.id)
        body.append(_row(f"{number}. {item.label}", display(item, value) if item.id in answers else "未填"))
        shown += 1
    return {
        "type": "flex",
        "altText": alt[:400],
        "contents": {
            "type": "bubble",
            "size": "giga",
            "header": {"type": "box", "layout": "vertical", "contents": [_text(form.title, weight="bold", size="md")]},
            "body": {"type": "box", "layout": "vertical", "spacing": "sm", "contents": body},
        },
    }
