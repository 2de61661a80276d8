"""The official forms (``knowledge/forms/*.yaml``) as validated models.

One engine runs every form; what differs between forms — sections, items, answer types,
wording — lives in the data files.
"""
from __future__ import annotations

from functools import cached_property, lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from knowledge.loader import DATA_DIR, KnowledgeError, Source, read_yaml

__all__ = [
    "Consent", "Form", "FormItem", "FormSection", "ItemType", "SumCheck", "When", "load_consents", "load_forms",
    "load_stages",
]

ItemType = Literal[
    "text", "yes_no", "single", "multi", "number", "percent", "phone", "email", "date", "tax_id", "count_pair",
    "photos", "address",
]
FORMS_DIR = DATA_DIR / "forms"


class When(BaseModel):
    """Ask an item only when an earlier answer is one of ``is_`` («國際市場經驗» is 有)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    item: str
    is_: tuple[str, ...] = Field(alias="is")

    @model_validator(mode="before")
    @classmethod
    def _one_or_many(cls, data: object) -> object:
        if isinstance(data, dict) and isinstance(data.get("is"), str):
            return {**data, "is": (data["is"],)}
        return data


class FormItem(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=60)
    label: str
    ask: str
    type: ItemType
    required: bool = True
    personal: bool = False
    help: str | None = None
    options: tuple[str, ...] = ()
    short_options: tuple[str, ...] = ()
    other: bool = False
    max_choices: int | None = None
    min: float | None = None
    max: float | None = None
    unit: str | None = None
    integer: bool = False
    mobile: bool = False
    max_length: int = 200
    note_prompt: str | None = None
    dimension: Literal["O", "E", "S", "I"] | None = None
    level: int | None = Field(default=None, ge=1, le=3)
    no: int | None = None
    member_item: str | None = None  # cluster form: the member-form item whose 有 answers pre-fill the count
    when: When | None = None  # asked only when an earlier answer matches
    same_as: str | None = None  # 「同上」 copies this earlier item's answer
    #: Money typed without a unit and below this is probably in 萬 or 百萬: ask before storing.
    confirm_below: float | None = None

    @model_validator(mode="after")
    def _options_fit(self) -> FormItem:
        if self.type in ("single", "multi") and not self.options:
            raise ValueError(f"{self.id}: {self.type} needs options")
        if self.short_options and len(self.short_options) != len(self.options):
            raise ValueError(f"{self.id}: short_options must parallel options")
        return self

    @property
    def buttons(self) -> tuple[str, ...]:
        """Option texts as shown on buttons (≤ 20 characters)."""
        return self.short_options or self.options

    @property
    def code(self) -> str | None:
        """The level code shown on the form (O1…I3) for self-assessment items."""
        return f"{self.dimension}{self.level}" if self.dimension and self.level else None


class FormSection(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    title: str
    items: tuple[FormItem, ...] = Field(min_length=1)


class Target(BaseModel):
    """A minimum a check-in is measured against: the sum (or latest value) of one item."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    item: str
    label: str
    at_least: float
    unit: str = ""
    aggregate: Literal["sum", "latest"] = "sum"


