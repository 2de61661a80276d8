"""Self-assessment scoring: O/E/S/I subtotals and the levels reached vs 附件二's recommendation.

Each practice tool answered 有 scores 1, 無 scores 0 (the form's 「有填1無填0」). A level counts
as reached when at least one of its tools is in use; the recommendation for the cluster's class
and type (附件二 建議達成階段, ``forms/stages.yaml``) says which levels should be reached.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from knowledge.forms import Form, FormItem, load_stages

__all__ = ["DIMENSIONS", "DimensionScore", "Scorecard", "score"]

DIMENSIONS = {"O": "組織凝聚力", "E": "環境擴散力", "S": "服務優化力", "I": "資訊加值力"}


def _has(value: Any) -> bool:
    if isinstance(value, dict):
        if "has" in value:
            return bool(value["has"])
        if "initial" in value:
            return int(value["initial"]) > 0
    return False


@dataclass
class DimensionScore:
    dimension: str
    name: str
    score: int = 0
    total: int = 0
    levels_reached: set[int] = field(default_factory=set)
    recommended: int | None = None
    to_improve: list[FormItem] = field(default_factory=list)

    @property
    def meets_recommendation(self) -> bool | None:
        if self.recommended is None:
            return None
        return all(level in self.levels_reached for level in range(1, self.recommended + 1))

    @property
    def missing_levels(self) -> list[int]:
        if self.recommended is None:
            return []
        return [lvl for lvl in range(1, self.recommended + 1) if lvl not in self.levels_reached]


@dataclass
class Scorecard:
    dimensions: dict[str, DimensionScore]

    @property
    def score(self) -> int:
        return sum(d.score for d in self.dimensions.values())

    @property
    def total(self) -> int:
        return sum(d.total for d in self.dimensions.values())


def score(form: Form, answers: dict[str, Any], *, cluster_class: str | None = None, cluster_type: str | None = None) -> Scorecard:
    """Subtotals for every dimension; recommendations when the class and type are known."""
    stages = load_stages()
    recommended = stages.get(cluster_class or "", {}).get(cluster_type or "", {})
    dims = {d: DimensionScore(d, name, recommended=recommended.get(d)) for d, name in DIMENSIONS.items()}
    for item in form.items:
        if item.dimension is None:
            continue
        dim = dims[item.dimension]
        dim.total += 1
        if _has(answers.get(item.id)):
            dim.score += 1
            if item.level:
                dim.levels_reached.add(item.level)
    for dim in dims.values():
        missing = set(dim.missing_levels)
        dim.to_improve = [
            item for item in form.items
            if item.dimension == dim.dimension and item.level in missing and not item.other
            and not _has(answers.get(item.id))
        ]
    return Scorecard(dims)
