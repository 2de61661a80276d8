"""Where a cluster (or alliance member) stands after a check-in: totals against the minimums,
progress against the checkpoints, and its own KPIs against their targets — with what is behind.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from knowledge.calendar import Checkpoint
from knowledge.forms import Form

__all__ = ["Kpi", "Standing", "standing"]


@dataclass(frozen=True)
class Kpi:
    item_id: str
    name: str
    target: float
    unit: str = ""


@dataclass
class Standing:
    lines: list[str] = field(default_factory=list)
    behind: list[str] = field(default_factory=list)

    def text(self) -> str:
        body = "\n".join(self.lines)
        if self.behind:
            body += "\n\n⚠️ 需要加把勁：\n" + "\n".join(f"・{b}" for b in self.behind)
        else:
            body += "\n\n👍 目前都在進度上，繼續保持！"
        return body


def _num(value: Any) -> float:
    return float(value) if isinstance(value, (int, float)) else 0.0


def _fmt(value: float) -> str:
    return f"{value:g}"


def standing(form: Form, reports: list[dict[str, Any]], *, today: date, checkpoints: tuple[Checkpoint, ...] = (),
             kpis: tuple[Kpi, ...] = ()) -> Standing:
    """``reports``: this year's submitted check-ins, oldest first (answers by item id)."""
    result = Standing()
    result.lines.append(f"📊 {today.year}年累計（共 {len(reports)} 次回報）")
    for target in form.targets:
        values = [_num(r.get(target.item)) for r in reports if r.get(target.item) is not None]
        total = (values[-1] if values else 0.0) if target.aggregate == "latest" else sum(values)
        mark = "✅" if total >= target.at_least else "⏳"
        result.lines.append(f"{mark} {target.label}：{_fmt(total)}{target.unit}（至少 {_fmt(target.at_least)}{target.unit}）")
        if total < target.at_least:
            result.behind.append(f"{target.label}還差 {_fmt(target.at_least - total)}{target.unit}")
    for kpi in kpis:
        total = sum(_num(r.get(kpi.item_id)) for r in reports)
        mark = "✅" if total >= kpi.target else "⏳"
        result.lines.append(f"{mark} {kpi.name}：{_fmt(total)}{kpi.unit} / 目標 {_fmt(kpi.target)}{kpi.unit}")
    if form.progress_item and reports:
        progress = _num(reports[-1].get(form.progress_item))
        result.lines.append(f"📈 累計工作進度：{_fmt(progress)}%")
        for checkpoint in checkpoints:
            month, day = (int(x) for x in checkpoint.month_day.split("-"))
            due = date(today.year, month, day)
            if due < today and progress < checkpoint.percent:
                result.behind.append(f"{checkpoint.title}（{month}/{day}）應達 {checkpoint.percent}%，目前 {_fmt(progress)}%")
            elif due >= today:
                gap = checkpoint.percent - progress
                note = "已達標" if gap <= 0 else f"還差 {_fmt(gap)}%"
                result.lines.append(f"🎯 下一個查核點：{checkpoint.title}（{month}/{day}）目標 {checkpoint.percent}%，{note}")
                if gap > 0 and (due - today).days <= 31:
                    result.behind.append(f"{checkpoint.title}（{month}/{day}）前要到 {checkpoint.percent}%，還差 {_fmt(gap)}%")
                break
    return result
