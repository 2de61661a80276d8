"""Load and validate the knowledge data files.

Validation happens at load time so that a typo in a YAML file stops the app (and the test suite)
with the file and entry named, instead of surfacing as a wrong answer in a user's chat.
"""
from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from knowledge.english import EnglishVocabulary
from knowledge.errors import AssistantError
from knowledge.normalize import Vocabulary

__all__ = [
    "DATA_DIR",
    "Contact",
    "English",
    "Entry",
    "KnowledgeBase",
    "KnowledgeError",
    "Romanized",
    "Scope",
    "SocialIntent",
    "Source",
    "Township",
    "load_knowledge",
]

DATA_DIR = Path(__file__).resolve().parent

Program = Literal["digital_cluster", "intl_alliance", "general"]


class KnowledgeError(AssistantError, ValueError):
    """A data file is missing, malformed or inconsistent; the message names the file and entry."""


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid")
    file: str
    section: str


class English(BaseModel):
    """The English side of an entry: the same facts and citation, for questions asked in English."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=2, max_length=20)
    questions: tuple[str, ...] = Field(min_length=1)
    #: The entry's concepts in English words and their common synonyms (deadline, due date…):
    #: phrasings cover a few ways of asking, keywords the vocabulary owners bring.
    keywords: tuple[str, ...] = ()
    answer: str = Field(min_length=5, max_length=2500)

    @field_validator("answer")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()


class Entry(BaseModel):
    """One FAQ entry: a question in many phrasings, answered once, with its source."""

    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80)
    program: Program
    year: int = Field(ge=80, le=200)
    topic: str
    facets: dict[str, str] = Field(default_factory=dict)
    title: str = Field(min_length=2, max_length=20)
    questions: tuple[str, ...] = Field(min_length=1)
    keywords: tuple[str, ...] = ()
    answer: str = Field(min_length=5, max_length=1500)
    en: English | None = None
    source: Source

    @field_validator("facets")
    @classmethod
    def _known_facets(cls, value: dict[str, str]) -> dict[str, str]:
        for key, val in value.items():
            if key != "class" or val not in {"A", "B"}:
                raise ValueError(f"unknown facet {key}={val!r} (only class: A|B)")
        return value

    @field_validator("answer")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()


class Contact(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    name_en: str
    phone: str
    email: str
    url: str
    source: Source


class Township(BaseModel):
    model_config = ConfigDict(frozen=True)
    county: str
    town: str
    tier: int = Field(ge=1, le=4)


class Romanized(BaseModel):
    """How a county or town of 附件三 is spelt in English (``townships_romanized.csv``)."""

    model_config = ConfigDict(frozen=True)
    kind: Literal["county", "town"]
    county: str
    town: str = ""
    spellings: tuple[str, ...]

    @field_validator("spellings", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        return tuple(str(value).split()) if isinstance(value, str) else value


class SocialIntent(BaseModel):
    """A social turn (thanks, greeting, complaint…) and the reply in each language."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    zh: tuple[str, ...]
    en: tuple[str, ...]
    reply_zh: str
    reply_en: str
    menu: bool = False
    contact: bool = False


class Scope(BaseModel):
    """What the assistant does not cover (``scope.yaml``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    other_programs: tuple[str, ...]
    unknowable: dict[str, tuple[str, ...]]
    unknowable_patterns: dict[str, tuple[str, ...]] = {}


class KnowledgeBase(BaseModel):
    """Everything under ``knowledge/``, validated and cross-checked."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    entries: tuple[Entry, ...]
    sources: dict[str, dict[str, str]]
    contacts: dict[str, Contact]
    townships: tuple[Township, ...]
    romanized: tuple[Romanized, ...] = ()
    vocabulary: Vocabulary
    english: EnglishVocabulary
    social: dict[str, SocialIntent] = {}
    scope: Scope | None = None
    messages: dict[str, dict[str, Any]] = {}
    parallel: tuple[tuple[str, str], ...] = ()
    #: Questions staff marked as outside what the assistant answers (from the unanswered list):
    #: similar questions get the fallback at once. Laid over the seed by ``knowledge/editing.py``.
    out_of_scope: tuple[str, ...] = ()

    def entry(self, entry_id: str) -> Entry | None:
        return self._by_id().get(entry_id)

    def _by_id(self) -> dict[str, Entry]:
        # Keyed to the entries it was built from: ``model_copy`` copies this cache along with a
        # new tuple of entries, and a stale index would hide every entry staff added.
        cached = self.__dict__.get("_by_id_cache")
        if cached is None or cached[0] is not self.entries:
            cached = (self.entries, {e.id: e for e in self.entries})
            self.__dict__["_by_id_cache"] = cached
        return cached[1]

    def source_title(self, source: Source, lang: str = "zh") -> str:
        titles = self.sources.get(source.file, {})
        return titles.get(lang) or titles.get("zh") or source.file

    def text(self, lang: str, key: str) -> Any:
        """A message of ``messages.yaml`` in ``lang`` (Chinese when the language lacks it)."""
        return self.messages.get(lang, {}).get(key, self.messages.get("zh", {}).get(key, ""))


