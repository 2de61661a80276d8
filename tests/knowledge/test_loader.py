"""The shipped knowledge base is complete, valid and cites real sections of real documents."""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from knowledge.loader import KnowledgeError, default_knowledge, load_knowledge
from tests.utils.chat import SHARED

KB = load_knowledge()


def test_well_over_a_hundred_entries_across_both_programs() -> None:
    assert len(KB.entries) >= 150
    programs = Counter(e.program for e in KB.entries)
    assert programs["digital_cluster"] >= 100
    assert programs["intl_alliance"] >= 30
    assert programs["general"] >= 10


def test_every_entry_is_usable_in_line() -> None:
    for entry in KB.entries:
        assert len(entry.title) <= 20, entry.id
        assert len(entry.questions) >= 3, entry.id
        assert len(entry.answer) <= 1500, entry.id
        assert "**" not in entry.answer and "##" not in entry.answer, f"{entry.id}: Markdown shows raw in LINE"


def test_answers_state_the_rule_rather_than_open_with_yes_or_no() -> None:
    """An entry is reached by questions of either polarity («can the lead firm be an IT company?»
    as well as «can the lead firm propose?»): an opening «Yes.» or 「不行。」 answers only one of them."""
    bare_zh = re.compile(r"^(?:可以|不可以|不行|不能|會|不會|不算|要|不用|對|有|沒有|還是要附)[。，！]")
    bare_en = re.compile(r"^(?:Yes|No)\b")
    for entry in KB.entries:
        assert not bare_zh.match(entry.answer.strip()), entry.id
        assert entry.en is None or not bare_en.match(entry.en.answer.strip()), entry.id


def test_deadline_and_size_rules_exist_for_each_class() -> None:
    for topic_entry in ("dc-deadline-a", "dc-deadline-b", "dc-class-size-a", "dc-class-size-b"):
        entry = KB.entry(topic_entry)
        assert entry is not None and entry.facets.get("class") == topic_entry[-1].upper()


@pytest.mark.skipif(not SHARED.exists(), reason="seed documents not beside the repo")
def test_sources_are_seed_files_and_sections_exist() -> None:
    seeds = SHARED / "seeds"
    texts = {p.name: p.read_text(encoding="utf-8") for p in seeds.glob("*.txt")}
    for entry in KB.entries:
        assert entry.source.file in texts, entry.id
        assert entry.source.section.strip(), entry.id


@pytest.mark.skipif(not SHARED.exists(), reason="seed documents not beside the repo")
def test_key_facts_match_the_documents() -> None:
    text = (SHARED / "seeds" / "001_83813cbc4ebfc095.txt").read_text(encoding="utf-8")
    assert "A類：112年3月7日(二)下午17:00截止" in text
    from knowledge.assistant import Assistant

    answer = Assistant(KB).entry_answer("dc-deadline-a").text  # type: ignore[union-attr]
    assert "112年3月7日" in answer and "17:00" in answer
    assert "100萬元為上限(含稅)" in text
    assert "100萬" in KB.entry("dc-funding").answer  # type: ignore[union-attr]


def test_newest_rule_wins_over_the_older_faq() -> None:
    quit_penalty = KB.entry("dc-exec-quit-penalty")
    assert quit_penalty is not None and "二年" in quit_penalty.answer or "2年" in quit_penalty.answer
    size = KB.entry("dc-class-size-a")
    assert size is not None and "10家" in size.answer


def test_townships_cover_taiwan() -> None:
    assert len(KB.townships) == 368
    assert len({t.county for t in KB.townships}) == 22
    names = {(t.county, t.town): t.tier for t in KB.townships}
    # Known extraction defects are corrected.
    for county, town in [("雲林縣", "莿桐鄉"), ("雲林縣", "大埤鄉"), ("雲林縣", "崙背鄉"), ("彰化縣", "埤頭鄉"),
                         ("屏東縣", "新埤鄉"), ("臺中市", "南屯區")]:
        assert (county, town) in names
    assert not any("郷" in t.town for t in KB.townships)
    # Empty cells keep towns in their tier: 南投縣 has no tier-1 town.
    assert names[("南投縣", "南投市")] == 2


def test_a_broken_data_file_names_the_file_and_entry(tmp_path: Path) -> None:
    import shutil

    from knowledge.loader import DATA_DIR

    copy = tmp_path / "knowledge"
    shutil.copytree(DATA_DIR, copy, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    (copy / "faq" / "zz_bad.yaml").write_text(
        "- id: bad-entry\n  program: digital_cluster\n  year: 112\n  topic: x\n  title: 這個標題太長了超過二十個字元的限制會被拒絕\n"
        "  questions: [a]\n  answer: 一個答案一個答案\n  source: {file: 001_83813cbc4ebfc095.txt, section: x}\n",
        encoding="utf-8",
    )
    with pytest.raises(KnowledgeError, match="zz_bad.yaml.*bad-entry"):
        load_knowledge(copy)


def test_a_copy_with_new_entries_finds_the_new_entries() -> None:
    """The console lays staff entries over the seed with ``model_copy``: they must be findable."""
    kb = default_knowledge()
    assert kb.entry("dc-process-overview") is not None  # the seed's index is built
    extra = kb.entries[0].model_copy(update={"id": "staff-added"})
    copy = kb.model_copy(update={"entries": (*kb.entries, extra)})
    assert copy.entry("staff-added") == extra
    assert kb.entry("staff-added") is None
