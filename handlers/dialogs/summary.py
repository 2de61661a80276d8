"""The end-of-form summary card: what matters for that form first, then every answer.

- A form scored 有/無 (the member form): O/E/S/I subtotals, the levels reached against 附件二's
  recommendation, and what to work on next.
- A form of firm counts (the cluster form): per dimension, how many tools the cluster uses now
  and after the coaching, then each tool's 「目前 → 預計」 firm counts grouped by dimension.
- Then every answer, numbered as 「修改 N」 expects. The card is long on purpose: the renderer pages
  it into a carousel, so nothing is cut off.
"""
from __future__ import annotations

from typing import Any

from handlers.replies import Card, Line, Row, Rule
from knowledge.answers import display
from knowledge.forms import Form, FormItem
from knowledge.scoring import DIMENSIONS, Scorecard

__all__ = ["summary_card"]

Block = Line | Row | Rule


def summary_card(form: Form, answers: dict[str, Any], card: Scorecard | None) -> Card:
    """A card summarising ``answers``; its alt text carries the key numbers."""
    alt = f"{form.short}摘要"
    counts = any(item.type == "count_pair" for item in form.items)
    blocks: list[Block] = []
    if card is not None:
        alt += "：" + "、".join(f"{d} {s.score}/{s.total}" for d, s in card.dimensions.items())
        blocks += _pair_overview(form, answers, card) if counts else _score_overview(card)
        blocks.append(Rule(page_break=True))
    blocks += _pairs(form, answers) if counts else []
    blocks += _answers(form, answers, skip_counted=counts)
    return Card(alt=alt, title=form.title, blocks=tuple(blocks))


def _levels(dim: Any) -> Line:
    levels = "、".join(f"{dim.dimension}{lvl}" for lvl in sorted(dim.levels_reached)) or "尚未達到"
    line = f"已達階段：{levels}"
    if dim.recommended is not None:
        target = "+".join(f"{dim.dimension}{lvl}" for lvl in range(1, dim.recommended + 1))
        line += f"；建議：{target} " + ("✅" if dim.meets_recommendation else "⚠️")
    return Line(line, small=True, muted=True)


def _score_overview(card: Scorecard) -> list[Block]:
    blocks: list[Block] = [Line("現況自我評估（有=1，無=0）", bold=True)]
    for dim in card.dimensions.values():
        blocks.append(Row(f"{dim.name}({dim.dimension})", f"{dim.score} / {dim.total}", bold=True))
        blocks.append(_levels(dim))
    blocks.append(Row("合計", f"{card.score} / {card.total}", bold=True))
    todo = [item for dim in card.dimensions.values() for item in dim.to_improve][:6]
    if todo:
        blocks += [Rule(), Line("建議優先精進", bold=True, small=True)]
        blocks += [Line(f"・{item.code} {item.label}", small=True) for item in todo]
    elif all(d.recommended is None for d in card.dimensions.values()):
        blocks.append(Line("加入群聚（說「加入群聚 代碼」）後，可比對附件二的建議達成階段。", small=True, muted=True))
    return blocks


def _pair(value: Any) -> tuple[int, int] | None:
    if isinstance(value, dict) and "initial" in value:
        return int(value["initial"]), int(value["expected"])
    return None


def _pair_overview(form: Form, answers: dict[str, Any], card: Scorecard) -> list[Block]:
    members = answers.get("member_count")
    blocks: list[Block] = [Line("採用工具的項數：目前 → 輔導後預計", bold=True)]
    if members:
        blocks.append(Line(f"群聚成員 {members} 家", small=True, muted=True))
    for code, dim in card.dimensions.items():
        pairs = [p for item in form.items if item.dimension == code and (p := _pair(answers.get(item.id)))]
        now = sum(1 for initial, _ in pairs if initial > 0)
        later = sum(1 for _, expected in pairs if expected > 0)
        blocks.append(Row(f"{dim.name}({code})", f"{now} → {later} / {dim.total} 項", bold=True))
        blocks.append(_levels(dim))
    return blocks


def _pairs(form: Form, answers: dict[str, Any]) -> list[Block]:
    """Each tool's firm counts, 目前 → 預計, grouped by dimension; its 應用情境 beside it."""
    blocks: list[Block] = []
    for code, name in DIMENSIONS.items():
        tools = [(n, item) for n, item in enumerate(form.items, 1) if item.dimension == code]
        if not tools:
            continue
        if blocks:
            blocks.append(Rule(page_break=True))
        blocks.append(Line(f"{name}({code})：家數 目前 → 預計", bold=True))
        for number, item in tools:
            pair = _pair(answers.get(item.id))
            value = f"{pair[0]} → {pair[1]} 家" if pair else ("（略過）" if item.id in answers else "未填")
            scenario = answers.get(f"{item.id}_scenario")
            label = f"{number}. {item.code or ''} {item.label}".replace("  ", " ")
            blocks.append(Row(label + (f"（{scenario}）" if scenario else ""), value))
    if blocks:
        blocks.append(Rule(page_break=True))
    return blocks


def _answers(form: Form, answers: dict[str, Any], *, skip_counted: bool) -> list[Block]:
    """Every other answer, numbered as 「修改 N」 expects."""
    blocks: list[Block] = [Line("您的答案（要改請輸入「修改 題號」）", bold=True)]
    for number, item in enumerate(form.items, 1):
        if skip_counted and (item.type == "count_pair" or _is_scenario(form, item)):
            continue
        if not form.asks(item, answers):
            continue  # a question this user was never asked (聯盟調查's export questions after 無)
        value = display(item, answers.get(item.id)) if item.id in answers else "未填"
        label = f"{number}. {item.code} {item.label}" if item.code else f"{number}. {item.label}"
        blocks.append(Row(label, value))
    return blocks


def _is_scenario(form: Form, item: FormItem) -> bool:
    owner = item.id.removesuffix("_scenario")
    return owner != item.id and any(i.id == owner and i.type == "count_pair" for i in form.items)
