"""Handoff to a person, as data: office hours, and how long a handoff waits for a staff reply."""
from __future__ import annotations

from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field

from knowledge.loader import DATA_DIR, KnowledgeError, read_yaml

__all__ = ["HandoffRules", "load_handoff"]


class HandoffRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    office_hours: dict[str, str]
    timeout_minutes: int = Field(ge=1, le=24 * 60)

    def hours(self, lang: str = "zh") -> str:
        return self.office_hours.get(lang) or self.office_hours["zh"]


@lru_cache(maxsize=1)
def load_handoff() -> HandoffRules:
    path = DATA_DIR / "handoff.yaml"
    try:
        return HandoffRules.model_validate(read_yaml(path.read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        raise KnowledgeError(f"{path}: {exc}") from exc