class SumCheck(BaseModel):
    """Related answers that must not add up to more than ``sum_max`` (實體 + 網路營收 ≤ 100%)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    items: tuple[str, ...] = Field(min_length=2)
    sum_max: float
    message: str


class Form(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    title: str
    short: str = Field(max_length=10)
    program: Literal["digital_cluster", "intl_alliance"]
    year: int
    source: Source
    consent: str | None  # null: the form collects no personal data (check-ins, staff notices)
    scoring: Literal["oesi"] | None = None
    on_submit: Literal["store", "checkin_report", "notice"] = "store"
    dynamic: Literal["cluster_kpis"] | None = None  # items added per session (a cluster's own KPIs)
    staff_only: bool = False
    targets: tuple[Target, ...] = ()
    progress_item: str | None = None  # compared with the calendar's checkpoints (35% by 7/31 …)
    checks: tuple[SumCheck, ...] = ()
    sections: tuple[FormSection, ...] = Field(min_length=1)

    @property
    def per_month(self) -> bool:
        """Check-ins are filled once a month: each month is a new session."""
        return self.on_submit == "checkin_report"

    def with_sections(self, extra: tuple[FormSection, ...]) -> Form:
        """This form with session-specific sections inserted before the last one."""
        if not extra:
            return self
        copy = self.model_copy(update={"sections": self.sections[:-1] + extra + self.sections[-1:]})
        for cached in ("items", "section_of"):  # model_copy copies cached properties of the original too
            copy.__dict__.pop(cached, None)
        return copy

    @model_validator(mode="after")
    def _unique_ids(self) -> Form:
        seen: dict[str, FormItem] = {}
        for section in self.sections:
            for item in section.items:
                if item.id in seen:
                    raise ValueError(f"duplicate item id {item.id}")
                for ref in (item.when.item if item.when else None, item.same_as):
                    if ref is not None and ref not in seen:
                        raise ValueError(f"{item.id} refers to {ref}, which is not an earlier item")
                if item.when is not None:
                    source = seen[item.when.item]
                    allowed = set(source.options) if source.options else {"有", "無"} if source.type == "yes_no" else None
                    if allowed is not None and not set(item.when.is_) <= allowed:
                        raise ValueError(f"{item.id}: when {item.when.item} is {item.when.is_}, "
                                         f"but {item.when.item} can only be {sorted(allowed)}")
                seen[item.id] = item
        for check in self.checks:
            if not set(check.items) <= set(seen):
                raise ValueError(f"check over unknown items {check.items}")
        return self

    def asks(self, item: FormItem, answers: dict[str, object]) -> bool:
        """Whether ``item`` is asked, given the answers so far (its ``when``, if any)."""
        if item.when is None:
            return True
        value = answers.get(item.when.item)
        if isinstance(value, dict) and "has" in value:
            value = "有" if value.get("has") else "無"
        return value in item.when.is_ if value is not None else False

    def check_sum(self, item_id: str, answers: dict[str, object]) -> str | None:
        """The message of a sum check that ``answers`` break, once ``item_id`` is answered."""
        for check in self.checks:
            if item_id in check.items:
                values = [answers.get(i) for i in check.items]
                total = sum(v for v in values if isinstance(v, (int, float)))
                if total > check.sum_max:
                    return check.message.format(total=f"{total:g}")
        return None

    @cached_property
    def items(self) -> tuple[FormItem, ...]:
        """All items in the form's order; a position in a dialog is an index into this."""
        return tuple(item for section in self.sections for item in section.items)

    @cached_property
    def section_of(self) -> dict[str, FormSection]:
        return {item.id: section for section in self.sections for item in section.items}

    def index(self, item_id: str) -> int:
        return next(i for i, item in enumerate(self.items) if item.id == item_id)

    def item(self, item_id: str) -> FormItem:
        return self.items[self.index(item_id)]


class Consent(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    title: str
    short: str = Field(max_length=600)
    full: str = Field(max_length=4800)
    url: str
    source: Source


@lru_cache(maxsize=4)
def load_forms(directory: Path = FORMS_DIR) -> dict[str, Form]:
    forms: dict[str, Form] = {}
    consents = load_consents(directory)
    for path in sorted(directory.glob("*.yaml")):
        if path.name in ("consents.yaml", "stages.yaml"):
            continue
        try:
            form = Form.model_validate(read_yaml(path.read_text(encoding="utf-8")))
        except (ValidationError, yaml.YAMLError) as exc:
            raise KnowledgeError(f"{path}: {exc}") from exc
        if form.consent is not None and form.consent not in consents:
            raise KnowledgeError(f"{path}: unknown consent {form.consent}")
        forms[form.id] = form
    return forms


@lru_cache(maxsize=4)
def load_consents(directory: Path = FORMS_DIR) -> dict[str, Consent]:
    path = directory / "consents.yaml"
    try:
        raw = read_yaml(path.read_text(encoding="utf-8")) or {}
        return {key: Consent.model_validate(value) for key, value in raw.items()}
    except (OSError, ValidationError, yaml.YAMLError, AttributeError) as exc:
        raise KnowledgeError(f"{path}: {exc}") from exc


@lru_cache(maxsize=1)
def load_stages(directory: Path = FORMS_DIR) -> dict[str, dict[str, dict[str, int]]]:
    """Recommended level per dimension: ``stages[class][type][dimension]``."""
    raw = read_yaml((directory / "stages.yaml").read_text(encoding="utf-8"))
    return {cls: raw[cls] for cls in ("A", "B")}
