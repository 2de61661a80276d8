"""The program calendar (``knowledge/calendar.yaml``): milestones, checkpoints, monthly reporting.

Times in the file are Asia/Taipei wall-clock times; they are made timezone-aware here so that
nothing downstream guesses.
"""
from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator

from knowledge.labels import TAIPEI
from knowledge.loader import DATA_DIR, KnowledgeError, Source, read_yaml

__all__ = ["Calendar", "Checkpoint", "Dated", "MilestoneSpec", "english_date", "load_calendar",
           "milestone_kind", "roc_date", "say_date"]

_WEEKDAYS = "一二三四五六日"


def roc_date(moment: datetime, *, long: bool = False, weekday: bool = True, time: bool = True) -> str:
    """A moment as people here write it, in Asia/Taipei and the ROC calendar.

    >>> roc_date(datetime(2023, 3, 7, 17, 0, tzinfo=TAIPEI), long=True)
    '112年3月7日（週二）17:00'
    >>> roc_date(datetime(2023, 3, 7, 17, 0, tzinfo=TAIPEI), weekday=False, time=False)
    '112/3/7'
    >>> roc_date(datetime(2023, 3, 7, 17, 0, tzinfo=TAIPEI), weekday=False)
    '112/3/7 17:00'
    """
    local = moment.astimezone(TAIPEI)
    roc = local.year - 1911
    text = f"{roc}年{local.month}月{local.day}日" if long else f"{roc}/{local.month}/{local.day}"
    if weekday:
        text += f"（週{_WEEKDAYS[local.weekday()]}）"
    if not time:
        return text
    return f"{text}{local:%H:%M}" if weekday else f"{text} {local:%H:%M}"


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
_WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def english_date(moment: datetime, *, time: bool = True) -> str:
    """A moment in English, Taipei time: «March 7, 2023 (Tue) 17:00»."""
    local = moment.astimezone(TAIPEI)
    text = f"{_MONTHS[local.month - 1]} {local.day}, {local.year} ({_WEEKDAYS_EN[local.weekday()]})"
    return f"{text} {local:%H:%M}" if time else text


class Dated(Protocol):
    """What an answer needs of a milestone: a YAML :class:`MilestoneSpec` or a database row."""

    id: str
    program: str
    year: int
    title: str
    at: datetime
    all_day: bool
    approximate: bool
    label: str
    label_en: str


def say_date(milestone: Dated, lang: str = "zh") -> str:
    """How an answer states a milestone's date: its label when only approximate, else the day."""
    if milestone.approximate:
        label = milestone.label_en if lang == "en" else milestone.label
        if label:
            return label
    if lang == "en":
        return english_date(milestone.at, time=not milestone.all_day)
    return roc_date(milestone.at, long=True, time=not milestone.all_day)


def milestone_kind(milestone_id: str) -> str:
    """The same step in every year: «dc112-deadline-a» and «dc115-deadline-a» are «dc-deadline-a»."""
    return re.sub(r"^([a-z]+)\d{2,3}-", r"\1-", milestone_id)


class Audience(BaseModel):
    model_config = ConfigDict(extra="forbid")
    classes: tuple[Literal["A", "B"], ...] = ()
    roles: tuple[Literal["leader", "member", "staff"], ...] = ("leader", "member")


class MilestoneSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    program: Literal["digital_cluster", "intl_alliance"]
    year: int
    title: str = Field(max_length=20)
    at: datetime
    all_day: bool = False
    approximate: bool = False
    audience: Audience = Audience()
    remind: bool = True
    what: str = ""
    label: str = ""  # how an approximate date is said («112年3月中旬（暫定）»)
    label_en: str = ""
    source: Source

    @field_validator("at")
    @classmethod
    def _taipei(cls, value: datetime) -> datetime:
        return value.replace(tzinfo=TAIPEI) if value.tzinfo is None else value.astimezone(TAIPEI)


class Checkpoint(BaseModel):
    month_day: str = Field(pattern=r"^\d{2}-\d{2}$")
    percent: int = Field(ge=0, le=100)
    title: str


class Calendar(BaseModel):
    model_config = ConfigDict(extra="ignore")
    milestones: tuple[MilestoneSpec, ...]
    checkpoints: dict[str, tuple[Checkpoint, ...]] = {}
    monthly_report: dict[str, dict[str, tuple[str, ...]]] = {}


@lru_cache(maxsize=2)
def load_calendar(path: Path = DATA_DIR / "calendar.yaml") -> Calendar:
    try:
        calendar = Calendar.model_validate(read_yaml(path.read_text(encoding="utf-8")))
    except Exception as exc:
        raise KnowledgeError(f"{path}: {exc}") from exc
    ids = [m.id for m in calendar.milestones]
    if len(ids) != len(set(ids)):
        raise KnowledgeError(f"{path}: duplicate milestone ids")
    return calendar
