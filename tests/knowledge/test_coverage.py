"""Every fact-stating paragraph of 001 and 003 is carried by an entry (knowledge/coverage.py)."""
from __future__ import annotations

import pytest

from knowledge.coverage import SEEDS, coverage, figures
from knowledge.loader import load_knowledge

pytestmark = pytest.mark.skipif(not SEEDS.exists(), reason="seed documents not beside the repo")
KB = load_knowledge()


def test_every_fact_of_the_documents_is_carried_or_waived_with_a_reason() -> None:
    rows = coverage(KB)
    missing = [(r.paragraph.file[:3], r.paragraph.line, r.how) for r in rows if r.entry is None
               and not r.how.startswith("elsewhere")]
    assert len(rows) > 250 and missing == []


def test_the_facts_an_owner_asked_about_are_now_answered() -> None:
    carried = {r.paragraph.line: r.entry or "" for r in coverage(KB) if r.paragraph.file.startswith("001")}
    assert "dc-leader-selection" in carried[16]  # 領導企業 is chosen by the members (共推)
    assert "dc-four-co" in carried[14]  # 共識、共工、共享、共創
    assert "dc-tier-source" in carried[3283]  # where 附件三's tiers come from
    assert "dc-leader-absent" in carried[353]  # the lead firm's representative cannot attend


def test_removing_the_entry_that_carries_a_fact_makes_the_check_fail() -> None:
    without = KB.model_copy(update={"entries": tuple(e for e in KB.entries if e.id != "dc-leader-selection")})
    rows = coverage(without)
    assert any(r.entry is None and "unknown entry" in r.how for r in rows)


def test_figures_are_read_as_an_owner_reads_them() -> None:
    assert figures("至少10家(含)以上") == {"10家"}
    assert figures("二日內補齊") == {"2日"}
    assert figures("2、5年內") == {"5年"}  # a list number is not part of the figure
    assert figures("第一項") == set()  # an ordinal is not a count
    assert "198@cisanet.org.tw" in figures("電郵：198@cisanet.org.tw")