class _Loader(yaml.SafeLoader):
    """SafeLoader without YAML 1.1's base-60 numbers: 「17:00」 stays the text 17:00, not 1020."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
for _tag, _pattern in (
    ("tag:yaml.org,2002:int", r"^[-+]?(?:0|[1-9][0-9_]*)$"),
    ("tag:yaml.org,2002:float", r"^[-+]?(?:[0-9][0-9_]*)?\.[0-9_]+(?:[eE][-+]?[0-9]+)?$"),
):
    _Loader.add_implicit_resolver(_tag, __import__("re").compile(_pattern), list("-+0123456789."))


def read_yaml(text: str) -> object:
    """Parse YAML as the knowledge files mean it (no base-60 times)."""
    return yaml.load(text, Loader=_Loader)


def _read_yaml(path: Path) -> object:
    try:
        return read_yaml(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise KnowledgeError(f"{path}: cannot read YAML: {exc}") from exc


def _load_entries(directory: Path, sources: dict[str, str]) -> tuple[Entry, ...]:
    entries: list[Entry] = []
    seen: dict[str, Path] = {}
    for path in sorted(directory.glob("*.yaml")):
        raw = _read_yaml(path)
        if not isinstance(raw, list):
            raise KnowledgeError(f"{path}: expected a list of entries")
        for index, item in enumerate(raw):
            try:
                entry = Entry.model_validate(item)
            except ValidationError as exc:
                ident = item.get("id") if isinstance(item, dict) else index
                raise KnowledgeError(f"{path}: entry {ident}: {exc}") from exc
            if entry.id in seen:
                raise KnowledgeError(f"{path}: duplicate id {entry.id} (also in {seen[entry.id]})")
            if entry.source.file not in sources:
                raise KnowledgeError(f"{path}: entry {entry.id}: unknown source file {entry.source.file}")
            seen[entry.id] = path
            entries.append(entry)
    if not entries:
        raise KnowledgeError(f"{directory}: no FAQ entries found")
    return tuple(entries)


def _load_townships(path: Path) -> tuple[Township, ...]:
    with path.open(encoding="utf-8", newline="") as fh:
        return tuple(Township.model_validate(row) for row in csv.DictReader(fh))


def _load_romanized(path: Path) -> tuple[Romanized, ...]:
    if not path.exists():
        return ()
    with path.open(encoding="utf-8", newline="") as fh:
        return tuple(Romanized.model_validate(row) for row in csv.DictReader(fh))


def _mapping(directory: Path, name: str) -> dict:
    raw = _read_yaml(directory / name) if (directory / name).exists() else {}
    if not isinstance(raw, dict):
        raise KnowledgeError(f"{directory / name}: expected a mapping")
    return raw


def load_knowledge(directory: Path = DATA_DIR) -> KnowledgeBase:
    """Read every data file under ``directory``; raises :class:`KnowledgeError` on any defect."""
    sources = _read_yaml(directory / "sources.yaml")
    if not isinstance(sources, dict):
        raise KnowledgeError(f"{directory / 'sources.yaml'}: expected a mapping")
    contacts_raw = _read_yaml(directory / "contacts.yaml")
    try:
        contacts = {k: Contact.model_validate(v) for k, v in (contacts_raw or {}).items()}  # type: ignore[union-attr]
    except (ValidationError, AttributeError) as exc:
        raise KnowledgeError(f"{directory / 'contacts.yaml'}: {exc}") from exc
    vocab_raw = _read_yaml(directory / "synonyms.yaml")
    try:
        social = {k: SocialIntent.model_validate(v) for k, v in (_mapping(directory, "social.yaml").get("intents") or {}).items()}
        scope_raw = _mapping(directory, "scope.yaml")
        scope = Scope.model_validate(scope_raw) if scope_raw else None
    except ValidationError as exc:
        raise KnowledgeError(f"{directory}: social.yaml/scope.yaml: {exc}") from exc
    entries = _load_entries(directory / "faq", sources)
    # Countries the entries name keep their own name (a rule about 美國 stays about 美國); every
    # other country reads as «country», so 德國 finds the market rule rather than nothing.
    named = "\n".join(e.model_dump_json() for e in entries)
    return KnowledgeBase(
        entries=entries,
        sources={str(k): ({"zh": str(v)} if isinstance(v, str) else {str(a): str(b) for a, b in v.items()})
                 for k, v in sources.items()},
        contacts=contacts,
        townships=_load_townships(directory / "townships.csv"),
        romanized=_load_romanized(directory / "townships_romanized.csv"),
        vocabulary=Vocabulary.from_data(vocab_raw if isinstance(vocab_raw, dict) else {}, named=named),
        english=EnglishVocabulary.from_data(_mapping(directory, "english.yaml"), named=named),
        social=social,
        scope=scope,
        messages=_mapping(directory, "messages.yaml"),
        parallel=tuple((str(a), str(b)) for a, b in (_mapping(directory, "topics.yaml").get("parallel") or [])),
    )


@lru_cache(maxsize=1)
def default_knowledge() -> KnowledgeBase:
    """The shipped knowledge base, loaded once per process."""
    return load_knowledge()
