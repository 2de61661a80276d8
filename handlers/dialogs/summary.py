"""The end-of-form summary card: subtotals, levels reached, what to work on next, the answers."""
from __future__ import annotations

from typing import Any

from handlers.replies import Card, Line, Row, Rule
from knowledge.answers import display
from knowledge.forms import Form
from knowledge.scoring import Scorecard

__all__ = ["summary_card"]

_MAX_ROWS = 40  # a card is for reading at a glance; every answer stays reviewable with 「修改 N」


def summary_card(form: Form, answers: dict[str, Any], card: Scorecard | None) -> Card:
    """A card summarising ``answers``; its alt text carries the key numbers."""
    blocks: list[Line | Row | Rule] = []
    alt = f"{form.short}摘要"
    if card is not None:
        alt += "：" + "、".join(f"{d} {s.score}/{s.total}" for d, s in card.dimensions.items())
        blocks.append(Line("現況自我評估（有=1，無=0）", bold=True))
        for dim in card.dimensions.values():
            levels = "、".join(f"{dim.dimension}{lvl}" for lvl in sorted(dim.levels_reached)) or "尚未達到"
            blocks.append(Row(f"{dim.name}({dim.dimension})", f"{dim.score} / {dim.total}", bold=True))
            line = f"已達階段：{levels}"
            if dim.recommended is not None:
                target = "+".join(f"{dim.dimension}{lvl}" for lvl in range(1, dim.recommended + 1))
                line += f"；建議：{target} " + ("✅" if dim.meets_recommendation else "⚠️")
            blocks.append(Line(line, small=True, muted=True))
        blocks.append(Row("合計", f"{card.score} / {card.total}", bold=True))
        todo = [item for dim in card.dimensions.values() for item in dim.to_improve][:6]
        if todo:
            blocks += [Rule(), Line("建議優先精進", bold=True, small=True)]
            blocks += [Line(f"・{item.code} {item.label}", small=True) for item in todo]
        elif all(d.recommended is None for d in card.dimensions.values()):
            blocks.append(Line("加入群聚（說「加入群聚 代碼」）後，可比對附件二的建議達成階段。", small=True, muted=True))
        blocks.append(Rule())
    shown = 0
    for number, item in enumerate(form.items, start=1):
        if item.dimension or shown >= _MAX_ROWS:
            continue
        value = answers.get(item.id)
        blocks.append(Row(f"{number}. {item.label}", display(item, value) if item.id in answers else "未填"))
        shown += 1
    return Card(alt=alt, title=form.title, blocks=tuple(blocks))
